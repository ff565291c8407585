// The TypeScript reader of the agent's `batch` events and its Python twin (tests/agent/harness.py
// `expand`) must stand for the same events. Both expand traces the real agent writes for
// programs that exercise every op: task steps in column runs, timers scheduled inside runs,
// sleeps and other waits, cancels, a blocked loop and a tick cut by nothing but its end.
import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BatchExpander } from '../../src/shared/trace-model/batch'
import type { TraceEvent } from '../../src/shared/trace-types'

const root = resolve(__dirname, '../..')
const launcher = join(root, 'resources/agent/loopscope_launch.py')
const dir = mkdtempSync(join(tmpdir(), 'loopscope-batch-'))

function record(name: string, source: string): string {
  const script = join(dir, `${name}.py`)
  writeFileSync(script, source)
  const trace = join(dir, `${name}.ndjson`)
  const fd = openSync(trace, 'w')
  try {
    execFileSync('python3', [launcher, script], {
      stdio: ['ignore', 'ignore', 'pipe', fd],
      env: { ...process.env, LOOPSCOPE_EVENT_FD: '3', LOOPSCOPE_BLOCKED_MS: '50' },
      timeout: 60_000
    })
  } finally {
    closeSync(fd)
  }
  return trace
}

function expandInTs(trace: string): TraceEvent[] {
  const lines = readFileSync(trace, 'utf8').split('\n').filter(Boolean)
  return new BatchExpander().expandAll(lines.map((l) => JSON.parse(l) as TraceEvent))
}

function expandInPython(trace: string): TraceEvent[] {
  const code = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(join(root, 'tests/agent'))})`,
    'from harness import expand',
    'events = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]',
    'print(json.dumps(expand(events)))'
  ].join('\n')
  return JSON.parse(execFileSync('python3', ['-c', code, trace], { maxBuffer: 1 << 28 }).toString())
}

const PROGRAMS: Record<string, string> = {
  churn: [
    'import asyncio',
    'async def worker(n):',
    '    for _ in range(300):',
    '        await asyncio.sleep(0)',
    'async def main():',
    '    await asyncio.gather(*(worker(n) for n in range(20)))',
    'asyncio.run(main())'
  ].join('\n'),
  timers: [
    'import asyncio, random',
    'async def worker(rng):',
    '    for _ in range(10):',
    '        await asyncio.sleep(rng.uniform(0, 0.004))',
    'async def main():',
    '    rng = random.Random(7)',
    '    await asyncio.gather(*(worker(rng) for _ in range(50)))',
    'asyncio.run(main())'
  ].join('\n'),
  mixed: [
    'import asyncio, time',
    'async def consumer(q, lock):',
    '    while (item := await q.get()) is not None:',
    '        async with lock:',
    '            await asyncio.sleep(0.001)',
    'async def sleeper():',
    '    await asyncio.sleep(10)',
    'async def main():',
    '    q, lock = asyncio.Queue(), asyncio.Lock()',
    '    workers = [asyncio.create_task(consumer(q, lock)) for _ in range(3)]',
    '    doomed = asyncio.create_task(sleeper())',
    '    for i in range(30):',
    '        await q.put(i)',
    '    doomed.cancel()',
    '    loop = asyncio.get_running_loop()',
    '    loop.call_soon(time.sleep, 0.12)',
    '    await asyncio.sleep(0.2)',
    '    for _ in workers:',
    '        await q.put(None)',
    '    await asyncio.gather(*workers)',
    '    await loop.run_in_executor(None, sum, [1, 2])',
    'asyncio.run(main())'
  ].join('\n')
}

describe('the batch reader and its Python twin', () => {
  for (const [name, source] of Object.entries(PROGRAMS)) {
    it(`expand the agent's trace of a ${name} program to the same events`, () => {
      const trace = record(name, source)
      const raw = readFileSync(trace, 'utf8')
      // The program really was written with column runs.
      expect(raw).toMatch(/\[10,\d+,\[/)
      const ts = expandInTs(trace)
      const py = expandInPython(trace)
      expect(ts.length).toBe(py.length)
      expect(ts).toEqual(py)
      const begins = ts.filter((e) => e.type === 'handle.begin').length
      expect(begins).toBeGreaterThan(100)
      expect(ts.filter((e) => e.type === 'handle.end').length).toBe(begins)
    }, 60_000)
  }
})
