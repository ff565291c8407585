// Types of the derived trace model: what the views read. Bulk per-span data is in columns
// (span-store.ts); these objects exist once per task, lane, loop or problem.

import type { I32Column } from './columns'
import type { DeltaLog, QueueState } from './queue-state'
import type { F64Column } from './columns'
import type { Awaiting, ExceptionInfo, Frame, ProblemKind, TaskStateName } from '../trace-types'

export const SpanKind = { Run: 0, Callback: 1, Wait: 2, Select: 3, Executor: 4, Merged: 9 } as const
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind]

export const SpanFlag = { Blocked: 1, Open: 2, Scheduled: 4 } as const

export const MarkerKind = {
  TimerDue: 0,
  IoReady: 1,
  Done: 2,
  Failed: 3,
  Cancelled: 4,
  Problem: 5,
  Created: 6
} as const
export type MarkerKind = (typeof MarkerKind)[keyof typeof MarkerKind]

export type LaneKind = 'select' | 'callbacks' | 'task' | 'executor'

export interface Lane {
  index: number
  kind: LaneKind
  key: string
  label: string
  loop: number | null
  task: number | null
  thread: string | null
  /** Creation order across the whole trace. */
  seq: number
  /** Span indices in this lane, in start order (spans in one lane never overlap). */
  spans: I32Column
}

export type TaskDisplayState = TaskStateName | 'created'

/** A task's states as the history log numbers them. */
export const HISTORY_STATES: readonly TaskDisplayState[] = [
  'created',
  'running',
  'waiting',
  'done',
  'failed',
  'cancelled'
]

export interface TaskHistoryEntry {
  t: number
  tick: number
  state: TaskDisplayState
  label?: string
}

export interface TaskInfo {
  id: number
  loop: number
  name: string
  coro: string
  parent: number | null
  site: string | null
  createdT: number
  createdTick: number
  seq: number
  lane: number
  state: TaskDisplayState
  awaiting: Awaiting | null
  steps: number
  /** Seconds spent running steps. */
  runTime: number
  /** The task's newest entry in the model's history log (see TraceModel.taskHistory). */
  historyHead: number
  /** Entries the task has in the history log. */
  historyLength: number
  result?: string
  exc?: ExceptionInfo
  cancelMsg?: string | null
  cancelledBy?: number | null
  stack: Frame[] | null
  endT: number | null
}

export interface Keyframe {
  tickIdx: number
  deltaIdx: number
  state: QueueState
}

export interface LoopInfo {
  id: number
  thread: number
  threadName: string
  cls: string
  instrumented: boolean
  startT: number
  stopT: number | null
  closed: boolean
  /** Tick number of the newest tick.begin (-1 before the first). */
  tick: number
  ticksT: F64Column
  ticksNo: I32Column
  /** Delta-log length at each tick.begin (after any keyframe in it was applied). */
  ticksDelta: I32Column
  queues: QueueState
  deltas: DeltaLog
  keyframes: Keyframe[]
  selectLane: number
  callbacksLane: number
  /** The handle running now, if any. */
  current: { span: number; handle: number; task: number | null } | null
  lastEventT: number
}

export interface Problem {
  id: number
  kind: ProblemKind
  message: string
  t: number
  loop: number | null
  task: number | null
  handle: number | null
  stack: Frame[] | null
  /** Seconds the loop was (or has been so far) blocked: by a blocked run, or a slow callback. */
  elapsed?: number
  ended?: boolean
  tick: number | null
  span: number | null
}

export interface ConsoleChunk {
  stream: 'stdout' | 'stderr' | 'notice'
  data: string
  t: number
  level?: 'info' | 'warning' | 'error'
}

export interface HandleInfo {
  handle: number
  cb: number
  label: string
  site: string | null
  task: number | null
  taskName: string | null
}

/** One lane as drawn: its place in the ordered, possibly collapsed, list. */
export interface LaneRow {
  lane: number
  depth: number
  hasChildren: boolean
  collapsed: boolean
  label: string
  kind: LaneKind
}
