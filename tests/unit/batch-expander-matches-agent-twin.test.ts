// The TypeScript reader of the agent's `batch` events and its Python twin (tests/agent/harness.py
// `expand`) must stand for the same events. Both expand traces the real agent writes for
// programs that exercise every op: task steps, timers scheduled inside runs, asyncio.sleep's
// column, other waits, cancels, a blocked loop and a tick cut by nothing but its end.
import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BatchExpander } from '../../src/shared/trace-model/batch'
import { TraceModel } from '../../src/shared/trace-model/trace-model'
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

/** Ids an event names that must have been defined (by `task.create` / `callback`) before it. */
function namedIds(e: TraceEvent): { tasks: number[]; cbs: number[] } {
  const r = e as unknown as Record<string, unknown>
  const tasks: number[] = []
  const cbs: number[] = []
  // A schedule derived at a tick's begin may name a callback or task first defined later in
  // that tick (docs/trace-format.md, Batches); every other event names only defined ones.
  if (e.type === 'handle.schedule') return { tasks, cbs }
  if (e.type !== 'task.create' && typeof r.task === 'number' && r.task) tasks.push(r.task)
  if (e.type !== 'callback' && typeof r.cb === 'number') cbs.push(r.cb)
  const aw = r.awaiting as { kind?: string; ref?: unknown } | undefined
  if (aw && (aw.kind === 'task' || aw.kind === 'gather'))
    for (const ref of Array.isArray(aw.ref) ? aw.ref : [aw.ref]) if (typeof ref === 'number') tasks.push(ref)
  return { tasks, cbs }
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
  ].join('\n'),
  awaits: [
    'import asyncio',
    'async def child(n):',
    '    await asyncio.sleep(0.01 * n)',
    'async def main():',
    '    await asyncio.create_task(child(1), name="child-task")',
    '    await asyncio.gather(child(2), child(3))',
    'asyncio.run(main())'
  ].join('\n')
}

describe('the batch reader and its Python twin', () => {
  it('give the model who awaits whom', () => {
    const trace = record('awaits-model', PROGRAMS.awaits)
    const model = new TraceModel()
    model.ingest(
      readFileSync(trace, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as TraceEvent)
    )
    const awaited = [...model.awaitedBy.values()].map((refs) => refs.length).sort()
    // main awaits child-task, then a gather of two.
    expect(awaited).toEqual([1, 2])
  }, 60_000)

  for (const [name, source] of Object.entries(PROGRAMS)) {
    it(`expand the agent's trace of a ${name} program to the same events`, () => {
      const trace = record(name, source)
      const raw = readFileSync(trace, 'utf8')
      // The program really was written in packed batches.
      expect(raw).toMatch(/"type":"batch","t":[\d.]+,"v":2,/)
      const ts = expandInTs(trace)
      const py = expandInPython(trace)
      expect(ts.length).toBe(py.length)
      expect(ts).toEqual(py)
      const begins = ts.filter((e) => e.type === 'handle.begin').length
      expect(begins).toBeGreaterThan(name === 'awaits' ? 10 : 100)
      expect(ts.filter((e) => e.type === 'handle.end').length).toBe(begins)
      // Everything a run or a wait names was defined before it, in stream order.
      const tasks = new Set<number>()
      const cbs = new Set<number>()
      for (const e of ts) {
        const named = namedIds(e)
        for (const t of named.tasks)
          expect(tasks.has(t), `${e.type} names task ${t} before its task.create`).toBe(true)
        for (const c of named.cbs)
          expect(cbs.has(c), `${e.type} names callback ${c} before its callback`).toBe(true)
        if (e.type === 'task.create') tasks.add(e.task)
        if (e.type === 'callback') cbs.add(e.cb)
      }
    }, 60_000)
  }
})
