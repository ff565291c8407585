// The ready queue, timer heap and I/O watchers of one loop, rebuilt from the trace's deltas
// (docs/trace-format.md: "Identifiers and derived state") and replaceable by a keyframe.

import { F64Column, U8Column, staggered } from './columns'

export interface IoWatch {
  fd: number
  dir: 'read' | 'write'
  cb: number
}

/** A plain copy of the queues, safe to hand to views. */
export interface QueueSnapshot {
  /** Handle ids in FIFO order. */
  ready: number[]
  /** [handle id, deadline] sorted by deadline (then scheduling order). */
  timers: [number, number][]
  io: IoWatch[]
}

export const DeltaOp = {
  Schedule: 1,
  Timer: 2,
  Due: 3,
  Begin: 4,
  Cancel: 5,
  IoAdd: 6,
  IoRemove: 7
} as const
export type DeltaOp = (typeof DeltaOp)[keyof typeof DeltaOp]

export class QueueState {
  ready: number[] = []
  /** Timer handle → deadline; Map keeps scheduling order for equal deadlines. */
  timers = new Map<number, number>()
  io = new Map<string, IoWatch>()

  clone(): QueueState {
    const q = new QueueState()
    q.ready = this.ready.slice()
    q.timers = new Map(this.timers)
    q.io = new Map(this.io)
    return q
  }

  static fromSnapshot(
    ready: number[],
    timers: [number, number][],
    io: [number, 'r' | 'w', number][]
  ): QueueState {
    const q = new QueueState()
    q.ready = ready.slice()
    for (const [h, when] of timers) q.timers.set(h, when)
    for (const [fd, d, cb] of io) {
      const dir = d === 'w' ? 'write' : 'read'
      q.io.set(`${fd}:${dir}`, { fd, dir, cb })
    }
    return q
  }

  apply(op: number, a: number, b: number): void {
    switch (op) {
      case DeltaOp.Schedule:
        this.ready.push(a)
        break
      case DeltaOp.Timer:
        this.timers.set(a, b)
        break
      case DeltaOp.Due:
        this.timers.delete(a)
        this.ready.push(a)
        break
      case DeltaOp.Begin: {
        // The handle that runs is almost always the head of the queue.
        if (this.ready[0] === a) this.ready.shift()
        else {
          const i = this.ready.indexOf(a)
          if (i >= 0) this.ready.splice(i, 1)
        }
        break
      }
      case DeltaOp.Cancel: {
        if (!this.timers.delete(a)) {
          const i = this.ready.indexOf(a)
          if (i >= 0) this.ready.splice(i, 1)
        }
        break
      }
      case DeltaOp.IoAdd: {
        const dir = b < 0 ? 'write' : 'read'
        this.io.set(`${a}:${dir}`, { fd: a, dir, cb: Math.abs(b) - 1 })
        break
      }
      case DeltaOp.IoRemove: {
        const dir = b < 0 ? 'write' : 'read'
        this.io.delete(`${a}:${dir}`)
        break
      }
    }
  }

  snapshot(): QueueSnapshot {
    const timers = [...this.timers.entries()]
    // Stable sort keeps scheduling order among equal deadlines, as the heap would.
    timers.sort((x, y) => x[1] - y[1])
    const io = [...this.io.values()].sort((x, y) => x.fd - y.fd || (x.dir < y.dir ? -1 : 1))
    return { ready: this.ready.slice(), timers, io }
  }
}

/** Encodes an I/O watch's direction and callback in one number (sign = direction). */
export const encodeIo = (dir: 'read' | 'write', cb: number): number => (dir === 'write' ? -(cb + 1) : cb + 1)

/** The loop's delta log: one row per queue change, in trace order. */
export class DeltaLog {
  readonly op = new U8Column(staggered(1, 3))
  readonly a = new F64Column(staggered(0, 2))
  readonly b = new F64Column(staggered(1, 2))

  get length(): number {
    return this.op.length
  }

  push(op: DeltaOp, a: number, b = 0): void {
    this.op.push(op)
    this.a.push(a)
    this.b.push(b)
  }

  replay(state: QueueState, from: number, to: number): void {
    const op = this.op.data
    const a = this.a.data
    const b = this.b.data
    for (let i = from; i < to; i++) state.apply(op[i], a[i], b[i])
  }
}
