// LoopscopeApi: the one interface the renderer uses to reach the host. Implemented by the
// preload bridge (Electron IPC) and by the web bridge (WebSocket); served by one
// host-side implementation (src/host/api-server.ts).

import type { TraceEvent, TraceHeader } from './trace-types'
import type { Breakpoints } from './agent-protocol'
import type {
  InterpreterDiscovery,
  RecentEntry,
  RunConfig,
  RunConfigInput,
  Settings,
  SettingsState
} from './settings-types'

export interface ExampleInfo {
  name: string
  path: string
  description: string
}

export interface HostInfo {
  kind: 'electron' | 'web'
  version: string
  platform: string
  /** A script the app was launched with (CLI argument or bundled example), if any. */
  initialScript: string | null
  /** Start running the initial script right away. */
  autoRun: boolean
  examples: ExampleInfo[]
}

export interface RunRequest {
  script: string
  args?: string[]
  cwd?: string
  python?: string
  env?: Record<string, string>
  pauseAtStart?: boolean
  compat?: boolean
}

export type SessionState = 'idle' | 'starting' | 'running' | 'paused' | 'exited'

export interface SessionInfo {
  id: number
  script: string
  python: string
  state: SessionState
  /**
   * Whether the session's trace is spared when old traces are cleaned up; absent when the
   * session has no trace (a run refused before it started). A trace opened from outside the
   * trace folder is never cleaned up, so it counts as kept.
   */
  kept?: boolean
}

/** Events travel in batches: one message per batch, never one per event. */
export interface TraceBatch {
  session: number
  /** Index of the first event of this batch within the session's stream. */
  from: number
  events: TraceEvent[]
  /** Set on the first batch of a session. */
  header?: TraceHeader
  /**
   * Of a saved trace the host replays as batches (Electron): how much of its file had been
   * read when this batch was sent, and the file's size (null where it could not be known).
   */
  progress?: { read: number; total: number | null }
}

/**
 * A saved trace the view reads itself (the web host): its lines are fetched from `url` on
 * the host that sent this, checked by the same rules and replayed as session `session`.
 * Far faster than batches through the WebSocket for a big trace.
 */
/**
 * Lines of a saved trace replayed at most (an agent `batch` line counts one), wherever it is
 * read: past this the rest is left out, with a notice, so memory stays bounded.
 */
export const MAX_REPLAY_EVENTS = 5_000_000

export interface TraceReplay {
  session: number
  url: string
  /** The file's name, for messages. */
  name: string
}

export interface SessionStatus {
  session: number
  state: SessionState
  exitCode?: number | null
  signal?: string | null
  message?: string
}

export type ExportImageFormat = 'png' | 'svg'
export type TraceExportFormat = 'ndjson' | 'chrome'

export interface SavedFile {
  /** Where it was saved (Electron) or null when handed to the browser as a download. */
  path: string | null
  /** Base64 content for the web host to offer as a download. */
  data?: string
  name: string
  mime: string
}

export type Unsubscribe = () => void

/** What the application menu (Electron) asks the renderer to do; it acts as on its own buttons. */
export type MenuCommand =
  | { action: 'open-script'; path: string; args?: string[]; autoRun?: boolean }
  | { action: 'open-trace'; path: string }
  | { action: 'run' | 'stop' | 'pause' | 'resume' | 'step-tick' | 'step-callback' }
  | { action: 'export-image'; format: 'png' | 'svg' }
  | { action: 'export-trace' }
  | { action: 'settings' | 'run-config' }

export interface LoopscopeApi {
  getInfo(): Promise<HostInfo>
  /** Native Open dialog in Electron; null in the web host (the UI offers a path field). */
  pickScript(): Promise<string | null>
  run(req: RunRequest): Promise<SessionInfo>
  stop(): Promise<void>
  /**
   * Hold, run on or step the program. `loop` names one loop (a program with loops in several
   * threads): that loop is held or stepped while the others run on. Without it, every loop.
   */
  pause(loop?: number | null): Promise<void>
  resume(loop?: number | null): Promise<void>
  stepTick(loop?: number | null): Promise<void>
  stepCallback(loop?: number | null): Promise<void>
  setBreakpoints(bp: Breakpoints): Promise<void>
  /** Write text to the program's stdin. */
  writeStdin(data: string): Promise<void>
  closeStdin(): Promise<void>
  /** SIGINT to the program (Ctrl+C in the console). */
  interrupt(): Promise<void>
  /** Save a file the renderer produced (image or trace) through the host. */
  saveFile(name: string, mime: string, base64: string): Promise<SavedFile>
  /**
   * Open a saved trace; its events arrive through onBatch as a finished session (Electron),
   * or the view is told through onReplay where to read them (the web host).
   */
  openTrace(path: string): Promise<SessionInfo>
  /**
   * Save the host's own recording of a session, as the native trace (NDJSON, reopenable) or
   * as Chrome Trace Event JSON: Electron asks where; the web host returns it for a download.
   */
  exportTrace(session: number, format: TraceExportFormat): Promise<SavedFile>
  /**
   * Spares the session's trace from the trace folder's size-cap cleanup (or lets it go again);
   * resolves to whether it is kept now. Rejects for a session the host has no trace of.
   */
  keepTrace(session: number, keep: boolean): Promise<boolean>
  /** The settings, with a one-time notice when the settings file had to be repaired. */
  getSettings(): Promise<SettingsState>
  /** Changes some settings; resolves to all of them as saved. Rejects with a reason naming the field. */
  updateSettings(patch: Partial<Settings>): Promise<Settings>
  /** Interpreters that could run `script`, each probed for its version; `explicit` is one the person typed or browsed. */
  listInterpreters(script: string | null, explicit?: string | null): Promise<InterpreterDiscovery>
  /** Native file picker for an interpreter in Electron; null in the web host (the UI offers a path field). */
  pickPython(): Promise<string | null>
  /** The script's remembered run configuration, or null. */
  getRunConfig(script: string): Promise<RunConfig | null>
  /** Validates (arguments split, working folder checked) and remembers; rejects with a reason for the form. */
  saveRunConfig(input: RunConfigInput): Promise<RunConfig>
  /** Recent scripts and traces, newest first, files that no longer exist left out. */
  getRecent(): Promise<RecentEntry[]>
  clearRecent(): Promise<void>
  onBatch(cb: (batch: TraceBatch) => void): Unsubscribe
  onStatus(cb: (status: SessionStatus) => void): Unsubscribe
  /** A saved trace to read in the view (the web host); Electron never calls back. */
  onReplay(cb: (replay: TraceReplay) => void): Unsubscribe
  /** Application-menu commands (Electron); the web bridge never calls back. */
  onMenu(cb: (cmd: MenuCommand) => void): Unsubscribe
  /** The file-system path of a dropped File (Electron's webUtils); null in the browser. */
  pathForFile(file: unknown): string | null
}

/** Method names of LoopscopeApi that cross to the host (not subscriptions or local helpers). */
export type ApiMethod = Exclude<
  keyof LoopscopeApi,
  'onBatch' | 'onStatus' | 'onReplay' | 'onMenu' | 'pathForFile'
>

export const API_METHODS: readonly ApiMethod[] = [
  'getInfo',
  'pickScript',
  'run',
  'stop',
  'pause',
  'resume',
  'stepTick',
  'stepCallback',
  'setBreakpoints',
  'writeStdin',
  'closeStdin',
  'interrupt',
  'saveFile',
  'openTrace',
  'exportTrace',
  'keepTrace',
  'getSettings',
  'updateSettings',
  'listInterpreters',
  'pickPython',
  'getRunConfig',
  'saveRunConfig',
  'getRecent',
  'clearRecent'
] as const
