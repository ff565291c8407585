// The reader of packed batches (docs/trace-format.md, "Packed batches"): what each op
// stands for, how runs end and are named, and that input we did not write (cut short,
// corrupt, from a newer agent) never throws and keeps what could be read.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BatchExpander } from '../../src/shared/trace-model/batch'
import {
  decodeBase64,
  PackedOp as Op,
  packedSteps,
  type PackedState
} from '../../src/shared/trace-model/packed-batch'
import { TraceModel } from '../../src/shared/trace-model/trace-model'
import type { BatchEvent, TraceEvent } from '../../src/shared/trace-types'

const ints = (v: number[]): string => Buffer.from(new Int32Array(v).buffer).toString('base64')
const floats = (v: number[]): string => Buffer.from(new Float64Array(v).buffer).toString('base64')

/** Task 5 (callback 7), made before the batches under test. */
function taskMadeEarlier(name: string, coro: string): TraceEvent {
  return { type: 'task.create', t: 99, loop: 1, task: 5, name, coro, cb: 7, parent: null, site: null }
}

function packed(parts: {
  i: number[]
  f?: number[]
  g?: number[]
  s?: number[]
  sl?: number[]
  sw?: number[]
  x?: unknown[]
  off?: number
}): BatchEvent {
  return {
    type: 'batch',
    t: 100,
    v: 2,
    loop: 1,
    off: parts.off ?? 0,
    r: 1000,
    n: 0,
    sc: 9,
    f: floats(parts.f ?? []),
    g: floats(parts.g ?? []),
    i: ints(parts.i),
    s: ints(parts.s ?? []),
    sl: ints(parts.sl ?? []),
    sw: floats(parts.sw ?? []),
    x: parts.x ?? []
  }
}

const kinds = (events: TraceEvent[]): string[] => events.map((e) => e.type)

describe('packed batches', () => {
  it('decode base64 exactly as Node does, whatever the length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = Buffer.from(bytes).toString('base64')
        expect(Array.from(decodeBase64(text))).toEqual(Array.from(bytes))
      })
    )
  })

  it('stand for a whole tick: schedules, select, due timer, runs and their ends', () => {
    const x = new BatchExpander()
    const out: TraceEvent[] = []
    // A task made earlier (its callback is 7), a timer scheduled earlier (handle 50).
    x.expand(taskMadeEarlier('worker', 'w'), out)
    x.expand(packed({ i: [Op.Timer, 50, 8, 0], g: [100.5] }), out)
    out.length = 0
    const b = packed({
      // tick 3 with 1 ready handle; select with fd 4; timer 50 due; run of task 5; run
      // named in s; the timer's run; tick end.
      i: [Op.Tick, 3, 1, Op.Select, 1, 4, Op.Due, 1, -50, -5, 0, -50, Op.TickEnd, 3],
      f: [101.0, 101.25, 101.5],
      g: [100.9, 100.95, 100.96, -1, 102.0],
      s: [0, 11, 0]
    })
    x.expand(b, out)
    expect(kinds(out)).toEqual([
      'handle.schedule',
      'tick.begin',
      'select',
      'timer.due',
      'handle.begin',
      'handle.end',
      'handle.begin',
      'handle.end',
      'handle.begin',
      'handle.end',
      'tick.end'
    ])
    const schedule = out[0] as Extract<TraceEvent, { type: 'handle.schedule' }>
    // The first ready handle is the task's step: fresh id r + 0, the task's callback.
    expect(schedule).toMatchObject({ handle: 1000, cb: 7, task: 5, t: 100.9 })
    expect(out[2]).toMatchObject({ timeout: null, fds: [4], waited: 0.01, t: 100.96 })
    expect(out[3]).toMatchObject({ handle: 50 })
    expect(out[4]).toMatchObject({ handle: 1000, cb: 7, task: 5, t: 101, tick: 3 })
    // A run ends where the next begins; the last where the tick ends.
    expect(out[5]).toMatchObject({ handle: 1000, t: 101.25, dur: 0.25 })
    expect(out[6]).toMatchObject({ handle: 1001, cb: 11, task: null })
    expect(out[8]).toMatchObject({ handle: 50, cb: 8 })
    expect(out[9]).toMatchObject({ t: 102, dur: 0.5 })
  })

  it('put loop time on every event: monotonic time less the held time', () => {
    const out = new BatchExpander().expandAll([
      packed({ i: [Op.Tick, 1, 0, Op.TickEnd, 1], g: [110, 111], off: 10 }) as TraceEvent
    ])
    expect(out.map((e) => e.t)).toEqual([100, 101])
  })

  it('link asyncio.sleep timers to the task that waits on them', () => {
    const x = new BatchExpander()
    const out: TraceEvent[] = []
    x.expand(taskMadeEarlier('sleeper', 's'), out)
    out.length = 0
    // Run 1 (task 5) schedules sleep timer 60 (deadline 105) and waits on it; later the
    // timer's own run. The column: one group of 1, first handle 60, made in run 1.
    x.expand(
      packed({
        i: [-5, Op.TickEnd, 1, -60, Op.End],
        f: [101, 106],
        g: [101.5, 106.25],
        sl: [1, 60, 1],
        sw: [105]
      }),
      out
    )
    expect(kinds(out)).toEqual([
      'handle.begin',
      'handle.end',
      'timer.schedule',
      'task.state',
      'tick.end',
      'handle.begin',
      'handle.end'
    ])
    expect(out[2]).toMatchObject({ handle: 60, cb: 9, when: 105, t: 101 })
    expect(out[3]).toMatchObject({
      task: 5,
      state: 'waiting',
      t: 101.5,
      awaiting: { kind: 'sleep', ref: 60 }
    })
    expect(out[5]).toMatchObject({ handle: 60, cb: 9, task: null })
    expect(out[6]).toMatchObject({ t: 106.25 })
  })

  it('write tasks, their ends and what they await from the ops and strings', () => {
    const out = new BatchExpander().expandAll([
      packed({
        i: [
          Op.Task,
          5,
          7,
          0,
          0,
          1,
          -1,
          Op.Task,
          6,
          7,
          5,
          2,
          1,
          3,
          -5,
          Op.WaitTask,
          5,
          6,
          Op.WaitGather,
          5,
          1,
          6,
          Op.Wait,
          6,
          4,
          Op.Done,
          6,
          5,
          Op.Event,
          6,
          Op.End
        ],
        f: [101],
        g: [100, 100.5, 101.5, 102],
        x: [
          'Task-1',
          'worker',
          'child',
          'x.py:3',
          { kind: 'queue', ref: null, label: 'get (x.py:9)' },
          'None',
          { type: 'notice', t: 101, level: 'info', message: 'hi' }
        ]
      }) as TraceEvent
    ])
    expect(out[0]).toMatchObject({
      type: 'task.create',
      task: 5,
      name: 'Task-1',
      coro: 'worker',
      cb: 7,
      parent: null,
      site: null
    })
    expect(out[1]).toMatchObject({
      type: 'task.create',
      task: 6,
      name: 'child',
      parent: 5,
      site: 'x.py:3',
      t: 100.5
    })
    expect(out[4]).toMatchObject({
      type: 'task.state',
      task: 5,
      awaiting: { kind: 'task', ref: 6, label: 'child' }
    })
    expect(out[5]).toMatchObject({ awaiting: { kind: 'gather', ref: [6], label: 'gather of 1' } })
    expect(out[6]).toMatchObject({ task: 6, awaiting: { kind: 'queue', label: 'get (x.py:9)' } })
    expect(out[7]).toMatchObject({ type: 'task.state', task: 6, state: 'done', result: 'None', t: 101.5 })
    expect(out[8]).toMatchObject({ type: 'notice', message: 'hi' })
  })

  it('keep what could be read of a batch cut short, corrupt or from a newer agent', () => {
    const whole = packed({ i: [Op.Tick, 1, 0, -5, -5, Op.TickEnd, 1], f: [1, 2], g: [0.5, 3] })
    const cases: BatchEvent[] = [
      { ...whole, f: whole.f!.slice(0, 8) },
      { ...whole, g: '' },
      { ...whole, i: ints([Op.Tick, 1, 0, -5, 99, 1, 2, 3]) },
      { ...whole, i: ints([Op.Select, 1000]) },
      { ...whole, s: '!!!!', i: ints([0, 0, 0]) },
      { ...whole, x: undefined, i: ints([Op.Event, 3, Op.Wait, 1, 2]) }
    ]
    for (const b of cases) {
      const out: TraceEvent[] = []
      expect(() => new BatchExpander().expand(b as TraceEvent, out)).not.toThrow()
      for (const e of out) expect(Number.isFinite(e.t)).toBe(true)
    }
  })

  /** A busy tick: `n` runs of task 5, each sleeping on a timer of its own, with waits. */
  function busyTick(n: number): BatchEvent {
    const f = Array.from({ length: n }, (_, k) => 101 + k * 1e-5)
    return packed({
      i: [Op.Tick, 1, n, Op.Select, 0, ...Array.from({ length: n }, () => -5), Op.TickEnd, 1],
      f,
      g: [100.9, 100.95, 100.96, 0, 200],
      // One group of n sleep timers (handles 5000…), timer k made by run k + 1.
      sl: [n, 5000, ...Array.from({ length: n }, (_, k) => k + 1)],
      sw: f.map((t) => t + 1)
    })
  }
  const freshState = (): PackedState => ({
    ticks: new Map(),
    announced: new Set(),
    taskCb: new Map([[5, 7]]),
    taskNames: new Map(),
    timers: new Map(),
    note: () => {}
  })

  it('expand a part at a time into exactly the events of one expansion, parts ending at op boundaries', () => {
    const b = busyTick(300)
    const whole: TraceEvent[] = []
    const one = packedSteps(b, freshState())
    expect(one(whole, Infinity)).toBe(true)
    expect(whole.length).toBeGreaterThan(1200)
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), (most) => {
        const steps = packedSteps(b, freshState())
        const parts: TraceEvent[][] = []
        for (let done = false; !done;) {
          const out: TraceEvent[] = []
          done = steps(out, most)
          // A part stops at the first op boundary at or past `most` events.
          if (!done) expect(out.length).toBeGreaterThanOrEqual(most)
          parts.push(out)
        }
        expect(parts.flat()).toEqual(whole)
      }),
      { numRuns: 40 }
    )
  })

  it('are applied by the model a part at a time: a slice never expands a whole busy batch', () => {
    const b = busyTick(20000)
    const once = new TraceModel()
    once.ingest([taskMadeEarlier('worker', 'w'), b])
    const total = once.eventCount
    expect(total).toBeGreaterThan(80000)
    const m = new TraceModel()
    m.enqueue([taskMadeEarlier('worker', 'w'), b])
    let clock = 0
    let slices = 0
    let before = 0
    // Each slice's deadline has passed at its first check: it applies at most one part
    // (2,048 events) plus one check's worth (256).
    while (!m.drain(clock, () => ++clock)) {
      expect(m.eventCount - before).toBeLessThanOrEqual(2048 + 256 + 1)
      // One part: 2,048 events and the rest of the op that reached them (a run here writes
      // four: begin, end, its sleep's timer and its wait).
      expect(m.expandedWaiting).toBeLessThanOrEqual(2048 + 3)
      before = m.eventCount
      slices++
    }
    expect(slices).toBeGreaterThan(30)
    expect(m.eventCount).toBe(total)
    expect(m.spans.length).toBe(once.spans.length)
  })
})

describe('what the expander remembers between batches', () => {
  it('forgets a handle announced on its own line once it has run, so a trace of one event a line does not pile them up', () => {
    const x = new BatchExpander()
    const out: TraceEvent[] = []
    for (let h = 1; h <= 1000; h++) {
      x.expand({ type: 'handle.schedule', t: h, loop: 1, handle: h, cb: 7, task: null }, out)
      x.expand({ type: 'handle.begin', t: h + 0.5, loop: 1, handle: h, cb: 7, task: null, tick: h }, out)
    }
    expect(x.announced.size).toBe(0)
    // One announced and not yet run is still skipped in a later batch's ready queue.
    x.expand({ type: 'handle.schedule', t: 2000, loop: 1, handle: 5000, cb: 7, task: null }, out)
    expect([...x.announced]).toEqual([5000])
  })
})
