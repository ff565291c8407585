// The trace model: ingests trace events incrementally (in batches, live or from a file) and
// derives what the views draw — lanes, spans, markers, ticks, tasks, queues at any tick,
// problems and console output. Plain TypeScript with no Vue, DOM or Node: the renderer
// and the image exporter share it.

import type { Awaiting, Frame, TaskStateName, TraceEvent, TraceHeader, EventOf } from '../trace-types'
import { BatchExpander } from './batch'
import { Column, DenseNumberMap, F64Column, I32Column, StringTable, lowerBound } from './columns'
import { shortSite } from './format'
import { DeltaLog, DeltaOp, QueueState, encodeIo, type QueueSnapshot } from './queue-state'
import { HistoryLog, MarkerStore, SpanStore } from './span-store'
import {
  HISTORY_STATES,
  MarkerKind,
  SpanFlag,
  SpanKind,
  type ConsoleChunk,
  type HandleInfo,
  type Lane,
  type LaneKind,
  type LoopInfo,
  type Problem,
  type TaskDisplayState,
  type TaskHistoryEntry,
  type TaskInfo
} from './model-types'

/** Our own keyframe spacing (ticks) when the agent sends none: bounds replay work per scrub. */
export const KEYFRAME_EVERY = 256
/** Console output the model keeps (characters): far more than the console's 10,000-line
 * scrollback shows, bounded so that a program printing without end cannot exhaust the page. */
export const CONSOLE_CAP_CHARS = 8 * 1024 * 1024

/** Events a packed batch is expanded into at a time (~1.5 ms of work on a slow machine). */
const EXPAND_PART = 2048
const TERMINAL: ReadonlySet<TaskDisplayState> = new Set(['done', 'failed', 'cancelled'])
/** Each state's number in the history log (HISTORY_STATES), looked up per entry. */
const HISTORY_STATE_INDEX = new Map(HISTORY_STATES.map((s, i) => [s, i]))
const WAITING = HISTORY_STATE_INDEX.get('waiting') as number

export class TraceModel {
  header: TraceHeader | null = null
  /** Events ingested (including skipped ones). */
  eventCount = 0
  /** Unknown or malformed events skipped. */
  skipped = 0
  /** Events the agent reported dropping. */
  dropped = 0
  /** Earliest loop time seen (the chart's origin). */
  origin = NaN
  /** Newest loop time seen. */
  now = 0

  readonly strings = new StringTable()
  readonly spans = new SpanStore()
  readonly markers = new MarkerStore()
  /** Every task's state history (see taskHistory). */
  readonly history = new HistoryLog()
  readonly lanes: Lane[] = []
  readonly loops = new Map<number, LoopInfo>()
  readonly tasks = new Map<number, TaskInfo>()
  readonly problems: Problem[] = []
  /** The newest console output, at most about CONSOLE_CAP_CHARS characters of it. */
  readonly console: ConsoleChunk[] = []
  /** Chunks dropped from the front of `console` to keep it within the cap (oldest first). */
  consoleDropped = 0
  /** Characters of output dropped with them. */
  consoleDroppedChars = 0
  private consoleChars = 0
  /** Wait spans on other tasks (awaiting a task or a gather): span index → awaited task ids. */
  readonly awaitedBy = new Map<number, number[]>()

  /** Bumped whenever lanes or tasks are added (views that only list lanes can skip redraws). */
  structureVersion = 0
  /**
   * Bumped whenever a problem already in `problems` changes (a block's report goes on or
   * ends, a slow callback turns out to be a block): the Problems list regroups them all then,
   * and otherwise only takes in the new ones (see ProblemGrouper).
   */
  problemEdits = 0
  /** Bumped whenever a lane is added or relabelled: the lane order and labels are cached on it. */
  laneVersion = 0
  /** Tasks created and not yet done, failed or cancelled. */
  liveTaskCount = 0
  /** The loop of the newest tick: the one the views follow by default. */
  activeLoop: number | null = null
  paused: EventOf<'paused'> | null = null
  exit: { code: number | null; signal: string | null; t: number } | null = null

  private readonly callbacks = new Map<number, { label: string; site: string | null }>()
  private readonly handleCb = new DenseNumberMap()
  private readonly handleTask = new DenseNumberMap()
  private readonly laneByKey = new Map<string, number>()
  private readonly taskOpenSpan = new Map<number, number>()
  private readonly pendingAwait = new Map<number, Awaiting>()
  private readonly jobs = new Map<number, { fn: string; task: number | null }>()
  private readonly blockedProblem = new Map<number, Problem>()
  /** Problems by what they are about, so that a second report of one finds the first. */
  private readonly failedProblem = new Map<number, Problem>()
  private laneSeq = 0
  private taskSeq = 0
  private readonly expander = new BatchExpander()

  setHeader(h: TraceHeader): void {
    this.header = h
  }

  /**
   * Makes room in each column already `minLength` long for `factor` times what it holds: a
   * reader that knows how much of a file it has read (buildModel) grows the columns once
   * instead of doubling them all the way.
   */
  reserve(factor: number, minLength = 1024): void {
    const holders: object[] = [this.spans, this.markers, this.history, ...this.lanes]
    for (const loop of this.loops.values()) holders.push(loop, loop.deltas)
    for (const holder of holders)
      for (const value of Object.values(holder))
        if (value instanceof Column && value.length >= minLength) value.reserve(value.length * factor)
  }

  ingest(events: readonly TraceEvent[]): void {
    this.enqueue(events)
    this.drain(Infinity)
  }

  /**
   * Events taken in, not applied yet: a view that must keep its frames short applies them a
   * slice at a time (`drain`). The agent packs thousands of events in one `batch`, so a batch
   * is expanded when its turn comes and its events are applied in slices too.
   */
  private readonly queue: (readonly TraceEvent[])[] = []
  private queueAt = 0
  /** Events queued and not taken yet (a `batch` line counts one). */
  queued = 0
  private expandedAt = 0
  private pendingExpanded: TraceEvent[] | null = null
  /** The rest of a packed batch being expanded a part at a time (the parts go to pendingExpanded). */
  private pendingSteps: ((out: TraceEvent[], most: number) => boolean) | null = null

  /** Queues events to apply (in order, after any already queued); `drain` applies them. */
  enqueue(events: readonly TraceEvent[]): void {
    if (events.length) this.queue.push(events)
    this.queued += events.length
  }

  /** Events of a batch expanded and not applied yet: at most one part (EXPAND_PART) and a slice's check. */
  get expandedWaiting(): number {
    return this.pendingExpanded === null ? 0 : this.pendingExpanded.length - this.expandedAt
  }

  /** True when every queued event has been applied. */
  get drained(): boolean {
    return this.queue.length === 0 && this.pendingExpanded === null && this.pendingSteps === null
  }

  /**
   * Applies queued events, in order, until none are left or `deadline` (on `clock`'s scale,
   * checked every few hundred events) has passed. Returns whether the queue is now empty.
   */
  drain(deadline: number, clock: () => number = () => performance.now()): boolean {
    const CHECK_EVERY = 256
    for (;;) {
      const pending = this.pendingExpanded
      if (pending !== null) {
        let i = this.expandedAt
        while (i < pending.length) {
          const end = Math.min(pending.length, i + CHECK_EVERY)
          for (; i < end; i++) this.applySafely(pending[i])
          if (i < pending.length && clock() >= deadline) {
            this.expandedAt = i
            return false
          }
        }
        this.pendingExpanded = null
        this.expandedAt = 0
        if (this.pendingSteps !== null) {
          this.expandPart(this.pendingSteps)
          if (clock() >= deadline) return false
          continue
        }
      }
      const events = this.queue[0]
      if (events === undefined) return true
      let j = this.queueAt
      const end = Math.min(events.length, j + CHECK_EVERY)
      const from = j
      while (j < end && this.pendingExpanded === null) this.take(events[j++])
      this.queued -= j - from
      if (j >= events.length) {
        this.queue.shift()
        j = 0
      }
      this.queueAt = j
      if (clock() >= deadline && !this.drained) return false
    }
  }

  /** The next part of the packed batch being expanded, into pendingExpanded. */
  private expandPart(steps: (out: TraceEvent[], most: number) => boolean): void {
    const out: TraceEvent[] = []
    let done: boolean
    try {
      done = steps(out, EXPAND_PART)
    } catch {
      // A malformed batch costs the rest of its own events, never the model.
      done = true
      this.eventCount++
      this.skipped++
    }
    if (done) this.pendingSteps = null
    if (out.length) {
      this.pendingExpanded = out
      this.expandedAt = 0
    }
  }

  /** Applies one event now (after anything queued). */
  ingestOne(e: TraceEvent): void {
    this.ingest([e])
  }

  /** One event: a `batch` is expanded and its events queued ahead of everything else. */
  private take(e: TraceEvent): void {
    if (e === null || typeof e !== 'object' || typeof (e as { type?: unknown }).type !== 'string') {
      this.eventCount++
      this.skipped++
      return
    }
    if ((e as { type: string }).type === 'header') {
      this.eventCount++
      this.header = e as unknown as TraceHeader
      return
    }
    if (e.type === 'batch') {
      // A batch stands for many events (docs/trace-format.md, "Batches"). A packed one is
      // expanded a part at a time between the slices that apply it: expanding a busy loop's
      // batch whole took 50-90 ms.
      const steps = this.expander.steps(e)
      if (steps !== null) {
        this.pendingSteps = steps
        this.expandPart(steps)
        return
      }
      const out: TraceEvent[] = []
      try {
        this.expander.expand(e, out)
      } catch {
        // A malformed batch costs its own events, never the model.
        this.eventCount++
        this.skipped++
        return
      }
      if (out.length) {
        this.pendingExpanded = out
        this.expandedAt = 0
      }
      return
    }
    try {
      this.expander.note(e)
    } catch {
      this.eventCount++
      this.skipped++
      return
    }
    this.applySafely(e)
  }

  /** Input we did not write (a file, a stream) may have fields of the wrong type: skip, count, go on. */
  private applySafely(e: TraceEvent): void {
    try {
      this.apply(e)
    } catch {
      this.skipped++
    }
  }

  private apply(e: TraceEvent): void {
    this.eventCount++
    if (e === null || typeof e !== 'object' || typeof (e as { type?: unknown }).type !== 'string') {
      this.skipped++
      return
    }
    const t = typeof e.t === 'number' && Number.isFinite(e.t) ? e.t : this.now
    if (e.type !== 'output' && e.type !== 'exit' && e.type !== 'notice' && e.type !== 'dropped') {
      if (Number.isNaN(this.origin) || t < this.origin) this.origin = t
      if (t > this.now) this.now = t
    }
    // The hot types first: a switch on strings compares them in order.
    switch (e.type) {
      case 'handle.begin':
        this.handleBegin(e, t)
        break
      case 'handle.end':
        this.handleEnd(e, t)
        break
      case 'loop.start':
        this.loopStart(e, t)
        break
      case 'loop.stop':
        this.loop(e.loop, t).stopT = t
        break
      case 'loop.close':
        this.loop(e.loop, t).closed = true
        break
      case 'callback':
        this.callbacks.set(e.cb, { label: e.label, site: e.site ?? null })
        break
      case 'tick.begin':
        this.tickBegin(e, t)
        break
      case 'tick.end':
        break
      case 'select':
        this.select(e, t)
        break
      case 'handle.schedule': {
        this.rememberHandle(e.handle, e.cb, e.task)
        const loop = this.loop(e.loop, t)
        loop.queues.apply(DeltaOp.Schedule, e.handle, 0)
        loop.deltas.push(DeltaOp.Schedule, e.handle)
        break
      }
      case 'timer.schedule': {
        this.rememberHandle(e.handle, e.cb, e.task)
        const loop = this.loop(e.loop, t)
        loop.queues.apply(DeltaOp.Timer, e.handle, e.when)
        loop.deltas.push(DeltaOp.Timer, e.handle, e.when)
        break
      }
      case 'timer.cancel': {
        const loop = this.loop(e.loop, t)
        loop.queues.apply(DeltaOp.Cancel, e.handle, 0)
        loop.deltas.push(DeltaOp.Cancel, e.handle)
        break
      }
      case 'timer.due': {
        const loop = this.loop(e.loop, t)
        loop.queues.apply(DeltaOp.Due, e.handle, 0)
        loop.deltas.push(DeltaOp.Due, e.handle)
        const task = this.handleTask.get(e.handle)
        const lane =
          task !== undefined && this.tasks.has(task) ? this.tasks.get(task)!.lane : loop.callbacksLane
        this.markers.add(t, lane, MarkerKind.TimerDue, e.handle)
        break
      }
      case 'task.create':
        this.taskCreate(e, t)
        break
      case 'task.state':
        this.taskState(e, t)
        break
      case 'io.watch': {
        const loop = this.loop(e.loop, t)
        const op = e.op === 'add' ? DeltaOp.IoAdd : DeltaOp.IoRemove
        const b = encodeIo(e.dir, e.cb ?? 0)
        loop.queues.apply(op, e.fd, b)
        loop.deltas.push(op, e.fd, b)
        break
      }
      case 'executor.submit':
        this.jobs.set(e.job, { fn: e.fn, task: e.task ?? null })
        break
      case 'executor.done': {
        const job = this.jobs.get(e.job)
        const lane = this.lane('executor', `executor:${e.thread}`, e.thread, null, null, e.thread)
        const start = typeof e.start === 'number' ? e.start : t - e.dur
        const s = this.spans.add(
          start,
          lane,
          SpanKind.Executor,
          this.strings.intern(job?.fn ?? `job ${e.job}`),
          -1,
          -1,
          job?.task ?? -1
        )
        this.spans.close(s, start + e.dur)
        this.lanes[lane].spans.push(s)
        this.jobs.delete(e.job)
        break
      }
      case 'blocked':
        this.blocked(e, t)
        break
      case 'blocked.end': {
        const p = this.blockedProblem.get(e.handle)
        if (p) {
          p.elapsed = e.total
          p.ended = true
          p.message = blockedMessage(p, this)
          this.problemEdits++
        }
        break
      }
      case 'problem':
        this.problem(e, t)
        break
      case 'notice':
        this.pushConsole({ stream: 'notice', data: e.message, t, level: e.level })
        break
      case 'paused':
        this.paused = e
        // Held between two handles, the queues rebuilt from deltas lack what this tick
        // scheduled (its schedules are derived at the next tick's begin): the hold's own
        // snapshot is the truth until then (the tick after a hold is a keyframe).
        if (e.ready || e.timers || e.io) {
          const loop = this.loop(e.loop, t)
          loop.queues = QueueState.fromSnapshot(e.ready ?? [], e.timers ?? [], e.io ?? [])
          this.rememberReady(e.ready, e.readyCb, e.readyTask)
        }
        break
      case 'resumed':
        this.paused = null
        break
      case 'stacks':
        for (const s of e.tasks) {
          const task = this.tasks.get(s.task)
          if (task) task.stack = s.stack
        }
        break
      case 'dropped':
        this.dropped += e.count
        this.pushConsole({
          stream: 'notice',
          data: `the agent dropped ${e.count} events (its buffer was full); the picture has gaps`,
          t,
          level: 'warning'
        })
        break
      case 'output':
        this.pushConsole({ stream: e.stream === 'stderr' ? 'stderr' : 'stdout', data: e.data, t })
        break
      case 'exit':
        this.exit = { code: e.code, signal: e.signal, t: this.now }
        this.paused = null
        this.closeAllOpen(this.now)
        break
      default:
        this.skipped++
    }
  }

  // ---- queries -------------------------------------------------------------------------

  /** Appends to the console, dropping the oldest output (in one splice) past the cap. */
  pushConsole(chunk: ConsoleChunk): void {
    this.console.push(chunk)
    this.consoleChars += chunk.data.length
    if (this.consoleChars <= CONSOLE_CAP_CHARS) return
    const target = CONSOLE_CAP_CHARS * 0.75
    let k = 0
    let chars = this.consoleChars
    while (k < this.console.length - 1 && chars > target) chars -= this.console[k++].data.length
    this.consoleDroppedChars += this.consoleChars - chars
    this.console.splice(0, k)
    this.consoleDropped += k
    this.consoleChars = chars
  }

  callbackLabel(cb: number): string {
    return this.callbacks.get(cb)?.label ?? `callback #${cb}`
  }

  callbackSite(cb: number): string | null {
    return this.callbacks.get(cb)?.site ?? null
  }

  /** The task a handle steps, or null: what handleInfo tells, without building its labels. */
  handleTaskOf(handle: number): number | null {
    return this.handleTask.get(handle) ?? null
  }

  handleInfo(handle: number): HandleInfo {
    const cb = this.handleCb.get(handle) ?? -1
    const task = this.handleTaskOf(handle)
    return {
      handle,
      cb,
      label: cb >= 0 ? this.callbackLabel(cb) : `handle #${handle}`,
      site: cb >= 0 ? this.callbackSite(cb) : null,
      task,
      taskName: task !== null ? (this.tasks.get(task)?.name ?? `task #${task}`) : null
    }
  }

  /** End of a span for drawing: open spans reach "now". */
  spanEnd(i: number): number {
    const end = this.spans.end.data[i]
    return Number.isNaN(end) ? Math.max(this.now, this.spans.start.data[i]) : end
  }

  spanLabel(i: number): string {
    const kind = this.spans.kind.data[i]
    const ref = this.spans.ref.data[i]
    if (kind === SpanKind.Run || kind === SpanKind.Callback) return this.callbackLabel(ref)
    if (kind === SpanKind.Select) return ref > 0 ? `selector wait (${ref} fd ready)` : 'selector wait'
    return this.strings.get(ref)
  }

  laneOfTask(task: number): number | null {
    return this.tasks.get(task)?.lane ?? null
  }

  tickCount(loopId: number): number {
    return this.loops.get(loopId)?.ticksT.length ?? 0
  }

  /** The tick index (into the loop's tick list) in effect at loop time t, or -1. */
  tickIndexAt(loopId: number, t: number): number {
    const loop = this.loops.get(loopId)
    if (!loop) return -1
    return lowerBound(loop.ticksT.data.subarray(0, loop.ticksT.length), t + 1e-12) - 1
  }

  /** The queues as they are now (mid-tick if a tick is running). */
  liveQueues(loopId: number): QueueSnapshot {
    const loop = this.loops.get(loopId)
    return loop ? loop.queues.snapshot() : { ready: [], timers: [], io: [] }
  }

  /** The queues at the start of a past tick (index into the loop's tick list). */
  queuesAtTick(loopId: number, tickIdx: number): QueueSnapshot {
    const loop = this.loops.get(loopId)
    if (!loop || tickIdx < 0 || tickIdx >= loop.ticksT.length) return { ready: [], timers: [], io: [] }
    const kfs = loop.keyframes
    let lo = 0
    let hi = kfs.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (kfs[mid].tickIdx <= tickIdx) lo = mid + 1
      else hi = mid
    }
    const target = loop.ticksDelta.data[tickIdx]
    let state: QueueState
    let from: number
    if (lo === 0) {
      state = new QueueState()
      from = 0
    } else {
      const kf = kfs[lo - 1]
      state = kf.state.clone()
      from = kf.deltaIdx
    }
    loop.deltas.replay(state, from, target)
    return state.snapshot()
  }

  /** A task's state at loop time t, from its lane's spans. */
  taskStateAt(taskId: number, t: number): { state: TaskDisplayState | null; label: string | null } {
    const task = this.tasks.get(taskId)
    if (!task || t < task.createdT) return { state: null, label: null }
    if (task.endT !== null && t >= task.endT) return { state: task.state, label: null }
    const spans = this.lanes[task.lane].spans
    const starts = spans.data
    // Last span whose start <= t.
    let lo = 0
    let hi = spans.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.spans.start.data[starts[mid]] <= t) lo = mid + 1
      else hi = mid
    }
    if (lo === 0) return { state: 'created', label: null }
    const s = starts[lo - 1]
    if (t > this.spanEnd(s)) return { state: task.state, label: null }
    const kind = this.spans.kind.data[s]
    if (kind === SpanKind.Run) return { state: 'running', label: null }
    if (this.spans.flags.data[s] & SpanFlag.Scheduled) return { state: 'created', label: this.spanLabel(s) }
    return { state: 'waiting', label: this.spanLabel(s) }
  }

  /** A task's state history, oldest first: its newest `most` entries (all by default). */
  taskHistory(taskId: number, most = Infinity): TaskHistoryEntry[] {
    const task = this.tasks.get(taskId)
    if (!task) return []
    const h = this.history
    const out: TaskHistoryEntry[] = []
    for (let i = task.historyHead; i >= 0 && out.length < most; i = h.prev.data[i]) {
      const l = h.label.data[i]
      const state = HISTORY_STATES[h.state.data[i]]
      const t = h.t.data[i]
      const tick = h.tick.data[i]
      out.push(l < 0 ? { t, tick, state } : { t, tick, state, label: this.strings.get(l) })
    }
    return out.reverse()
  }

  /** Approximate bytes held by columns (typed arrays only). */
  get columnBytes(): number {
    let bytes = this.spans.bytes + this.markers.bytes + this.history.bytes
    for (const lane of this.lanes) bytes += lane.spans.bytes
    for (const loop of this.loops.values()) {
      bytes += loop.ticksT.bytes + loop.ticksNo.bytes + loop.ticksDelta.bytes
      bytes += loop.deltas.op.bytes + loop.deltas.a.bytes + loop.deltas.b.bytes
    }
    return bytes
  }

  // ---- reducers ------------------------------------------------------------------------

  private loop(id: number, t: number): LoopInfo {
    let loop = this.loops.get(id)
    if (!loop) {
      loop = this.newLoop(id, 0, 'MainThread', 'unknown', true, t)
    }
    loop.lastEventT = t
    return loop
  }

  private newLoop(
    id: number,
    thread: number,
    threadName: string,
    cls: string,
    instrumented: boolean,
    t: number
  ): LoopInfo {
    const multi = this.loops.size > 0
    const suffix = multi ? ` · loop ${id}` : ''
    const selectLane = this.lane('select', `select:${id}`, `selector wait${suffix}`, id, null, null)
    const callbacksLane = this.lane('callbacks', `callbacks:${id}`, `callbacks${suffix}`, id, null, null)
    const loop: LoopInfo = {
      id,
      thread,
      threadName,
      cls,
      instrumented,
      startT: t,
      stopT: null,
      closed: false,
      tick: -1,
      ticksT: new F64Column(256),
      ticksNo: new I32Column(256),
      ticksDelta: new I32Column(256),
      queues: new QueueState(),
      deltas: new DeltaLog(),
      keyframes: [],
      selectLane,
      callbacksLane,
      current: null,
      lastEventT: t
    }
    this.loops.set(id, loop)
    if (multi) {
      // The first loop's lanes were labelled before we knew there would be several.
      const first = this.loops.values().next().value as LoopInfo
      this.lanes[first.selectLane].label = `selector wait · loop ${first.id}`
      this.lanes[first.callbacksLane].label = `callbacks · loop ${first.id}`
      this.laneVersion++
    }
    this.structureVersion++
    return loop
  }

  private lane(
    kind: LaneKind,
    key: string,
    label: string,
    loop: number | null,
    task: number | null,
    thread: string | null
  ): number {
    const existing = this.laneByKey.get(key)
    if (existing !== undefined) return existing
    const index = this.lanes.length
    this.lanes.push({
      index,
      kind,
      key,
      label,
      loop,
      task,
      thread,
      seq: this.laneSeq++,
      spans: new I32Column(64)
    })
    this.laneByKey.set(key, index)
    this.structureVersion++
    this.laneVersion++
    return index
  }

  private loopStart(e: EventOf<'loop.start'>, t: number): void {
    const loop = this.loops.get(e.loop)
    if (loop) {
      loop.thread = e.thread
      loop.threadName = e.threadName
      loop.cls = e.cls
      loop.instrumented = e.instrumented !== false
      loop.stopT = null
      return
    }
    this.newLoop(e.loop, e.thread, e.threadName, e.cls, e.instrumented !== false, t)
    if (e.instrumented === false) {
      this.pushConsole({
        stream: 'notice',
        data: `loop ${e.loop} (${e.cls}) is not instrumented; its tasks cannot be drawn`,
        t,
        level: 'warning'
      })
    }
  }

  private tickBegin(e: EventOf<'tick.begin'>, t: number): void {
    const loop = this.loop(e.loop, t)
    loop.tick = e.tick
    this.activeLoop = e.loop
    const tickIdx = loop.ticksT.length
    if (e.ready || e.timers || e.io) {
      loop.queues = QueueState.fromSnapshot(e.ready ?? [], e.timers ?? [], e.io ?? [])
      this.rememberReady(e.ready, e.readyCb, e.readyTask)
      loop.keyframes.push({ tickIdx, deltaIdx: loop.deltas.length, state: loop.queues.clone() })
    } else if (tickIdx % KEYFRAME_EVERY === 0 && tickIdx > 0) {
      loop.keyframes.push({ tickIdx, deltaIdx: loop.deltas.length, state: loop.queues.clone() })
    }
    loop.ticksT.push(t)
    loop.ticksNo.push(e.tick)
    loop.ticksDelta.push(loop.deltas.length)
  }

  private select(e: EventOf<'select'>, t: number): void {
    const loop = this.loop(e.loop, t)
    const waited = Math.max(0, e.waited || 0)
    // The event is written when the selector returns: the wait covers [t - waited, t].
    const s = this.spans.add(t - waited, loop.selectLane, SpanKind.Select, e.fds?.length ?? 0, -1, loop.tick)
    this.spans.close(s, t)
    this.lanes[loop.selectLane].spans.push(s)
    if (t - waited < this.origin) this.origin = t - waited
    for (const fd of e.fds ?? []) this.markers.add(t, loop.selectLane, MarkerKind.IoReady, fd)
  }

  /** What a snapshot says of its ready handles (callback and task), where it says it. */
  private rememberReady(ready?: number[], cbs?: number[], tasks?: number[]): void {
    if (!Array.isArray(ready) || !Array.isArray(cbs)) return
    for (let i = 0; i < ready.length; i++) {
      if (typeof cbs[i] !== 'number') continue
      const task = Array.isArray(tasks) ? tasks[i] : 0
      this.rememberHandle(ready[i], cbs[i], typeof task === 'number' && task > 0 ? task : null)
    }
  }

  private rememberHandle(handle: number, cb: number, task: number | null | undefined): void {
    this.handleCb.set(handle, cb)
    if (task !== undefined && task !== null) this.handleTask.set(handle, task)
  }

  private handleBegin(e: EventOf<'handle.begin'>, t: number): void {
    const loop = this.loop(e.loop, t)
    this.rememberHandle(e.handle, e.cb, e.task)
    loop.queues.apply(DeltaOp.Begin, e.handle, 0)
    loop.deltas.push(DeltaOp.Begin, e.handle)
    if (loop.current) this.closeCurrent(loop, t)
    const tick = typeof e.tick === 'number' ? e.tick : loop.tick
    const taskId = e.task ?? null
    const task = taskId !== null ? this.tasks.get(taskId) : undefined
    let span: number
    if (task) {
      this.closeTaskSpan(task.id, t)
      span = this.spans.add(t, task.lane, SpanKind.Run, e.cb, e.handle, tick, task.id, SpanFlag.Open)
      this.lanes[task.lane].spans.push(span)
      task.steps++
      if (task.state !== 'running') this.pushHistory(task, t, tick, 'running')
      // A step reported after the task's end (out-of-order input) makes it live again.
      if (TERMINAL.has(task.state)) this.liveTaskCount++
      task.state = 'running'
      task.awaiting = null
    } else {
      span = this.spans.add(
        t,
        loop.callbacksLane,
        SpanKind.Callback,
        e.cb,
        e.handle,
        tick,
        taskId ?? -1,
        SpanFlag.Open
      )
      this.lanes[loop.callbacksLane].spans.push(span)
    }
    loop.current = { span, handle: e.handle, task: task ? task.id : null }
    // The agent's watchdog thread can report a block before the blocking handle's begin
    // reaches the stream. (Looked up only when there are blocks: a recording's run ids are
    // numbers past 2^40, which a Map hashes far slower than small integers.)
    const bp = this.blockedProblem.size > 0 ? this.blockedProblem.get(e.handle) : undefined
    if (bp && bp.span === null) {
      // The problem is the run's from now on: it began when the run did, in the run's tick
      // (as for a block reported after the run's begin).
      bp.span = span
      bp.t = this.spans.start.data[span]
      bp.tick = tick
      this.spans.flags.data[span] |= SpanFlag.Blocked
      this.problemEdits++
    }
  }

  private handleEnd(e: EventOf<'handle.end'>, t: number): void {
    const loop = this.loop(e.loop, t)
    const cur = loop.current
    if (!cur || cur.handle !== e.handle) return
    const start = this.spans.start.data[cur.span]
    // The agent's own measurement is more precise than the difference of two event times.
    const end = typeof e.dur === 'number' && e.dur >= 0 ? start + e.dur : t
    this.closeCurrent(loop, end)
  }

  private closeCurrent(loop: LoopInfo, end: number): void {
    const cur = loop.current
    if (!cur) return
    loop.current = null
    this.spans.close(cur.span, end)
    this.spans.flags.data[cur.span] &= ~SpanFlag.Open
    if (cur.task === null) return
    const task = this.tasks.get(cur.task)
    if (!task) return
    task.runTime += this.spans.end.data[cur.span] - this.spans.start.data[cur.span]
    if (TERMINAL.has(task.state)) return
    // Between steps a task waits; the label says on what, once the agent tells us.
    const awaiting = this.pendingAwait.get(task.id) ?? task.awaiting
    this.pendingAwait.delete(task.id)
    const label = awaiting ? awaiting.label : 'suspended'
    const w = this.spans.add(
      end,
      task.lane,
      SpanKind.Wait,
      this.strings.intern(label),
      -1,
      loop.tick,
      task.id,
      SpanFlag.Open
    )
    this.lanes[task.lane].spans.push(w)
    this.taskOpenSpan.set(task.id, w)
    if (awaiting) this.noteAwaited(w, awaiting)
    if (task.state === 'running') {
      task.state = 'waiting'
      task.awaiting = awaiting ?? null
      this.pushHistory(task, end, loop.tick, 'waiting', label)
    }
  }

  private noteAwaited(span: number, awaiting: Awaiting): void {
    if ((awaiting.kind === 'task' || awaiting.kind === 'gather') && awaiting.ref != null) {
      const refs = (Array.isArray(awaiting.ref) ? awaiting.ref : [awaiting.ref]).filter((r) =>
        this.tasks.has(r)
      )
      if (refs.length) this.awaitedBy.set(span, refs)
    }
  }

  private closeTaskSpan(taskId: number, t: number): void {
    const open = this.taskOpenSpan.get(taskId)
    if (open === undefined) return
    this.spans.close(open, t)
    this.spans.flags.data[open] &= ~SpanFlag.Open
    this.taskOpenSpan.delete(taskId)
  }

  private taskCreate(e: EventOf<'task.create'>, t: number): void {
    if (this.tasks.has(e.task)) return
    const loop = this.loop(e.loop, t)
    const lane = this.lane('task', `task:${e.task}`, e.name, e.loop, e.task, null)
    const task: TaskInfo = {
      id: e.task,
      loop: e.loop,
      name: e.name,
      coro: e.coro,
      parent: e.parent ?? null,
      site: e.site ?? null,
      createdT: t,
      createdTick: loop.tick,
      seq: this.taskSeq++,
      lane,
      state: 'created',
      awaiting: null,
      steps: 0,
      runTime: 0,
      historyHead: -1,
      historyLength: 0,
      stack: null,
      endT: null
    }
    this.pushHistory(task, t, loop.tick, 'created')
    this.tasks.set(e.task, task)
    this.liveTaskCount++
    this.markers.add(t, lane, MarkerKind.Created, e.task)
    const w = this.spans.add(
      t,
      lane,
      SpanKind.Wait,
      this.strings.intern('scheduled'),
      -1,
      loop.tick,
      e.task,
      SpanFlag.Open | SpanFlag.Scheduled
    )
    this.lanes[lane].spans.push(w)
    this.taskOpenSpan.set(e.task, w)
  }

  private taskState(e: EventOf<'task.state'>, t: number): void {
    const task = this.tasks.get(e.task)
    if (!task) return
    if (e.stack) task.stack = e.stack
    const tick = this.loops.get(task.loop)?.tick ?? -1
    const state: TaskStateName = e.state
    if (state === 'running') return
    if (state === 'waiting') {
      if (TERMINAL.has(task.state)) return
      const awaiting = e.awaiting ?? { kind: 'unknown', label: 'suspended' }
      const open = this.taskOpenSpan.get(task.id)
      const running = this.loops.get(task.loop)?.current?.task === task.id
      if (running || open === undefined) {
        // Reported from inside the step: the wait starts when the step ends.
        this.pendingAwait.set(task.id, awaiting)
        if (!running) {
          task.state = 'waiting'
          task.awaiting = awaiting
        }
      } else {
        this.spans.ref.data[open] = this.strings.intern(awaiting.label)
        this.noteAwaited(open, awaiting)
        this.spans.flags.data[open] &= ~SpanFlag.Scheduled
        task.awaiting = awaiting
        task.state = 'waiting'
        const h = this.history
        const last = task.historyHead
        if (last >= 0 && h.state.data[last] === WAITING && h.t.data[last] === this.spans.start.data[open])
          h.label.data[last] = this.strings.intern(awaiting.label)
        else this.pushHistory(task, t, tick, 'waiting', awaiting.label)
      }
      return
    }
    // done | failed | cancelled
    if (TERMINAL.has(task.state)) return
    task.state = state
    task.awaiting = null
    task.endT = t
    this.liveTaskCount--
    if (e.result !== undefined) task.result = e.result
    if (e.exc) task.exc = e.exc
    if (e.cancelMsg !== undefined) task.cancelMsg = e.cancelMsg
    if (e.cancelledBy !== undefined) task.cancelledBy = e.cancelledBy
    this.pendingAwait.delete(task.id)
    const open = this.taskOpenSpan.get(task.id)
    const laneSpans = this.lanes[task.lane].spans
    if (
      open !== undefined &&
      open === this.spans.length - 1 &&
      laneSpans.last() === open &&
      // Times are microseconds apart at best; a step end computed from `dur` may differ in float.
      this.spans.start.data[open] >= t - 1e-6 &&
      this.spans.kind.data[open] === SpanKind.Wait
    ) {
      // The step that just ended was the last: the wait opened at its end never happened.
      this.spans.pop()
      laneSpans.length--
      this.taskOpenSpan.delete(task.id)
      const h = this.history
      const last = task.historyHead
      if (last >= 0 && h.state.data[last] === WAITING && h.t.data[last] >= t - 1e-6) {
        // Left in the log, no longer the task's.
        task.historyHead = h.prev.data[last]
        task.historyLength--
      }
    }
    this.closeTaskSpan(task.id, t)
    this.pushHistory(task, t, tick, state, e.exc ? `${e.exc.type}: ${e.exc.message}` : undefined)
    const kind =
      state === 'done' ? MarkerKind.Done : state === 'failed' ? MarkerKind.Failed : MarkerKind.Cancelled
    this.markers.add(t, task.lane, kind, task.id)
    if (state === 'failed') {
      const failed = this.addProblem({
        kind: 'task-failed',
        message: `task ${task.name} failed: ${e.exc ? `${e.exc.type}: ${e.exc.message}` : 'exception'}`,
        t,
        loop: task.loop,
        task: task.id,
        handle: null,
        stack: null,
        tick,
        span: null
      })
      this.failedProblem.set(task.id, failed)
    }
    this.structureVersion++
  }

  private blocked(e: EventOf<'blocked'>, t: number): void {
    const loop = this.loop(e.loop, t)
    const span = loop.current && loop.current.handle === e.handle ? loop.current.span : null
    if (span !== null) this.spans.flags.data[span] |= SpanFlag.Blocked
    let p = this.blockedProblem.get(e.handle)
    // The run may have been reported slow as it ended while the watchdog was writing its
    // report (the agent's two reports race): one problem, the block with its stack. A plain
    // callback's late report names the run by an id of its own, so a slow run that began when
    // the blocked one did (the report's time less its elapsed) is that run too: one loop runs
    // one thing at a time.
    const task = e.task ?? null
    const began = t - e.elapsed
    const sameRun = (q: Problem): boolean => {
      if (q.kind !== 'slow-callback' || q.loop !== e.loop) return false
      if (Math.abs(q.t - began) <= SAME_START_SLACK) return true
      const same = q.handle === e.handle || (task !== null && q.task === task)
      return same && q.t <= t && q.t >= began - SAME_RUN_SLACK
    }
    const slow = p ? undefined : this.recentProblem(sameRun)
    if (slow) {
      p = slow
      p.kind = 'blocked'
      p.handle = e.handle
      p.stack = e.stack
      if (p.span === null) p.span = span
      this.blockedProblem.set(e.handle, p)
      this.problemEdits++
    } else if (!p) {
      p = this.addProblem({
        kind: 'blocked',
        message: '',
        t: span !== null ? this.spans.start.data[span] : t,
        loop: e.loop,
        task: e.task ?? null,
        handle: e.handle,
        stack: e.stack,
        elapsed: e.elapsed,
        ended: false,
        tick: loop.tick,
        span
      })
      this.blockedProblem.set(e.handle, p)
    } else this.problemEdits++
    // A slow run's elapsed time is its whole run's; a report's, only how long it had been so far.
    if (!(p.ended && (p.elapsed ?? 0) >= e.elapsed)) p.elapsed = e.elapsed
    if (e.stack && e.stack.length) p.stack = e.stack
    p.message = blockedMessage(p, this)
  }

  private problem(e: EventOf<'problem'>, t: number): void {
    const task = e.task ?? null
    if (e.kind === 'blocked' || e.kind === 'slow-callback') {
      // The agent reports a block both as `blocked` (live, with updates) and as a problem; a
      // run the watchdog reported is not a slow callback besides.
      const elapsed = typeof e.elapsed === 'number' ? e.elapsed : 0
      const mine =
        e.handle != null && this.blockedProblem.has(e.handle)
          ? this.blockedProblem.get(e.handle)
          : e.kind === 'slow-callback'
            ? this.recentProblem(
                (q) =>
                  q.kind === 'blocked' &&
                  q.loop === (e.loop ?? null) &&
                  task !== null &&
                  q.task === task &&
                  q.t >= t - SAME_RUN_SLACK &&
                  q.t <= t + elapsed + SAME_RUN_SLACK
              )
            : undefined
      if (mine) {
        if (!mine.stack && e.stack) mine.stack = e.stack
        if (e.kind === 'slow-callback' && typeof e.elapsed === 'number' && mine.ended !== true) {
          mine.elapsed = e.elapsed
          mine.ended = true
          mine.message = blockedMessage(mine, this)
        }
        this.problemEdits++
        return
      }
    }
    if (e.kind === 'task-failed' && task !== null) {
      const mine = this.failedProblem.get(task)
      if (mine) {
        mine.message = e.message
        if (e.stack) mine.stack = e.stack
        this.problemEdits++
        return
      }
    }
    const loopId = e.loop ?? null
    // A run that ended before the watchdog saw it (`slow-callback`) is written just after
    // it, at its start: its span, among the last of its lane, is marked as a blocked one is.
    const span = e.kind === 'slow-callback' && loopId !== null ? this.spanStartingAt(loopId, task, t) : null
    if (span !== null) this.spans.flags.data[span] |= SpanFlag.Blocked
    const added = this.addProblem({
      kind: e.kind,
      message: e.message,
      t,
      loop: loopId,
      task,
      handle: e.handle ?? null,
      stack: e.stack ?? null,
      ...(typeof e.elapsed === 'number' ? { elapsed: e.elapsed, ended: true } : {}),
      tick: loopId !== null ? (this.loops.get(loopId)?.tick ?? null) : null,
      span
    })
    if (e.kind === 'blocked' && e.handle != null) this.blockedProblem.set(e.handle, added)
    else if (e.kind === 'task-failed' && task !== null) this.failedProblem.set(task, added)
  }

  /**
   * The run that began at `t`, among the last few of the lane it is drawn in: `task`'s lane
   * (handleBegin puts any run that names a task there), else the loop's callbacks lane.
   */
  private spanStartingAt(loopId: number, task: number | null, t: number): number | null {
    const lanes = [
      task !== null ? this.laneOfTask(task) : null,
      this.loops.get(loopId)?.callbacksLane ?? null
    ]
    for (const lane of lanes) {
      if (lane === null) continue
      const spans = this.lanes[lane].spans
      for (let i = spans.length - 1; i >= Math.max(0, spans.length - 8); i--) {
        const s = spans.get(i)
        if (Math.abs(this.spans.start.data[s] - t) < 1e-6) return s
      }
    }
    return null
  }

  /** The newest of the last few problems that `match`es (the same run reported twice is close). */
  private recentProblem(match: (p: Problem) => boolean): Problem | undefined {
    const list = this.problems
    for (let i = list.length - 1; i >= Math.max(0, list.length - 8); i--) if (match(list[i])) return list[i]
    return undefined
  }

  private addProblem(p: Omit<Problem, 'id'>): Problem {
    const problem: Problem = { id: this.problems.length + 1, ...p }
    this.problems.push(problem)
    const lane = problem.task !== null ? this.laneOfTask(problem.task) : null
    const loop = problem.loop !== null ? this.loops.get(problem.loop) : undefined
    const markerLane = lane ?? loop?.callbacksLane ?? null
    if (markerLane !== null) this.markers.add(problem.t, markerLane, MarkerKind.Problem, problem.id)
    this.structureVersion++
    return problem
  }

  private pushHistory(
    task: TaskInfo,
    t: number,
    tick: number,
    state: TaskDisplayState,
    label?: string
  ): void {
    const l = label === undefined ? -1 : this.strings.intern(label)
    task.historyHead = this.history.add(
      task.historyHead,
      t,
      tick,
      HISTORY_STATE_INDEX.get(state) as number,
      l
    )
    task.historyLength++
  }

  private closeAllOpen(t: number): void {
    for (const loop of this.loops.values()) if (loop.current) this.closeCurrent(loop, t)
    for (const [id] of this.taskOpenSpan) this.closeTaskSpan(id, t)
  }
}

/**
 * Seconds two reports of one run may differ by where they place its start: a watchdog's
 * `elapsed` is measured from a clock read a little after the run's start.
 */
const SAME_RUN_SLACK = 0.05
/**
 * Seconds apart two reports of one loop may place a run's start and still be of one run:
 * both take it from the same clock reading, and no other run starts within a slow run.
 */
const SAME_START_SLACK = 0.002

function blockedMessage(p: Problem, model: TraceModel): string {
  const where = p.stack && p.stack.length ? ` in ${shortSite(frameSite(p.stack[p.stack.length - 1]))}` : ''
  const taskName = p.task !== null ? model.tasks.get(p.task)?.name : undefined
  const who =
    taskName !== undefined
      ? `task ${taskName}`
      : p.handle !== null
        ? model.handleInfo(p.handle).label
        : 'a callback'
  const secs = (p.elapsed ?? 0).toFixed(2)
  return p.ended
    ? `loop blocked for ${secs} s by ${who}${where}`
    : `loop blocked for ${secs} s so far by ${who}${where}`
}

export function frameSite(f: Frame): string {
  return `${f.file}:${f.line}`
}
