// The trace format, as TypeScript types. The one prose description is docs/trace-format.md;
// this module is its one typed mirror. The agent's event names live in
// resources/agent/loopscope_agent/events.py. Keep the three in step.

export const TRACE_FORMAT = 'loopscope-trace' as const
export const TRACE_VERSION = 1 as const

/** First line of every trace file and of every agent stream. */
export interface TraceHeader {
  type: 'header'
  format: typeof TRACE_FORMAT
  version: number
  python: string
  pid: number
  argv: string[]
  script: string | null
  cwd?: string
  started: string
  /** Set by the host when it writes the file. */
  host?: { loopscope: string; platform: string }
}

/** A source location, `file:line` already joined where a single string is enough. */
export interface Frame {
  file: string
  line: number
  func: string
  /** The source line's text, when the agent could read it. */
  code?: string
}

export type TaskStateName = 'running' | 'waiting' | 'done' | 'failed' | 'cancelled'

export type AwaitKind =
  | 'sleep'
  | 'task'
  | 'gather'
  | 'future'
  | 'io'
  | 'queue'
  | 'lock'
  | 'event'
  | 'condition'
  | 'semaphore'
  | 'executor'
  | 'subprocess'
  | 'unknown'

export interface Awaiting {
  kind: AwaitKind
  /** The awaited task id (kind task/gather) or timer handle id (kind sleep). */
  ref?: number | number[] | null
  label: string
}

export interface ExceptionInfo {
  type: string
  message: string
  traceback?: string
}

interface Base {
  /** Loop time in seconds, paused time excluded. Host-added events carry the host's best estimate. */
  t: number
  /** Loop id; absent on events that belong to no loop (output, exit, notice). */
  loop?: number
}

export interface LoopStartEvent extends Base {
  type: 'loop.start'
  loop: number
  thread: number
  threadName: string
  cls: string
  /** False when the loop is not ours (uvloop, a custom loop class): it cannot be drawn. */
  instrumented?: boolean
}
export interface LoopStopEvent extends Base {
  type: 'loop.stop'
  loop: number
}
export interface LoopCloseEvent extends Base {
  type: 'loop.close'
  loop: number
}

/** Defines a callback id once; handle events refer to it as `cb`. */
export interface CallbackEvent extends Base {
  type: 'callback'
  cb: number
  label: string
  site?: string | null
}

export interface TickBeginEvent extends Base {
  type: 'tick.begin'
  loop: number
  tick: number
  /** Snapshot (keyframe) of the ready queue, handle ids in FIFO order. Present on keyframes. */
  ready?: number[]
  /** The callback id of each handle in `ready` (same order). */
  readyCb?: number[]
  /** The task each handle in `ready` steps (0: none). */
  readyTask?: number[]
  /** Snapshot of the timer heap: [handle id, deadline] sorted by deadline. Present on keyframes. */
  timers?: [number, number][]
  /** Snapshot of I/O watchers: [fd, 'r' | 'w', cb id]. Present on keyframes. */
  io?: [number, 'r' | 'w', number][]
}
export interface TickEndEvent extends Base {
  type: 'tick.end'
  loop: number
  tick: number
}

export interface SelectEvent extends Base {
  type: 'select'
  loop: number
  /** Timeout passed to the selector in seconds, null for "block until I/O". */
  timeout: number | null
  /** Seconds actually waited. */
  waited: number
  /** File descriptors reported ready. */
  fds: number[]
}

export interface HandleScheduleEvent extends Base {
  type: 'handle.schedule'
  loop: number
  handle: number
  cb: number
  task?: number | null
  /** Set for call_soon_threadsafe: the calling thread's name. */
  thread?: string
}
export interface TimerScheduleEvent extends Base {
  type: 'timer.schedule'
  loop: number
  handle: number
  cb: number
  when: number
  task?: number | null
}
export interface TimerCancelEvent extends Base {
  type: 'timer.cancel'
  loop: number
  handle: number
}
export interface TimerDueEvent extends Base {
  type: 'timer.due'
  loop: number
  handle: number
}

export interface HandleBeginEvent extends Base {
  type: 'handle.begin'
  loop: number
  handle: number
  cb: number
  task?: number | null
  tick: number
}
export interface HandleEndEvent extends Base {
  type: 'handle.end'
  loop: number
  handle: number
  /** Seconds the callback ran. */
  dur: number
}

export interface TaskCreateEvent extends Base {
  type: 'task.create'
  loop: number
  task: number
  name: string
  coro: string
  /** The callback id its steps run as (one per coroutine function); absent in older traces. */
  cb?: number
  parent: number | null
  site: string | null
}
export interface TaskStateEvent extends Base {
  type: 'task.state'
  task: number
  state: TaskStateName
  awaiting?: Awaiting
  result?: string
  exc?: ExceptionInfo
  cancelMsg?: string | null
  cancelledBy?: number | null
  /** Coroutine stack at the suspension point, innermost last. */
  stack?: Frame[]
}

export interface IoWatchEvent extends Base {
  type: 'io.watch'
  loop: number
  op: 'add' | 'remove'
  fd: number
  dir: 'read' | 'write'
  cb?: number
}

export interface ExecutorSubmitEvent extends Base {
  type: 'executor.submit'
  loop: number
  job: number
  fn: string
  task?: number | null
}
export interface ExecutorDoneEvent extends Base {
  type: 'executor.done'
  loop: number
  job: number
  thread: string
  /** Seconds spent in the worker. */
  dur: number
  /** Loop time the worker started. */
  start: number
}

export interface BlockedEvent extends Base {
  type: 'blocked'
  loop: number
  handle: number
  task?: number | null
  elapsed: number
  stack: Frame[]
  /** Label of the blocking callback (the handle's begin may be written after this event). */
  label?: string
  /** asyncio's own repr of the blocking handle. */
  handleRepr?: string
}
export interface BlockedEndEvent extends Base {
  type: 'blocked.end'
  loop: number
  handle: number
  total: number
}

export type ProblemKind =
  'never-retrieved' | 'never-awaited' | 'slow-callback' | 'blocked' | 'task-failed' | 'other'
export interface ProblemEvent extends Base {
  type: 'problem'
  kind: ProblemKind
  message: string
  task?: number | null
  handle?: number | null
  stack?: Frame[]
  /** Seconds the run took (`slow-callback`: a run that ended before the watchdog saw it). */
  elapsed?: number
}
export interface NoticeEvent extends Base {
  type: 'notice'
  level: 'info' | 'warning' | 'error'
  message: string
  /** The program failed to import this module (the agent's notice after a ModuleNotFoundError). */
  module?: string
  /** With `module`: the interpreter that ran the program (`sys.executable`). */
  python?: string
}

export type PauseReason = 'user' | 'step' | 'start' | 'breakpoint'
export interface PausedEvent extends Base {
  type: 'paused'
  loop: number
  tick: number
  reason: PauseReason
  detail?: string
  /** Keyframe of the queues at the hold point (same shapes as on tick.begin). */
  ready?: number[]
  readyCb?: number[]
  readyTask?: number[]
  timers?: [number, number][]
  io?: [number, 'r' | 'w', number][]
}
export interface ResumedEvent extends Base {
  type: 'resumed'
  loop: number
  /** Real seconds the loop was held (excluded from loop time). */
  held?: number
  /** The command that ended the hold. */
  how?: 'resume' | 'step-tick' | 'step-callback'
}
export interface StacksEvent extends Base {
  type: 'stacks'
  loop: number
  tasks: { task: number; stack: Frame[] }[]
}
export interface DroppedEvent extends Base {
  type: 'dropped'
  count: number
}

/** One op of a `batch`: an array led by its op code (BatchOp), or a whole event. */
export type BatchItem =
  readonly (number | null | number[] | Awaiting | [number, number, number][])[] | TraceEvent

/**
 * Many loop events in one line (docs/trace-format.md, "Batches"). Readers expand it into
 * the per-event objects it stands for (src/shared/trace-model/batch.ts) before use.
 * Version 1 lists its ops as JSON arrays (`ops`); version 2 (`v: 2`, what the agent writes
 * now) packs them into base64 columns.
 */
export interface BatchEvent extends Base {
  type: 'batch'
  loop: number
  ops?: BatchItem[]
  /** 2 for a packed batch. */
  v?: number
  /** Packed: the loop's held time (seconds) — loop time = monotonic time − off. */
  off?: number
  /** Packed: the first handle id of runs named by nobody (run k of the batch is r + k). */
  r?: number
  /** Packed: how many events it stands for (a run counts one). */
  n?: number
  /** Packed: the callback id of asyncio.sleep's timers. */
  sc?: number
  /** Packed: integers are int64, not int32. */
  wide?: number
  /** Packed (base64, little-endian): run start times (float64). */
  f?: string
  /** Packed: the ops' own float64 values (times, deadlines, timeouts). */
  g?: string
  /** Packed: the op stream (int32): run tokens (≤ 0) and op codes with their operands. */
  i?: string
  /** Packed: (handle, cb, task) of each run whose token is 0. */
  s?: string
  /** Packed: asyncio.sleep timers, (run index, handle, task that waits on it) each. */
  sl?: string
  /** Packed: their deadlines (float64, monotonic). */
  sw?: string
  /** Packed: waits on plain futures as a column: (run index, task, awaiting as an index into x) each. */
  wa?: string
  /** Packed: whole events and strings the ops refer to by index. */
  x?: unknown[]
}

// Added by the host.
export interface OutputEvent extends Base {
  type: 'output'
  stream: 'stdout' | 'stderr'
  data: string
}
export interface ExitEvent extends Base {
  type: 'exit'
  code: number | null
  signal: string | null
}

export type TraceEvent =
  | LoopStartEvent
  | LoopStopEvent
  | LoopCloseEvent
  | CallbackEvent
  | TickBeginEvent
  | TickEndEvent
  | SelectEvent
  | HandleScheduleEvent
  | TimerScheduleEvent
  | TimerCancelEvent
  | TimerDueEvent
  | HandleBeginEvent
  | HandleEndEvent
  | TaskCreateEvent
  | TaskStateEvent
  | IoWatchEvent
  | ExecutorSubmitEvent
  | ExecutorDoneEvent
  | BlockedEvent
  | BlockedEndEvent
  | ProblemEvent
  | NoticeEvent
  | PausedEvent
  | ResumedEvent
  | StacksEvent
  | DroppedEvent
  | BatchEvent
  | OutputEvent
  | ExitEvent

export type TraceEventType = TraceEvent['type']

/** Every event type the format defines, for validation of input we did not write. */
export const TRACE_EVENT_TYPES: readonly TraceEventType[] = [
  'loop.start',
  'loop.stop',
  'loop.close',
  'callback',
  'tick.begin',
  'tick.end',
  'select',
  'handle.schedule',
  'timer.schedule',
  'timer.cancel',
  'timer.due',
  'handle.begin',
  'handle.end',
  'task.create',
  'task.state',
  'io.watch',
  'executor.submit',
  'executor.done',
  'blocked',
  'blocked.end',
  'problem',
  'notice',
  'paused',
  'resumed',
  'stacks',
  'dropped',
  'batch',
  'output',
  'exit'
] as const

export type EventOf<T extends TraceEventType> = Extract<TraceEvent, { type: T }>
