import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { readTraceFile } from '../../src/host/trace-reader'
import { agentResources, ensureBuilt, runCli, runProcess } from '../fixtures/host-cli'
import { scratchDir, writeScript } from '../fixtures/host-helpers'

let resources: string
const dir = scratchDir()

beforeAll(() => {
  ensureBuilt()
  resources = agentResources()
}, 300_000)

describe('loopscope record', () => {
  it('passes stdout through byte for byte, keeps the exit code and writes a valid trace', async () => {
    const script = writeScript(
      dir,
      'mixed.py',
      [
        'import asyncio, sys',
        'async def main():',
        '    for i in range(2000):',
        '        print(f"line {i} é 世界 \\t end")',
        '        if i % 500 == 0:',
        '            await asyncio.sleep(0)',
        '    sys.stdout.flush()',
        '    sys.stdout.buffer.write(bytes(range(256)))',
        '    sys.stdout.flush()',
        '    print("to stderr", file=sys.stderr)',
        'asyncio.run(main())',
        'sys.exit(7)'
      ].join('\n')
    )
    const plain = await runProcess('python3', [script])
    const trace = join(dir, 'mixed.ndjson')
    const recorded = await runCli(['record', '--resources', resources, '-o', trace, script])
    expect(recorded.code).toBe(7)
    expect(plain.code).toBe(7)
    expect(recorded.stdout.equals(plain.stdout)).toBe(true)
    expect(recorded.stderr.toString()).toBe('to stderr\n')
    const read = await readTraceFile(trace)
    expect(read.message).toBeNull()
    expect(read.header?.format).toBe('loopscope-trace')
    expect(read.events.at(-1)).toMatchObject({ type: 'exit', code: 7, signal: null })
    const saved = read.events
      .filter((e) => e.type === 'output' && e.stream === 'stdout')
      .map((e) => (e.type === 'output' ? e.data : ''))
      .join('')
    expect(saved.startsWith('line 0 é 世界 \t end\n')).toBe(true)
  })

  it('passes stdin through and gives the script its own arguments', async () => {
    const script = writeScript(dir, 'stdin.py', 'import sys\nprint(sys.argv[1:], sys.stdin.read().upper())\n')
    const trace = join(dir, 'stdin.ndjson')
    const r = await runCli(['record', '--resources', resources, '-o', trace, script, '--verbose', '-x'], {
      input: 'piped in'
    })
    expect(r.code).toBe(0)
    expect(r.stdout.toString()).toBe("['--verbose', '-x'] PIPED IN\n")
  })

  it('exits 128+N when the program dies of signal N', async () => {
    const script = writeScript(dir, 'kill.py', 'import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n')
    const trace = join(dir, 'kill.ndjson')
    const r = await runCli(['record', '--resources', resources, '-o', trace, script])
    expect(r.code).toBe(128 + 15)
    const read = await readTraceFile(trace)
    expect(read.events.at(-1)).toMatchObject({ type: 'exit', code: null, signal: 'SIGTERM' })
  })

  it('runs a module with -m', async () => {
    const pkg = scratchDir()
    writeScript(pkg, 'hello_mod.py', 'import sys\nprint("module", __name__, sys.argv[1:])\n')
    const trace = join(dir, 'mod.ndjson')
    const r = await runCli(['record', '--resources', resources, '-o', trace, '-m', 'hello_mod', 'a'], {
      cwd: pkg,
      env: { ...process.env, PYTHONPATH: pkg }
    })
    expect(r.stdout.toString()).toBe("module __main__ ['a']\n")
    expect(r.code).toBe(0)
  })

  it('reports a failed start in one line and writes a readable trace anyway', async () => {
    const trace = join(dir, 'missing.ndjson')
    const r = await runCli(['record', '--resources', resources, '-o', trace, join(dir, 'nope.py')])
    expect(r.code).toBe(1)
    expect(r.stderr.toString()).toMatch(/^loopscope: Script not found: .*nope\.py\n$/)
    const read = await readTraceFile(trace)
    expect(read.header).not.toBeNull()
    expect(read.events.some((e) => e.type === 'notice' && e.level === 'error')).toBe(true)
    expect(readFileSync(trace, 'utf8').split('\n')[0]).toContain('"type":"header"')
  })
})

describe('loopscope command line', () => {
  it('documents every command in --help and help COMMAND', async () => {
    const help = (await runCli(['--help'])).stdout.toString()
    for (const name of ['start', 'serve', 'record']) expect(help).toMatch(new RegExp(`^  ${name} `, 'm'))
    const record = await runCli(['help', 'record'])
    expect(record.code).toBe(0)
    expect(record.stdout.toString()).toContain('-o, --output FILE')
    expect((await runCli(['record', '--help'])).stdout.toString()).toContain('--no-compat')
    expect((await runCli(['serve', '--help'])).stdout.toString()).toContain('--pause-at-start')
    expect((await runCli(['start', '--help'])).stdout.toString()).toContain('--pause-at-start')
  })

  it('refuses unknown options and missing values with exit code 2', async () => {
    const bad = await runCli(['record', '--frobnicate', '-o', 'x', 'y.py'])
    expect(bad.code).toBe(2)
    expect(bad.stderr.toString()).toBe(
      'loopscope: unknown option --frobnicate (see `loopscope help record`)\n'
    )
    expect((await runCli(['record', 'y.py'])).code).toBe(2)
    expect((await runCli(['record', '-o'])).stderr.toString()).toMatch(/needs a value/)
    expect((await runCli(['serve', '--port', 'abc'])).code).toBe(2)
    expect((await runCli(['help', 'nothing'])).code).toBe(2)
  })
})
