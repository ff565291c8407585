// Expands a packed batch (`batch` with `v: 2`, docs/trace-format.md "Batches") into the
// per-event objects it stands for. The agent packs a loop's hot events this way because
// it copies them at C speed: one token per run in an int32 stream, the run start times as
// float64, asyncio.sleep timers as a column of their own. Everything a run does not say
// (its end, its handle id, its callback) follows from what came before and after it.
// The Python twin is tests/agent/harness.py (`expand_packed`).

import type { Awaiting, BatchEvent, TraceEvent } from '../trace-types'

export const PackedOp = {
  Tick: 20,
  TickReady: 21,
  Select: 22,
  Due: 23,
  Skip: 25,
  Cancel: 26,
  Timer: 27,
  TickEnd: 28,
  End: 29,
  Sleep: 30,
  Wait: 31,
  Event: 32,
  SleepTimer: 33,
  Task: 34,
  Done: 35,
  WaitTask: 36,
  WaitGather: 37
} as const

/** What a reader remembers between packed batches. */
export interface PackedState {
  /** Each loop's current tick. */
  ticks: Map<number, number>
  /** Handles whose schedule was written on its own (from another thread). */
  announced: Set<number>
  /** Task id → the callback id its steps run as. */
  taskCb: Map<number, number>
  /** Task id → name (for waits on a task). */
  taskNames: Map<number, string>
  /** Timers scheduled and not yet run, skipped or cancelled: handle id → [cb, task]. */
  timers: Map<number, [number, number]>
  /** Hands an event that is not a run to the caller, which remembers what it needs. */
  note: (e: TraceEvent) => void
}

const SLEEP_LABEL = 'asyncio.sleep'

// -- base64 columns ---------------------------------------------------------------------

const B64 = new Uint8Array(256).fill(255)
for (let i = 0; i < 64; i++)
  B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i

/** The bytes of a base64 string, in a buffer of its own (so typed views are aligned). */
export function decodeBase64(text: string): Uint8Array {
  let len = text.length
  while (len > 0 && text.charCodeAt(len - 1) === 61) len--
  const out = new Uint8Array((len * 3) >> 2)
  let o = 0
  let i = 0
  for (; i + 4 <= len; i += 4) {
    const n =
      (B64[text.charCodeAt(i)] << 18) |
      (B64[text.charCodeAt(i + 1)] << 12) |
      (B64[text.charCodeAt(i + 2)] << 6) |
      B64[text.charCodeAt(i + 3)]
    out[o++] = (n >> 16) & 255
    out[o++] = (n >> 8) & 255
    out[o++] = n & 255
  }
  const rest = len - i
  if (rest >= 2) {
    const n = (B64[text.charCodeAt(i)] << 18) | (B64[text.charCodeAt(i + 1)] << 12)
    out[o] = (n >> 16) & 255
    if (rest === 3) out[o + 1] = ((n | (B64[text.charCodeAt(i + 2)] << 6)) >> 8) & 255
  }
  return out
}

const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** float64 values (little-endian) of a base64 column. */
export function floatColumn(text: string | undefined): Float64Array {
  if (!text) return new Float64Array(0)
  const bytes = decodeBase64(text)
  const n = bytes.length >> 3
  if (LITTLE) return new Float64Array(bytes.buffer, 0, n)
  const view = new DataView(bytes.buffer)
  const out = new Float64Array(n)
  for (let k = 0; k < n; k++) out[k] = view.getFloat64(k * 8, true)
  return out
}

/** Integers (int32, or int64 when `wide`; little-endian) of a base64 column. */
export function intColumn(text: string | undefined, wide: boolean): ArrayLike<number> {
  if (!text) return new Int32Array(0)
  const bytes = decodeBase64(text)
  if (!wide) {
    const n = bytes.length >> 2
    if (LITTLE) return new Int32Array(bytes.buffer, 0, n)
    const view = new DataView(bytes.buffer)
    const out = new Int32Array(n)
    for (let k = 0; k < n; k++) out[k] = view.getInt32(k * 4, true)
    return out
  }
  const n = bytes.length >> 3
  const view = new DataView(bytes.buffer)
  const out = new Float64Array(n)
  for (let k = 0; k < n; k++) out[k] = Number(view.getBigInt64(k * 8, true))
  return out
}

// -- the op stream ----------------------------------------------------------------------

type Ints = ArrayLike<number>

/** Operands of op `op` whose first operand is at I[i]; -1 for an op this reader does not know. */
function operands(I: Ints, op: number, i: number): number {
  switch (op) {
    case PackedOp.Tick:
      return 2
    case PackedOp.TickReady:
      return 2 + 3 * (I[i + 1] ?? 0)
    case PackedOp.Select:
    case PackedOp.Due:
      return 1 + (I[i] ?? 0)
    case PackedOp.Skip:
    case PackedOp.Timer:
      return 3
    case PackedOp.Cancel:
    case PackedOp.TickEnd:
    case PackedOp.Event:
    case PackedOp.SleepTimer:
      return 1
    case PackedOp.End:
      return 0
    case PackedOp.Sleep:
    case PackedOp.Wait:
    case PackedOp.Done:
    case PackedOp.WaitTask:
      return 2
    case PackedOp.Task:
      return 6
    case PackedOp.WaitGather:
      return 2 + (I[i + 1] ?? 0)
    default:
      return -1
  }
}

/** Floats op `op` reads from `g`. */
function floatsOf(op: number): number {
  if (op === PackedOp.Select) return 3
  return isTimed(op) || readsFloat(op) ? 1 : 0
}

/** Whether op `op`, whose first operand is at I[i], is whole and its floats are there. */
function fits(I: Ints, op: number, i: number, floatsLeft: number): boolean {
  const n = operands(I, op, i)
  return Number.isFinite(n) && n >= 0 && i + n <= I.length && floatsOf(op) <= floatsLeft
}

/** Ops that carry a time of the loop going on to something new (in `g`). */
const isTimed = (op: number): boolean =>
  op === PackedOp.Tick ||
  op === PackedOp.TickReady ||
  op === PackedOp.Select ||
  op === PackedOp.Skip ||
  op === PackedOp.TickEnd ||
  op === PackedOp.End

/** Ops that read one float of their own from `g` without being timed. */
const readsFloat = (op: number): boolean =>
  op === PackedOp.Timer || op === PackedOp.SleepTimer || op === PackedOp.Task || op === PackedOp.Done

const sleepOn = (timer: number): Awaiting => ({ kind: 'sleep', ref: timer, label: SLEEP_LABEL })

class Cursor {
  constructor(
    readonly I: Ints,
    readonly F: Float64Array,
    readonly S: Ints,
    readonly G: Float64Array,
    readonly r: number,
    readonly state: PackedState
  ) {}

  /** Of the run `runIds` read last: its handle, callback and task, and the cursor in S after it. */
  hid = 0
  cb = 0
  task = 0
  si = 0

  /**
   * Reads a run token's handle, callback and task into `hid`, `cb` and `task` (fields, not a
   * new array: a recording has a million runs). `take` forgets a timer once it ran.
   */
  runIds(token: number, si: number, run: number, take: boolean): void {
    if (token < 0) {
      const key = -token
      const timer = this.state.timers.get(key)
      if (timer !== undefined) {
        if (take) this.state.timers.delete(key)
        this.hid = key
        this.cb = timer[0]
        this.task = timer[1]
      } else {
        this.hid = this.r + run
        this.cb = this.state.taskCb.get(key) ?? 0
        this.task = key
      }
      this.si = si
      return
    }
    const hid = this.S[si] ?? 0
    const task = this.S[si + 2] ?? 0
    let cb = this.S[si + 1] ?? 0
    if (!cb && task) cb = this.state.taskCb.get(task) ?? 0
    this.hid = hid || this.r + run
    this.cb = cb
    this.task = task
    this.si = si + 3
  }

  skipIds(hid: number, cb: number, task: number, take: boolean): [number, number, number] {
    const timer = this.state.timers.get(hid)
    if (timer !== undefined) {
      if (take) this.state.timers.delete(hid)
      if (!cb) return [hid, timer[0], timer[1]]
    }
    return [hid, cb, task]
  }

  /** When the loop went on after the op before I[ii]: the time of the next timed op. */
  nextTime(ii: number, fi: number, gi: number): number | null {
    const I = this.I
    while (ii < I.length) {
      const op = I[ii]
      if (op <= 0) return fi < this.F.length ? this.F[fi] : null
      if (isTimed(op)) return gi < this.G.length ? this.G[gi] : null
      if (readsFloat(op)) gi++
      const n = operands(I, op, ii + 1)
      if (!(n >= 0)) return null
      ii += 1 + n
    }
    return null
  }

  /** [handle, cb, task] of the first k runs or skips from I[ii] on, within the tick. */
  readyPrefix(ii: number, si: number, run: number, k: number): number[][] {
    const I = this.I
    const found: number[][] = []
    while (ii < I.length && found.length < k) {
      const op = I[ii++]
      if (op <= 0) {
        this.runIds(op, si, run, false)
        si = this.si
        run++
        found.push([this.hid, this.cb, this.task])
      } else if (op === PackedOp.Skip) {
        found.push(this.skipIds(I[ii], I[ii + 1], I[ii + 2], false))
        ii += 3
      } else if (op === PackedOp.TickEnd) break
      else {
        const n = operands(I, op, ii)
        if (!(n >= 0)) break
        ii += n
      }
    }
    return found
  }
}

/** Appends the events a packed batch stands for to `out`. */
export function expandPacked(b: BatchEvent, state: PackedState, out: TraceEvent[]): void {
  const step = packedSteps(b, state)
  while (!step(out, Infinity));
}

/**
 * A packed batch expanded a part at a time: each call appends the events of whole ops to
 * `out` until it holds at least `most` (or the batch ends) and returns whether the batch
 * is done. A busy loop's batch stands for ~100,000 events, too many to expand between two
 * frames; the parts come out exactly as one expansion would, as long as `state` is left
 * alone until the batch is done.
 */
export function packedSteps(b: BatchEvent, state: PackedState): (out: TraceEvent[], most: number) => boolean {
  const loop = b.loop
  const off = typeof b.off === 'number' ? b.off : 0
  const sleepCb = typeof b.sc === 'number' ? b.sc : 0
  const wide = !!b.wide
  const I = intColumn(b.i, wide)
  const F = floatColumn(b.f)
  const G = floatColumn(b.g)
  const S = intColumn(b.s, wide)
  const SL = intColumn(b.sl, wide)
  const SW = floatColumn(b.sw)
  const X = Array.isArray(b.x) ? b.x : []
  const c = new Cursor(I, F, S, G, typeof b.r === 'number' ? b.r : 0, state)
  const at = (m: number): number => Math.round((m - off) * 1e6) / 1e6
  const str = (k: number): string => (typeof X[k] === 'string' ? (X[k] as string) : String(X[k] ?? ''))
  let fi = 0
  let gi = 0
  let ii = 0
  let si = 0
  let run = 0
  let li = 0
  let tick = state.ticks.get(loop) ?? 0
  let cur = b.t + off
  let end = cur
  const waiting = (task: number, awaiting: Awaiting): void => {
    out.push({ type: 'task.state', t: at(end), loop, task, state: 'waiting', awaiting })
  }
  // The sleep column: groups of (count, first handle, the run index of each).
  const sleepRun: number[] = []
  const sleepHandle: number[] = []
  for (let k = 0; k + 1 < SL.length;) {
    const count = SL[k]
    const first = SL[k + 1]
    if (!(count > 0) || k + 2 + count > SL.length) break
    for (let j = 0; j < count; j++) {
      sleepRun.push(SL[k + 2 + j])
      sleepHandle.push(first + j)
    }
    k += 2 + count
  }
  let lastTask = 0
  const WA = intColumn(b.wa, wide)
  let wi = 0
  let out: TraceEvent[] = []
  // asyncio.sleep timers made in the run just expanded, and its task's wait on each; then
  // the waits on plain futures that began with its end.
  const sleeps = (): void => {
    while (li < sleepRun.length && li < SW.length && sleepRun[li] <= run) {
      const hid = sleepHandle[li]
      state.timers.set(hid, [sleepCb, 0])
      out.push({
        type: 'timer.schedule',
        t: at(cur),
        loop,
        handle: hid,
        cb: sleepCb,
        when: at(SW[li]),
        task: null
      })
      waiting(lastTask, sleepOn(hid))
      li++
    }
    while (wi + 2 < WA.length && WA[wi] <= run) {
      const awaiting = X[WA[wi + 2]]
      if (awaiting !== null && typeof awaiting === 'object') waiting(WA[wi + 1], awaiting as Awaiting)
      wi += 3
    }
  }
  // A tick's schedules, written a part at a time too (a tick may wake thousands of tasks).
  let readyList: number[][] | null = null
  let readyAt = 0
  let readyT = 0
  return (into, most) => {
    out = into
    // Before the first run: the sleeps and waits filed at run index 0 (after that, a no-op:
    // each run's are written right after it).
    sleeps()
    return expandSome(most)
  }

  /** The tick's schedules left, then its tick.begin; false when `out` filled up first. */
  function scheduleReady(most: number): boolean {
    const ready = readyList ?? []
    while (readyAt < ready.length) {
      if (out.length >= most) return false
      const [handle, cb, task] = ready[readyAt++]
      if (state.announced.delete(handle)) continue
      out.push({ type: 'handle.schedule', t: readyT, loop, handle, cb, task: task || null })
    }
    readyList = null
    state.ticks.set(loop, tick)
    out.push({ type: 'tick.begin', t: readyT, loop, tick })
    return true
  }

  function expandSome(most: number): boolean {
    if (readyList !== null && !scheduleReady(most)) return false
    while (ii < I.length) {
      if (out.length >= most) return false
      const op = I[ii++]
      // Input we did not write may be cut short or corrupt: a batch whose columns run out
      // stops where they do (what was read stays).
      if (op <= 0 ? fi >= F.length || (op === 0 && si + 3 > S.length) : !fits(I, op, ii, G.length - gi))
        return true
      if (op <= 0) {
        const start = F[fi++]
        const stop = c.nextTime(ii, fi, gi) ?? start
        c.runIds(op, si, run, true)
        const handle = c.hid
        const cb = c.cb
        const task = c.task
        si = c.si
        lastTask = task
        run++
        out.push({ type: 'handle.begin', t: at(start), loop, handle, cb, task: task || null, tick })
        out.push({
          type: 'handle.end',
          t: at(stop),
          loop,
          handle,
          dur: Math.round((stop - start) * 1e6) / 1e6
        })
        cur = start
        end = stop
        sleeps()
        continue
      }
      switch (op) {
        case PackedOp.Tick:
        case PackedOp.TickReady: {
          tick = I[ii]
          const k = I[ii + 1]
          ii += 2
          let ready: number[][]
          if (op === PackedOp.TickReady) {
            ready = []
            for (let j = 0; j < k; j++) {
              const task = I[ii + 3 * j + 2]
              ready.push([I[ii + 3 * j], I[ii + 3 * j + 1] || (state.taskCb.get(task) ?? 0), task])
            }
            ii += 3 * k
          } else ready = c.readyPrefix(ii, si, run, k)
          cur = G[gi++]
          readyList = ready
          readyAt = 0
          readyT = at(cur)
          if (!scheduleReady(most)) return false
          break
        }
        case PackedOp.Select: {
          const nfds = I[ii]
          const fds = Array.from({ length: nfds }, (_, j) => I[ii + 1 + j])
          ii += 1 + nfds
          const tSel = G[gi]
          cur = G[gi + 1]
          const timeout = G[gi + 2]
          gi += 3
          out.push({
            type: 'select',
            t: at(cur),
            loop,
            timeout: timeout < 0 ? null : timeout,
            waited: Math.round((cur - tSel) * 1e6) / 1e6,
            fds
          })
          break
        }
        case PackedOp.Due: {
          const d = I[ii]
          for (let j = 0; j < d; j++) {
            const token = I[ii + 1 + j]
            if (token) out.push({ type: 'timer.due', t: at(cur), loop, handle: -token })
          }
          ii += 1 + d
          break
        }
        case PackedOp.Skip: {
          const [handle] = c.skipIds(I[ii], I[ii + 1], I[ii + 2], true)
          ii += 3
          cur = G[gi++]
          out.push({ type: 'timer.cancel', t: at(cur), loop, handle })
          break
        }
        case PackedOp.Cancel:
          state.timers.delete(I[ii])
          out.push({ type: 'timer.cancel', t: at(cur), loop, handle: I[ii] })
          ii += 1
          break
        case PackedOp.Timer:
        case PackedOp.SleepTimer: {
          const handle = I[ii]
          const cb = op === PackedOp.Timer ? I[ii + 1] : sleepCb
          const task = op === PackedOp.Timer ? I[ii + 2] : 0
          ii += op === PackedOp.Timer ? 3 : 1
          state.timers.set(handle, [cb, task])
          out.push({
            type: 'timer.schedule',
            t: at(cur),
            loop,
            handle,
            cb,
            when: at(G[gi++]),
            task: task || null
          })
          break
        }
        case PackedOp.TickEnd:
          cur = G[gi++]
          out.push({ type: 'tick.end', t: at(cur), loop, tick: I[ii] })
          ii += 1
          break
        case PackedOp.End:
          gi++
          break
        case PackedOp.Sleep:
          waiting(I[ii], sleepOn(I[ii + 1]))
          ii += 2
          break
        case PackedOp.Wait: {
          const awaiting = X[I[ii + 1]]
          if (awaiting !== null && typeof awaiting === 'object') waiting(I[ii], awaiting as Awaiting)
          ii += 2
          break
        }
        case PackedOp.Event: {
          const e = X[I[ii]]
          ii += 1
          if (e !== null && typeof e === 'object') {
            state.note(e as TraceEvent)
            out.push(e as TraceEvent)
            tick = state.ticks.get(loop) ?? tick
          }
          break
        }
        case PackedOp.Task: {
          const site = I[ii + 5]
          const e: TraceEvent = {
            type: 'task.create',
            t: at(G[gi++]),
            loop,
            task: I[ii],
            name: str(I[ii + 3]),
            coro: str(I[ii + 4]),
            cb: I[ii + 1],
            parent: I[ii + 2] || null,
            site: site < 0 ? null : str(site)
          }
          ii += 6
          state.note(e)
          out.push(e)
          break
        }
        case PackedOp.Done:
          out.push({
            type: 'task.state',
            t: at(G[gi++]),
            loop,
            task: I[ii],
            state: 'done',
            result: str(I[ii + 1])
          })
          ii += 2
          break
        case PackedOp.WaitTask: {
          const awaited = I[ii + 1]
          waiting(I[ii], { kind: 'task', ref: awaited, label: state.taskNames.get(awaited) ?? 'Task' })
          ii += 2
          break
        }
        case PackedOp.WaitGather: {
          const n = I[ii + 1]
          const refs = Array.from({ length: n }, (_, j) => I[ii + 2 + j])
          waiting(I[ii], { kind: 'gather', ref: refs, label: `gather of ${n}` })
          ii += 2 + n
          break
        }
        default:
          // An op from a newer agent: its operands cannot be known, so the rest is lost.
          return true
      }
    }
    return true
  }
}
