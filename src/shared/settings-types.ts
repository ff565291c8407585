// Settings, run configurations, interpreters and recent files as the renderer sees them.
// The host persists and validates them (src/host/settings.ts, run-configs.ts,
// python-discovery.ts, recent-files.ts); the limits live here so the settings form and
// the host's validation can never disagree.

export type Theme = 'system' | 'dark' | 'light'

export const THEMES: readonly Theme[] = ['system', 'dark', 'light'] as const

export interface Settings {
  theme: Theme
  /** A callback that holds the loop longer than this is reported as blocking it. */
  blockedThresholdMs: number
  /** Lines the console keeps above the visible screen. */
  consoleScrollback: number
  /** Recorded traces are deleted, oldest first, past this total size. */
  traceRetentionMb: number
  /** Start every run paused before the script's first line. */
  pauseAtStart: boolean
  /** Let old scripts (`@asyncio.coroutine`, `loop=` arguments…) run on a modern Python. */
  legacyShims: boolean
}

export interface NumberLimit {
  min: number
  max: number
  step: number
}

export const SETTINGS_LIMITS = {
  blockedThresholdMs: { min: 10, max: 60_000, step: 10 },
  consoleScrollback: { min: 100, max: 1_000_000, step: 100 },
  traceRetentionMb: { min: 10, max: 1_000_000, step: 10 }
} as const satisfies Record<'blockedThresholdMs' | 'consoleScrollback' | 'traceRetentionMb', NumberLimit>

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  theme: 'system',
  // asyncio's own debug mode calls a callback slow past 100 ms (slow_callback_duration).
  blockedThresholdMs: 100,
  consoleScrollback: 10_000,
  traceRetentionMb: 1024,
  pauseAtStart: false,
  // The notes' examples need them on the Python here; each shim is announced in the console.
  legacyShims: true
})

export interface SettingsState {
  settings: Settings
  /** Set once, after a settings file had to be repaired; the UI shows it as a notice. */
  notice: string | null
}

/** Where a candidate interpreter was found. */
export type InterpreterSource = 'explicit' | 'script-venv' | 'project-venv' | 'virtual-env' | 'path'

export interface InterpreterInfo {
  /** What to run: an absolute path. */
  path: string
  source: InterpreterSource
  /** How the UI names it, e.g. ".venv next to the script". */
  label: string
  /** "3.11.7", or null when it could not be run or printed no version. */
  version: string | null
  /** Runs and is new enough for the agent. */
  usable: boolean
  /** Why it is not usable, for the person choosing. */
  problem: string | null
}

export interface InterpreterDiscovery {
  /** Every candidate that exists, usable or not, most specific first. */
  interpreters: InterpreterInfo[]
  /** The first usable one: what a run uses when no interpreter is chosen. */
  recommended: string | null
  /** Every place looked at, in order, for messages that say what was tried. */
  tried: string[]
  /** Set when the chosen interpreter is unusable or no candidate is. */
  message: string | null
}

export const MIN_PYTHON: readonly [number, number] = [3, 8]

/** What the run-configuration form submits. */
export interface RunConfigInput {
  script: string
  /** Arguments as typed, parsed like a shell would (quotes, backslashes; no expansion). */
  argsText: string
  /** Absolute, or relative to the script's folder; null runs in the script's folder. */
  cwd: string | null
  /** Added to the environment the program inherits. */
  env: Record<string, string>
  /** Null picks the recommended interpreter at each run. */
  python: string | null
}

/** A remembered configuration, with the arguments already split. */
export interface RunConfig extends RunConfigInput {
  args: string[]
  /** Last saved, ms since the epoch. */
  updatedAt: number
}

export type RecentKind = 'script' | 'trace'

export interface RecentEntry {
  kind: RecentKind
  path: string
  /** Last opened, ms since the epoch. */
  at: number
}
