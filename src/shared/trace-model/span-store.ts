// Spans (running steps, callbacks, waits, selector waits, executor jobs) and point markers,
// column by column.

import { F64Column, I32Column, U8Column, staggered } from './columns'

export class SpanStore {
  // The two float columns, the biggest copies, half a doubling apart.
  readonly start = new F64Column(staggered(0, 9))
  /** NaN while the span is still open. */
  readonly end = new F64Column(staggered(4, 9))
  readonly lane = new I32Column(staggered(2, 9))
  readonly kind = new U8Column(staggered(8, 9))
  readonly flags = new U8Column(staggered(3, 9))
  /** cb id (run/callback), label string index (wait, executor), fd count (select). */
  readonly ref = new I32Column(staggered(6, 9))
  readonly handle = new I32Column(staggered(1, 9))
  readonly tick = new I32Column(staggered(5, 9))
  readonly task = new I32Column(staggered(7, 9))

  get length(): number {
    return this.start.length
  }

  add(
    start: number,
    lane: number,
    kind: number,
    ref: number,
    handle = -1,
    tick = -1,
    task = -1,
    flags = 0
  ): number {
    this.start.push(start)
    this.end.push(NaN)
    this.lane.push(lane)
    this.kind.push(kind)
    this.flags.push(flags)
    this.ref.push(ref)
    this.handle.push(handle)
    this.tick.push(tick)
    return this.task.push(task)
  }

  /** Removes the newest span (one that turned out never to have existed). */
  pop(): void {
    for (const c of [
      this.start,
      this.end,
      this.lane,
      this.kind,
      this.flags,
      this.ref,
      this.handle,
      this.tick,
      this.task
    ])
      c.length--
  }

  close(i: number, end: number): void {
    this.end.set(i, Math.max(end, this.start.get(i)))
  }

  get bytes(): number {
    return (
      this.start.bytes +
      this.end.bytes +
      this.lane.bytes +
      this.kind.bytes +
      this.flags.bytes +
      this.ref.bytes +
      this.handle.bytes +
      this.tick.bytes +
      this.task.bytes
    )
  }
}

export class MarkerStore {
  readonly t = new F64Column(staggered(0, 4))
  readonly lane = new I32Column(staggered(2, 4))
  readonly kind = new U8Column(staggered(1, 4))
  /** Handle id (timer due), fd (I/O ready), task id (ends), problem id. */
  readonly ref = new I32Column(staggered(3, 4))

  get length(): number {
    return this.t.length
  }

  add(t: number, lane: number, kind: number, ref: number): number {
    this.lane.push(lane)
    this.kind.push(kind)
    this.ref.push(ref)
    return this.t.push(t)
  }

  get bytes(): number {
    return this.t.bytes + this.lane.bytes + this.kind.bytes + this.ref.bytes
  }
}

/**
 * Every task's state history (created, waiting on X, done…), column by column: one entry per
 * wait or end, about one per two events in a busy trace, so half a million objects a million
 * events as plain objects. Each entry points to the one before it of the same task; a task
 * keeps its newest (see TaskInfo.historyHead).
 */
export class HistoryLog {
  readonly t = new F64Column()
  readonly tick = new I32Column()
  /** Index into HISTORY_STATES. */
  readonly state = new U8Column()
  /** String index of the label (what was awaited, the exception), -1 for none. */
  readonly label = new I32Column()
  /** The same task's entry before this one, -1 for its first. */
  readonly prev = new I32Column()

  get length(): number {
    return this.t.length
  }

  add(prev: number, t: number, tick: number, state: number, label: number): number {
    this.t.push(t)
    this.tick.push(tick)
    this.state.push(state)
    this.label.push(label)
    return this.prev.push(prev)
  }

  get bytes(): number {
    return this.t.bytes + this.tick.bytes + this.state.bytes + this.label.bytes + this.prev.bytes
  }
}
