// Issue 8, floods: the host keeps every byte of a huge output and every event of a flood on
// its own channel, in a bounded number of messages, with bounded memory.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { Batcher } from '../../src/host/batcher'
import { Session } from '../../src/host/session'
import { readTraceFile } from '../../src/host/trace-reader'
import { ApiServer } from '../../src/host/api-server'
import type { SessionInfo, SessionStatus, TraceBatch } from '../../src/shared/api'
import { agentResources, ensureBuilt } from '../fixtures/host-cli'
import { repoRoot, scratchDir, writeScript } from '../fixtures/host-helpers'

const dir = scratchDir()
const MB = 1024 * 1024

beforeAll(() => {
  ensureBuilt()
})

describe('floods', () => {
  it('an output flood on stdout and stderr arrives complete, in bounded messages, with the trace capped', async () => {
    const stdoutMb = 250
    const stderrMb = 50
    const script = writeScript(
      dir,
      'flood.py',
      [
        'import sys',
        'block = ("x" * 1023 + "\\n")',
        `for _ in range(${stdoutMb} * 1024):`,
        '    sys.stdout.write(block)',
        `for _ in range(${stderrMb} * 1024):`,
        '    sys.stderr.write(block)',
        'print("the end")'
      ].join('\n')
    )
    // Its own server whose transport counts without keeping, as a real UI hands data on: the
    // shared harness keeps every batch, which would measure the test, not the host.
    const traceDir = join(scratchDir(), 'traces')
    const api = new ApiServer({
      kind: 'web',
      resourcesDir: agentResources(),
      version: 'test',
      traceDir,
      dataDir: scratchDir(),
      traceOutputMaxBytes: 8 * MB
    })
    let stdoutChars = 0
    let stderrChars = 0
    let messages = 0
    let largest = 0
    let tail = ''
    let exited: (s: SessionStatus) => void = () => undefined
    const status = new Promise<SessionStatus>((r) => (exited = r))
    api.subscribe({
      sendBatch: (b) => {
        messages++
        let size = 0
        for (const e of b.events) {
          if (e.type !== 'output') continue
          size += e.data.length
          if (e.stream === 'stdout') {
            stdoutChars += e.data.length
            tail = (tail + e.data).slice(-20)
          } else stderrChars += e.data.length
        }
        largest = Math.max(largest, size)
      },
      sendStatus: (s) => {
        if (s.state === 'exited') exited(s)
      }
    })
    const rssBefore = process.memoryUsage().rss
    let rssPeak = rssBefore
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 10)
    const started = Date.now()
    const info = (await api.handle('run', [{ script }])) as SessionInfo
    const end = await status
    const seconds = (Date.now() - started) / 1000
    clearInterval(sampler)
    await api.dispose()
    expect(end.session).toBe(info.id)
    expect(end.exitCode).toBe(0)
    expect(stdoutChars).toBe(stdoutMb * MB + 'the end\n'.length)
    expect(stderrChars).toBe(stderrMb * MB)
    expect(tail.endsWith('the end\n')).toBe(true)
    const file = readdirSync(traceDir).find((f) => f.includes(`-${info.id}-flood`))!
    expect(statSync(join(traceDir, file)).size).toBeLessThan(10 * MB)
    const trace = await readTraceFile(join(traceDir, file))
    expect(trace.events.some((e) => e.type === 'notice' && /bytes dropped/.test(e.message))).toBe(true)
    expect(trace.events.at(-1)?.type === 'exit' || trace.events.at(-2)?.type === 'exit').toBe(true)
    const growthMb = (rssPeak - rssBefore) / MB
    console.log(
      `output flood: ${stdoutMb + stderrMb} MB in ${seconds.toFixed(2)} s (${((stdoutMb + stderrMb) / seconds).toFixed(0)} MB/s), ` +
        `${messages} messages (largest ${(largest / MB).toFixed(2)} M chars), host RSS growth ${growthMb.toFixed(0)} MB`
    )
    // One message holds about 1 M characters of output, however fast the flood comes.
    expect(largest).toBeLessThanOrEqual(1.25 * MB)
    // Memory is bounded by the batch and the pipes, not by the output: far below its size.
    expect(growthMb).toBeLessThan(150)
  }, 120_000)

  it('an event flood of a million events reaches the view complete and in order', async () => {
    const n = 1_000_000
    let count = 0
    let inOrder = true
    let messages = 0
    let last = -1
    const batcher = new Batcher({
      session: 1,
      flush: (b: TraceBatch) => {
        messages++
        for (const e of b.events) {
          if (e.type !== 'handle.begin') continue
          if (e.handle !== last + 1) inOrder = false
          last = e.handle
          count++
        }
      }
    })
    const session = new Session({
      id: 1,
      request: { script: writeScript(dir, 'unused.py', ''), env: { FLOOD_EVENTS: String(n) } },
      agentPath: join(repoRoot, 'tests/fixtures/host-flood-agent.py'),
      handlers: { onEvent: (e) => batcher.push(e) }
    })
    const started = Date.now()
    session.start()
    expect(await session.done).toEqual({ code: 0, signal: null })
    batcher.close()
    const seconds = (Date.now() - started) / 1000
    console.log(
      `event flood: ${n} events in ${seconds.toFixed(2)} s (${Math.round(n / seconds)} events/s), ${messages} messages`
    )
    expect(count).toBe(n)
    expect(inOrder).toBe(true)
    expect(session.parserStats).toMatchObject({
      events: n,
      invalidJson: 0,
      unknownType: 0,
      badTime: 0,
      oversized: 0
    })
    expect(messages).toBeLessThanOrEqual(n / 2000 + 1000)
  }, 90_000)
})
