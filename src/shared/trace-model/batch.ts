// Expands the agent's compact `batch` events into the per-event objects they stand for
// (docs/trace-format.md, "Batches"). The agent writes a loop's hot events as arrays of
// integers — times as microsecond deltas, schedules of the ready queue derived from the
// next tick — because formatting one JSON object per handle cost more than the program's
// own work. Every reader goes through this, so the rest of the code sees only the
// documented events. The Python twin is tests/agent/harness.py (`expand`).

import type { Awaiting, TraceEvent } from '../trace-types'

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
  Wait: 9
} as const

type Op = readonly unknown[]

const SLEEP_LABEL = 'asyncio.sleep'

export class BatchExpander {
  /** Handles whose schedule was written on its own (from another thread). */
  private readonly announced = new Set<number>()
  /** Each loop's current tick, carried across batches. */
  private readonly ticks = new Map<number, number>()

  /** Appends `e` (or, for a batch, what it stands for) to `out`. */
  expand(e: TraceEvent, out: TraceEvent[]): void {
    if (e === null || typeof e !== 'object') {
      out.push(e)
      return
    }
    if (e.type === 'batch') {
      this.expandBatch(e.loop, e.t, e.ops as readonly unknown[], out)
      return
    }
    this.note(e)
    out.push(e)
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
    else if (e.type === 'tick.begin' && typeof e.loop === 'number') this.ticks.set(e.loop, e.tick)
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
        case BatchOp.Run: {
          cur += n(1)
          const dur = n(2)
          end = cur + dur
          const handle = n(3)
          out.push({ type: 'handle.begin', t: at(cur), loop, handle, cb: n(4), task: n(5) || null, tick })
          out.push({ type: 'handle.end', t: at(end), loop, handle, dur: dur / 1e6 })
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
          out.push({
            type: 'timer.schedule',
            t: at(cur),
            loop,
            handle: n(1),
            cb: n(2),
            when: at(cur + n(3)),
            task: n(4) || null
          })
          break
        case BatchOp.TickEnd:
          cur += n(1)
          out.push({ type: 'tick.end', t: at(cur), loop, tick: n(2) })
          break
        case BatchOp.Sleep:
          out.push({
            type: 'task.state',
            t: at(end),
            loop,
            task: n(1),
            state: 'waiting',
            awaiting: { kind: 'sleep', ref: n(2), label: SLEEP_LABEL }
          })
          break
        case BatchOp.Wait:
          if (op[2] !== null && typeof op[2] === 'object') {
            out.push({
              type: 'task.state',
              t: at(end),
              loop,
              task: n(1),
              state: 'waiting',
              awaiting: op[2] as Awaiting
            })
          }
          break
        default:
          // An op code from a newer agent: nothing we could draw from it.
          break
      }
    }
  }
}

/** [handle, cb, task] of the first k handles run (or skipped) in the tick that starts at ops[start]. */
function readyPrefix(ops: readonly unknown[], start: number, k: number): number[][] {
  const found: number[][] = []
  for (let i = start; i < ops.length && found.length < k; i++) {
    const op = ops[i]
    if (!Array.isArray(op)) continue
    if (op[0] === BatchOp.Run) found.push([op[3], op[4], op[5]])
    else if (op[0] === BatchOp.Skip) found.push([op[2], op[3], op[4]])
    else if (op[0] === BatchOp.TickEnd) break
  }
  return found
}
