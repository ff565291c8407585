import { cpSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { readTraceFile } from '../../src/host/trace-reader'
import { ensureBuilt, runCli } from '../fixtures/host-cli'
import { repoRoot, scratchDir, writeScript } from '../fixtures/host-helpers'

const dir = scratchDir()
const resources = join(dir, 'resources')

beforeAll(() => {
  ensureBuilt()
  mkdirSync(join(resources, 'agent'), { recursive: true })
  cpSync(
    join(repoRoot, 'tests/fixtures/host-lines-agent.py'),
    join(resources, 'agent', 'loopscope_launch.py')
  )
}, 300_000)

describe('loopscope record, agent lines', () => {
  it('writes valid agent lines exactly as the agent wrote them, and skips broken ones with a notice', async () => {
    const script = writeScript(dir, 'quiet.py', 'print("out")\n')
    const trace = join(dir, 'lines.ndjson')
    const r = await runCli(['record', '--resources', resources, '-o', trace, script])
    expect(r.code).toBe(0)
    expect(r.stdout.toString()).toBe('out\n')
    const lines = readFileSync(trace, 'utf8').trimEnd().split('\n')
    expect(JSON.parse(lines[0])).toMatchObject({ type: 'header', host: { loopscope: expect.any(String) } })
    const agentLines = lines
      .slice(1)
      .filter((l) => !/"type":"(output|exit|notice)"/.test(l) || l.includes('caf'))
    // Byte for byte: the host does not re-serialize what the agent wrote.
    expect(agentLines).toEqual([
      '{"type":"loop.start","t":0.5,"loop":1,"thread":1,"threadName":"MainThread","cls":"X"}',
      '{"type": "tick.begin", "t": 1, "loop": 1, "tick": 1}',
      '{"loop":1,"t":1.25,"type":"tick.end","tick":1}',
      '{"type":"notice","t":2,"level":"info","message":"caf\\u00e9 世界"}',
      '{"type":"batch","t":5,"loop":1,"ops":[[0,1],[7,1]]}',
      '{"type":"loop.stop","t":6e0,"loop":1}'
    ])
    const read = await readTraceFile(trace)
    expect(read.skipped).toBe(0)
    const tail = read.events.slice(-4).map((e) => e.type)
    expect(tail).toContain('exit')
    expect(read.events.some((e) => e.type === 'output' && e.data === 'out\n')).toBe(true)
    expect(
      read.events.some((e) => e.type === 'notice' && /skipped a malformed agent event/.test(e.message))
    ).toBe(true)
    // Host events carry the time of the last agent event before them.
    expect(read.events.find((e) => e.type === 'exit')?.t).toBe(6)
  })
})
