// The trace of the current session (live or opened from a file). The model and its bulk
// data stay outside Vue's reactivity; views watch `version` ("data up to event N") and
// read the model directly.

import { defineStore } from 'pinia'
import { computed, markRaw, nextTick, ref, shallowRef } from 'vue'
import type { TraceBatch } from '@shared/api'
import type { TraceHeader } from '@shared/trace-types'
import { TraceModel } from '@shared/trace-model/trace-model'
import type { QueueSnapshot } from '@shared/trace-model/queue-state'
import type { TaskDisplayState } from '@shared/trace-model/model-types'
import { ProblemGrouper, type ProblemGroup } from '@shared/trace-model/problem-groups'
import { FrameCall } from '../frame-call'

export type Selection =
  { kind: 'task'; task: number } | { kind: 'span'; span: number } | { kind: 'problem'; problem: number }

export interface TaskRow {
  id: number
  name: string
  state: TaskDisplayState
  awaiting: string
  steps: number
  runTime: number
  site: string
  parent: string
  parentId: number | null
  seq: number
}

/** A stream quiet for this long (ms) has its next batch shown at once rather than at the next frame. */
const QUIET_MS = 30
/**
 * Events in one publish above which the stream is a flood, and how often (ms) one is published
 * then. At 50 ms the renderer bench's live runs dropped more frames (median 7.5 % synthetic,
 * 6.4 % agent format, over eight runs each) than at 100 ms (6.2 %, 3.5 %), and took fewer
 * synthetic events (median 150k against 162k ev/s).
 */
const FLOOD_EVENTS = 1000
const FLOOD_PUBLISH_MS = 100
/** While a saved trace is read in (nothing live to follow), how often (ms) the views catch up. */
const LOADING_PUBLISH_MS = 500
/**
 * Queued events are applied in slices of at most this long (ms), a task each, so that a big
 * batch (a replayed trace sends 50,000 events at once) never holds up a frame for long. Short
 * enough that a slice, a swimlane redraw (~8 ms in a flood) and the frame's own work fit in
 * one frame: with 6 ms slices one redraw in two dropped a frame.
 */
const INGEST_SLICE_MS = 3
/** A batch of more events than this is never applied in the task that brought it. */
const BIG_BATCH = 1000
/**
 * How often (at most) the tables follow the trace during a flood of events. Their cost as
 * measured (Vue's render) leaves out the style, layout and paint that follow, which cost more:
 * at 100 ms the synthetic live stream's intake fell by a sixth.
 */
const TABLE_INTERVAL_MS = 250
/** In a flood, the share of the time the tables may take to follow it (their update cost sets the gap). */
const TABLE_SHARE = 0.2
/** Events between two table updates above which the stream counts as a flood. */
const TABLE_FLOOD_EVENTS = 200

export const useTraceStore = defineStore('trace', () => {
  const model = shallowRef(markRaw(new TraceModel()))
  /**
   * Events ingested so far in this session (plus Loopscope's own notices): the views have data
   * up to here. Bumped once per animation frame however many batches arrived in it.
   */
  const version = ref(0)
  /**
   * `version` for the tables (tasks, ready queue, timers, I/O): it follows every publish while
   * events trickle in, and at most TABLE_INTERVAL_MS apart in a flood, when rebuilding and
   * laying out hundreds of rows each frame would cost more than the events themselves.
   */
  const tableVersion = ref(0)
  const structureVersion = ref(0)
  const sessionId = ref<number | null>(null)
  const header = shallowRef<TraceHeader | null>(null)
  const selection = shallowRef<Selection | null>(null)
  /** Tick index (into the followed loop's ticks) being inspected, or null for "now". */
  const cursorTick = ref<number | null>(null)
  /** The swimlanes' visible window (loop time), or null when it shows the whole trace. */
  const viewWindow = shallowRef<[number, number] | null>(null)
  /** Gaps between batches (events that never arrived). */
  const gaps = ref(0)
  /** Of a saved trace the host replays as batches: how far into its file the last batch was. */
  const fileProgress = shallowRef<{ read: number; total: number | null } | null>(null)
  /**
   * A trace file read in the page (dropped on a browser window, which never learns its path):
   * the host has no recording of it, so "Export trace" reads it again from here. Raw events
   * are never kept: a live session's trace is exported from the host's own recording.
   */
  const localSource = shallowRef<Blob | null>(null)
  /** The loop the views follow, chosen in the loop picker; null follows the newest tick's loop. */
  const selectedLoop = ref<number | null>(null)
  /** Tasks whose child lanes are folded under them in the swimlanes. */
  const collapsed = shallowRef<ReadonlySet<number>>(new Set())
  let received = 0

  function reset(session: number | null): void {
    model.value = markRaw(new TraceModel())
    localSource.value = null
    selectedLoop.value = null
    collapsed.value = new Set()
    received = 0
    sessionId.value = session
    header.value = null
    selection.value = null
    viewWindow.value = null
    cursorTick.value = null
    gaps.value = 0
    fileProgress.value = null
    notices = 0
    draining = false
    loading = false
    wakeDrainWaiters(true)
    publishCall.cancel()
    if (tableTimer) clearTimeout(tableTimer)
    tableTimer = null
    flooding = false
    tableAt = -Infinity
    tableSeen = 0
    tableCost = 0
    version.value = 0
    tableVersion.value = 0
    structureVersion.value = 0
  }

  /**
   * Tells the views "data up to here" at most once per animation frame: a live session sends
   * many batches a frame, and each reactive change re-renders every view that reads the trace,
   * which would cost far more than ingesting the events. Without frames (Node), at once.
   */
  const publishCall = new FrameCall(() => publish())
  let notices = 0
  function publish(): void {
    const now = performance.now()
    // In a flood every view would change every frame; ten times a second is plenty (each
    // publish repaints and commits the page: ~7 ms here), and the frames between go to
    // taking in events.
    const gap = loading ? LOADING_PUBLISH_MS : flooding ? FLOOD_PUBLISH_MS : 0
    const wait = gap - 8 - (now - lastPublishAt)
    if (gap && wait > 0 && typeof requestAnimationFrame === 'function') {
      publishCall.request(wait)
      return
    }
    lastPublishAt = now
    flooding = applied() - version.value > FLOOD_EVENTS
    version.value = applied()
    structureVersion.value = model.value.structureVersion
    publishTables()
  }

  let tableTimer: ReturnType<typeof setTimeout> | null = null
  let tableAt = -Infinity
  let tableSeen = 0
  /** What the tables' last update cost (ms), measured to the end of Vue's render flush. */
  let tableCost = 0
  function publishTables(): void {
    if (tableTimer) return
    const now = performance.now()
    const wait = Math.max(TABLE_INTERVAL_MS, tableCost / TABLE_SHARE) - (now - tableAt)
    const flood = version.value - tableSeen > TABLE_FLOOD_EVENTS
    if (wait <= 0 || !flood || typeof requestAnimationFrame !== 'function') {
      updateTables(now)
      return
    }
    tableTimer = setTimeout(() => {
      tableTimer = null
      updateTables(performance.now())
    }, wait)
  }
  function updateTables(now: number): void {
    tableAt = now
    tableSeen = version.value
    tableVersion.value = version.value
    void nextTick(() => {
      tableCost = performance.now() - now
    })
  }
  function schedulePublish(): void {
    if (typeof requestAnimationFrame !== 'function') {
      publish()
      return
    }
    if (publishCall.pending) return
    publishCall.request()
    // After a quiet spell the first batch is shown at once, at the end of the task that
    // brought it, instead of up to a frame later; the frame requested above takes whatever
    // follows it. A flood keeps a frame pending, so it is still published once per frame.
    const now = performance.now()
    if (now - lastPublishAt >= QUIET_MS) {
      lastPublishAt = now
      queueMicrotask(publishNow)
    }
  }
  let lastPublishAt = -Infinity
  let flooding = false
  /**
   * True while a saved trace is being read in: the views then show its progress a few times a
   * second instead of following every slice, and the time goes to reading it.
   */
  let loading = false
  function setLoading(on: boolean): void {
    loading = on
    if (on) return
    // The whole trace is in: shown at the next frame, not when the loading gap is over.
    if (publishCall.waiting) publishCall.cancel()
    schedulePublish()
  }
  function publishNow(): void {
    version.value = applied()
    structureVersion.value = model.value.structureVersion
    publishTables()
  }

  /**
   * Takes over `m`, a model of session `session`'s whole trace built elsewhere (the reader
   * worker), in place of the one events were applied to; Loopscope's own notices written into
   * that one meanwhile are kept.
   */
  function adopt(session: number, m: TraceModel): void {
    if (sessionId.value !== session) return
    for (const c of model.value.console) if (c.stream === 'notice') m.pushConsole(c)
    model.value = markRaw(m)
    header.value = m.header
    schedulePublish()
  }

  function ingestBatch(batch: TraceBatch): void {
    if (sessionId.value !== null && batch.session < sessionId.value) return
    if (batch.session !== sessionId.value) reset(batch.session)
    const m = model.value
    if (batch.header) {
      m.setHeader(batch.header)
      header.value = batch.header
    }
    let events = batch.events
    if (batch.from < received) {
      // Re-sent after a reconnect: keep only what is new.
      events = events.slice(received - batch.from)
    } else if (batch.from > received) {
      gaps.value += batch.from - received
      m.pushConsole({
        stream: 'notice',
        data: `${batch.from - received} events were lost in transit`,
        t: m.now,
        level: 'warning'
      })
    }
    if (batch.progress) fileProgress.value = batch.progress
    if (events.length === 0) return
    m.enqueue(events)
    received = batch.from + batch.events.length
    if (draining) return
    // A trickle is applied at once, so it is shown at the end of the task that brought it. In
    // a flood, or for a big batch, slices are tasks of their own: the task that brought the
    // batch has parsed it, and a slice on top would make one long task no frame gets past.
    if (flooding || events.length > BIG_BATCH) nextDrain()
    else drainSlice()
  }

  /** Readers waiting for the queue to shrink: each with the most it may still hold. */
  const drainWaiters: { most: number; resolve: () => void }[] = []
  /**
   * Resolves once every event taken in so far has been applied (at once if none wait), or
   * when the session is replaced.
   */
  function whenDrained(): Promise<void> {
    return whenQueuedAtMost(-1)
  }
  /**
   * Resolves once at most `most` events wait to be applied (-1: none, and no batch being
   * expanded), or when the session is replaced. A reader paces itself by it, reading on while
   * the model still has work, so the page never waits idle for the next piece of the file.
   */
  function whenQueuedAtMost(most: number): Promise<void> {
    if (queuedAtMost(most)) return Promise.resolve()
    return new Promise((resolve) => drainWaiters.push({ most, resolve }))
  }
  const queuedAtMost = (most: number): boolean =>
    most < 0 ? model.value.drained : model.value.queued <= most || model.value.drained
  function wakeDrainWaiters(all: boolean): void {
    for (let i = 0; i < drainWaiters.length;) {
      const w = drainWaiters[i]
      if (all || queuedAtMost(w.most)) {
        drainWaiters.splice(i, 1)
        w.resolve()
      } else i++
    }
  }

  /** Events applied to the model so far (a `batch` counts what it holds), plus our notices. */
  const applied = (): number => model.value.eventCount + notices
  /** True while a slice of queued events is scheduled (see INGEST_SLICE_MS). */
  let draining = false
  /** The next slice runs as a task of its own, right after whatever the page has to do first. */
  let nextSlice: MessageChannel | null = null
  function drainSlice(): void {
    draining = false
    const m = model.value
    if (!m.drain(slicing() ? performance.now() + INGEST_SLICE_MS : Infinity)) nextDrain()
    if (drainWaiters.length) wakeDrainWaiters(false)
    schedulePublish()
  }
  /** Without frames (Node) there is nothing to keep responsive: events are applied all at once. */
  const slicing = (): boolean =>
    typeof requestAnimationFrame === 'function' && typeof MessageChannel === 'function'
  /** Schedules the next slice (at once where there are no frames to keep: Node). */
  function nextDrain(): void {
    if (!slicing()) {
      drainSlice()
      return
    }
    if (!nextSlice) {
      nextSlice = new MessageChannel()
      nextSlice.port1.onmessage = () => drainSlice()
    }
    draining = true
    nextSlice.port2.postMessage(null)
  }

  /** A line of Loopscope's own in the console (not from the program). */
  function notice(message: string, level: 'info' | 'warning' | 'error' = 'info'): void {
    model.value.pushConsole({ stream: 'notice', data: message, t: model.value.now, level })
    notices++
    schedulePublish()
  }

  /** Whether one of the last few console lines is this notice already. */
  function hasRecentNotice(message: string): boolean {
    const c = model.value.console
    for (let i = c.length - 1; i >= Math.max(0, c.length - 8); i--)
      if (c[i].stream === 'notice' && c[i].data === message) return true
    return false
  }

  function select(s: Selection | null): void {
    selection.value = s
  }

  const followedLoop = computed<number | null>(() => {
    void version.value
    const m = model.value
    if (selectedLoop.value !== null && m.loops.has(selectedLoop.value)) return selectedLoop.value
    if (m.activeLoop !== null) return m.activeLoop
    const first = m.loops.keys().next()
    return first.done ? null : first.value
  })

  const tickCount = computed(() => {
    void version.value
    return followedLoop.value === null ? 0 : model.value.tickCount(followedLoop.value)
  })

  /** Loop time of the inspected tick's start, or null when showing now. */
  const cursorT = computed<number | null>(() => {
    void version.value
    if (cursorTick.value === null || followedLoop.value === null) return null
    const loop = model.value.loops.get(followedLoop.value)
    if (!loop || cursorTick.value >= loop.ticksT.length) return null
    return loop.ticksT.data[cursorTick.value]
  })

  const cursorTickNumber = computed<number | null>(() => {
    if (cursorTick.value === null || followedLoop.value === null) return null
    const loop = model.value.loops.get(followedLoop.value)
    return loop && cursorTick.value < loop.ticksNo.length ? loop.ticksNo.data[cursorTick.value] : null
  })

  function setCursor(tickIdx: number | null): void {
    if (tickIdx === null || tickCount.value === 0) {
      cursorTick.value = null
      return
    }
    cursorTick.value = Math.max(0, Math.min(tickCount.value - 1, Math.round(tickIdx)))
  }

  function stepCursor(delta: number): void {
    const n = tickCount.value
    if (n === 0) return
    const from = cursorTick.value ?? n
    const next = from + delta
    if (next >= n) cursorTick.value = null
    else cursorTick.value = Math.max(0, next)
  }

  const queues = computed<QueueSnapshot>(() => {
    void tableVersion.value
    const loop = followedLoop.value
    if (loop === null) return { ready: [], timers: [], io: [] }
    return cursorTick.value === null
      ? model.value.liveQueues(loop)
      : model.value.queuesAtTick(loop, cursorTick.value)
  })

  const taskRows = computed<TaskRow[]>(() => {
    void tableVersion.value
    const m = model.value
    const at = cursorT.value
    const rows: TaskRow[] = []
    const onlyLoop = selectedLoop.value !== null && m.loops.size > 1 ? selectedLoop.value : null
    for (const t of m.tasks.values()) {
      if (onlyLoop !== null && t.loop !== onlyLoop) continue
      let state: TaskDisplayState = t.state
      let awaiting = t.awaiting?.label ?? ''
      if (at !== null) {
        const past = m.taskStateAt(t.id, at)
        if (past.state === null) continue
        state = past.state
        awaiting = past.label ?? ''
      }
      rows.push({
        id: t.id,
        name: t.name,
        state,
        awaiting: state === 'waiting' || state === 'created' ? awaiting : '',
        steps: t.steps,
        runTime: t.runTime,
        site: t.site ?? '',
        parent: t.parent !== null ? (m.tasks.get(t.parent)?.name ?? `#${t.parent}`) : '',
        parentId: t.parent,
        seq: t.seq
      })
    }
    return rows
  })

  const liveTasks = computed(() => {
    void version.value
    return model.value.liveTaskCount
  })

  // The Problems list's rows: the same problem again is one row (see ProblemGrouper). A new
  // array only when a problem came or changed, so the list is not redrawn at every publish.
  const grouper = new ProblemGrouper()
  const problemGroups = computed<readonly ProblemGroup[]>(() => {
    void version.value
    return grouper.sync(model.value)
  })
  /** The group of problem `id` (its row in the Problems list, its other occurrences). */
  function problemGroupOf(id: number): ProblemGroup | null {
    void problemGroups.value
    return grouper.groupOf(id)
  }

  /** The loop is blocked inside a callback right now (a block reported and not yet over). */
  const activeBlock = computed(() => {
    void version.value
    const m = model.value
    if (m.exit) return null
    for (let i = m.problems.length - 1; i >= 0; i--) {
      const p = m.problems[i]
      if (p.kind === 'blocked' && p.ended === false) return p
    }
    return null
  })

  /** Every loop of the trace, for the loop picker (only shown when there is more than one). */
  const loopList = computed(() => {
    void structureVersion.value
    void version.value
    return [...model.value.loops.values()].map((l) => ({
      id: l.id,
      label: `loop ${l.id} · ${l.threadName}`,
      closed: l.closed
    }))
  })

  /** Folds (true), unfolds (false) or toggles a task's child lanes. */
  function setCollapsed(task: number, fold?: boolean): void {
    const has = collapsed.value.has(task)
    const want = fold ?? !has
    if (want === has) return
    const next = new Set(collapsed.value)
    if (want) next.add(task)
    else next.delete(task)
    collapsed.value = next
  }

  function selectLoop(loop: number | null): void {
    selectedLoop.value = loop
    cursorTick.value = null
  }

  return {
    model,
    version,
    tableVersion,
    structureVersion,
    sessionId,
    header,
    selection,
    viewWindow,
    cursorTick,
    cursorT,
    cursorTickNumber,
    gaps,
    fileProgress,
    followedLoop,
    tickCount,
    queues,
    taskRows,
    liveTasks,
    problemGroups,
    problemGroupOf,
    activeBlock,
    reset,
    adopt,
    ingestBatch,
    whenDrained,
    whenQueuedAtMost,
    setLoading,
    notice,
    hasRecentNotice,
    select,
    setCursor,
    stepCursor,
    localSource,
    selectedLoop,
    collapsed,
    setCollapsed,
    loopList,
    selectLoop
  }
})
