// Expands the agent's compact `batch` events into the per-event objects they stand for
// (docs/trace-format.md, "Batches"). The agent writes a loop's hot events as arrays of
// integers — times as microsecond deltas, schedules of the ready queue derived from the
// next tick — because formatting one JSON object per handle cost more than the program's
// own work. Every reader goes through this, so the rest of the code sees only the
// documented events. The Python twin is tests/agent/harness.py (`expand`).

import type { Awaiting, BatchEvent, TraceEvent } from '../trace-types'
import { expandPacked, packedSteps, type PackedState } from './packed-batch'

export const BatchOp = {
  Tick: 0,
  Run: 1,
  Select: 2,
  Due: 3,
  Skip: 4,
  Cancel: 5,
  Timer: 6,
  TickEnd: 7,
  Sleep: 8,
  Wait: 9,
  Runs: 10
} as const

type Op = readonly unknown[]

const SLEEP_LABEL = 'asyncio.sleep'

export class BatchExpander {
  /** Handles whose schedule was written on its own (from another thread). */
  readonly announced = new Set<number>()
  /** Each loop's current tick, carried across batches. */
  readonly ticks = new Map<number, number>()
  /** What packed batches (version 2) need of what came before them. */
  private readonly packed: PackedState = new PackedMemory(this)

  /** Appends `e` (or, for a batch, what it stands for) to `out`. */
  expand(e: TraceEvent, out: TraceEvent[]): void {
    if (e === null || typeof e !== 'object') {
      out.push(e)
      return
    }
    if (e.type === 'batch') {
      if (e.v === 2) expandPacked(e as BatchEvent, this.packed, out)
      else this.expandBatch(e.loop, e.t, (e.ops ?? []) as readonly unknown[], out)
      return
    }
    this.note(e)
    out.push(e)
  }

  /**
   * For a packed batch, its expansion a part at a time (see `packedSteps`); nothing else may
   * be expanded or noted until it is done. Null for anything else (use `expand`).
   */
  steps(e: TraceEvent): ((out: TraceEvent[], most: number) => boolean) | null {
    if (e === null || typeof e !== 'object' || e.type !== 'batch' || e.v !== 2) return null
    return packedSteps(e as BatchEvent, this.packed)
  }

  /** Every event of a trace, batches expanded. */
  expandAll(events: readonly TraceEvent[]): TraceEvent[] {
    const out: TraceEvent[] = []
    for (const e of events) this.expand(e, out)
    return out
  }

  /** Remembers what later batches need of an event that is not a batch. */
  note(e: TraceEvent): void {
    if (e.type === 'handle.schedule') this.announced.add(e.handle)
    // A handle that ran is in no later ready queue: forgotten, or a trace written one event
    // a line (nothing in it deletes what it announces) would keep every handle it scheduled.
    else if (e.type === 'handle.begin') this.announced.delete(e.handle)
    else if (e.type === 'tick.begin' && typeof e.loop === 'number') this.ticks.set(e.loop, e.tick)
    else if (e.type === 'task.create') {
      this.packed.taskNames.set(e.task, e.name)
      if (typeof e.cb === 'number') this.packed.taskCb.set(e.task, e.cb)
    } else if (e.type === 'loop.close' && typeof e.loop === 'number') this.forgetTimers()
  }

  /** A closed loop's timers will never run. */
  private forgetTimers(): void {
    if (this.packed.timers.size > 100_000) this.packed.timers.clear()
  }

  private expandBatch(loop: number, base: number, ops: readonly unknown[], out: TraceEvent[]): void {
    if (!Array.isArray(ops)) return
    let cur = 0
    let end = 0
    let tick = this.ticks.get(loop) ?? 0
    const at = (us: number): number => Math.round((base + us / 1e6) * 1e6) / 1e6
    for (let i = 0; i < ops.length; i++) {
      const item = ops[i]
      if (!Array.isArray(item)) {
        if (item !== null && typeof item === 'object') {
          const inner = item as TraceEvent
          this.note(inner)
          out.push(inner)
        }
        continue
      }
      const op = item as Op
      const n = (k: number): number => (typeof op[k] === 'number' ? (op[k] as number) : 0)
      switch (op[0]) {
        case BatchOp.Tick: {
          tick = n(1)
          cur += n(2)
          this.ticks.set(loop, tick)
          const t = at(cur)
          const ready = Array.isArray(op[4]) ? (op[4] as number[][]) : readyPrefix(ops, i + 1, n(3))
          for (const [handle, cb, task] of ready) {
            if (this.announced.delete(handle)) continue
            out.push({ type: 'handle.schedule', t, loop, handle, cb, task: task || null })
          }
          out.push({ type: 'tick.begin', t, loop, tick })
          break
        }
        case BatchOp.Run:
          cur += n(1)
          end = cur + n(2)
          pushRun(out, at, loop, tick, cur, n(2), n(3), n(4), n(5))
          break
        case BatchOp.Runs: {
          const r = expandRuns(op, cur, tick, loop, at, out)
          cur = r.cur
          end = r.end
          break
        }
        case BatchOp.Select:
          cur += n(1)
          out.push({
            type: 'select',
            t: at(cur),
            loop,
            timeout: typeof op[2] === 'number' ? op[2] : null,
            waited: n(3) / 1e6,
            fds: Array.isArray(op[4]) ? (op[4] as number[]) : []
          })
          break
        case BatchOp.Due:
          out.push({ type: 'timer.due', t: at(cur), loop, handle: n(1) })
          break
        case BatchOp.Skip:
        case BatchOp.Cancel:
          cur += n(1)
          out.push({ type: 'timer.cancel', t: at(cur), loop, handle: n(2) })
          break
        case BatchOp.Timer:
          pushTimer(out, at, loop, cur, n(1), n(2), n(3), n(4))
          break
        case BatchOp.TickEnd:
          cur += n(1)
          out.push({ type: 'tick.end', t: at(cur), loop, tick: n(2) })
          break
        case BatchOp.Sleep:
          pushWaiting(out, at(end), loop, n(1), sleepOn(n(2)))
          break
        case BatchOp.Wait:
          if (op[2] !== null && typeof op[2] === 'object')
            pushWaiting(out, at(end), loop, n(1), op[2] as Awaiting)
          break
        default:
          // An op code from a newer agent: nothing we could draw from it.
          break
      }
    }
  }
}

/** `handle.begin` at `start` and `handle.end` after `dur` µs: one run, whichever op held it. */
function pushRun(
  out: TraceEvent[],
  at: (us: number) => number,
  loop: number,
  tick: number,
  start: number,
  dur: number,
  handle: number,
  cb: number,
  task: number
): void {
  out.push({ type: 'handle.begin', t: at(start), loop, handle, cb, task: task || null, tick })
  out.push({ type: 'handle.end', t: at(start + dur), loop, handle, dur: dur / 1e6 })
}

/** `timer.schedule` made at `now`, due `when` µs later. */
function pushTimer(
  out: TraceEvent[],
  at: (us: number) => number,
  loop: number,
  now: number,
  handle: number,
  cb: number,
  when: number,
  task: number
): void {
  out.push({ type: 'timer.schedule', t: at(now), loop, handle, cb, when: at(now + when), task: task || null })
}

const sleepOn = (timer: number): Awaiting => ({ kind: 'sleep', ref: timer, label: SLEEP_LABEL })

function pushWaiting(out: TraceEvent[], t: number, loop: number, task: number, awaiting: Awaiting): void {
  out.push({ type: 'task.state', t, loop, task, state: 'waiting', awaiting })
}

const nums = (v: unknown): number[] =>
  Array.isArray(v) ? (v as unknown[]).map((x) => (typeof x === 'number' ? x : 0)) : []

/** [handle, cb, task] of each run of a `runs` op, in order: the handles named in `known`,
 * the others numbered on from the op's first id. */
export function runColumns(op: Op): number[][] {
  const cbs = nums(op[3])
  const tasks = nums(op[4])
  const known = new Map<number, number>()
  const k = nums(op[5])
  for (let i = 0; i + 1 < k.length; i += 2) known.set(k[i], k[i + 1])
  let fresh = typeof op[1] === 'number' ? op[1] : 0
  const runs: number[][] = []
  const count = Array.isArray(op[2]) ? op[2].length : 0
  for (let i = 0; i < count; i++) {
    let handle = known.get(i)
    if (handle === undefined) handle = fresh++
    runs.push([handle, cbs[i] ?? 0, tasks[i] ?? 0])
  }
  return runs
}

/** `[10, firstId, dts, cbs, tasks, known, timers, sleeps, waits, dur]`: consecutive runs as columns. */
function expandRuns(
  op: Op,
  start: number,
  tick: number,
  loop: number,
  at: (us: number) => number,
  out: TraceEvent[]
): { cur: number; end: number } {
  const dts = nums(op[2])
  const timerCols = nums(op[6])
  const timers = new Map<number, number[][]>()
  for (let k = 0; k + 4 < timerCols.length; k += 5) {
    const list = timers.get(timerCols[k]) ?? []
    list.push(timerCols.slice(k + 1, k + 5))
    timers.set(timerCols[k], list)
  }
  const sleepCols = nums(op[7])
  const sleeps = new Map<number, number>()
  for (let k = 0; k + 1 < sleepCols.length; k += 2) sleeps.set(sleepCols[k], sleepCols[k + 1])
  const waitCols = Array.isArray(op[8]) ? (op[8] as unknown[]) : []
  const waits = new Map<number, Awaiting>()
  for (let k = 0; k + 1 < waitCols.length; k += 2) {
    const w = waitCols[k + 1]
    if (typeof waitCols[k] === 'number' && w !== null && typeof w === 'object')
      waits.set(waitCols[k] as number, w as Awaiting)
  }
  const lastDur = typeof op[9] === 'number' ? op[9] : 0
  const runs = runColumns(op)
  let cur = start
  let end = start
  for (let i = 0; i < runs.length; i++) {
    const [handle, cb, task] = runs[i]
    cur += dts[i]
    const dur = i + 1 < dts.length ? dts[i + 1] : lastDur
    end = cur + dur
    pushRun(out, at, loop, tick, cur, dur, handle, cb, task)
    for (const [timer, timerCb, when, timerTask] of timers.get(i) ?? [])
      pushTimer(out, at, loop, cur, timer, timerCb, when, timerTask)
    const sleep = sleeps.get(i)
    const wait = sleep !== undefined ? sleepOn(sleep) : waits.get(i)
    if (wait) pushWaiting(out, at(end), loop, task, wait)
  }
  return { cur, end }
}

/** [handle, cb, task] of the first k handles run (or skipped) in the tick that starts at ops[start]. */
function readyPrefix(ops: readonly unknown[], start: number, k: number): number[][] {
  const found: number[][] = []
  for (let i = start; i < ops.length && found.length < k; i++) {
    const op = ops[i]
    if (!Array.isArray(op)) continue
    if (op[0] === BatchOp.Run) found.push([op[3], op[4], op[5]])
    else if (op[0] === BatchOp.Runs) {
      for (const run of runColumns(op)) {
        if (found.length >= k) break
        found.push(run)
      }
    } else if (op[0] === BatchOp.Skip) found.push([op[2], op[3], op[4]])
    else if (op[0] === BatchOp.TickEnd) break
  }
  return found
}

/**
 * What packed batches need of what came before them, noting the events they do not expand
 * through their expander. A class, not an object with a closure: a model built in a worker
 * is handed to the page as data (model-transfer.ts).
 */
export class PackedMemory implements PackedState {
  readonly ticks: Map<number, number>
  readonly announced: Set<number>
  readonly taskCb = new Map<number, number>()
  readonly taskNames = new Map<number, string>()
  readonly timers = new Map<number, [number, number]>()

  constructor(private readonly expander: BatchExpander) {
    this.ticks = expander.ticks
    this.announced = expander.announced
  }

  note(e: TraceEvent): void {
    this.expander.note(e)
  }
}
