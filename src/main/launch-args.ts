// How the app was asked to start:
// `loopscope [--python PATH] [--run] [--pause-at-start] script.py [args…] [--run]`.
// Kept free of electron so the same rules serve the first launch, a second launch handed
// over by the single-instance lock, and the unit tests.

import { isAbsolute, resolve } from 'node:path'

export interface LaunchRequest {
  /** Absolute path of the script (or saved trace) to open, or null for none. */
  script: string | null
  args: string[]
  autoRun: boolean
  python: string | null
  /** Start every run held before its first tick. */
  pauseAtStart?: boolean
}

export interface LaunchContext {
  /** True when argv[1] is the app path (`electron .`, `electron out/main/index.js`). */
  defaultApp: boolean
  /** Directory relative script paths are resolved against (the launching shell's). */
  cwd: string
}

export const EMPTY_LAUNCH: LaunchRequest = { script: null, args: [], autoRun: false, python: null }

// Chromium and Electron put their own switches into argv (Playwright adds --inspect=0,
// --remote-debugging-port=0; macOS Finder adds -psn_…); before the script they are not ours.
const isForeignSwitch = (arg: string): boolean => arg.startsWith('-')

export function parseLaunchArgs(argv: readonly string[], ctx: LaunchContext): LaunchRequest {
  let rest = argv.slice(1)
  if (ctx.defaultApp) {
    const appIndex = rest.findIndex((a) => !isForeignSwitch(a))
    rest = appIndex < 0 ? [] : rest.slice(appIndex + 1)
  }
  let autoRun = false
  let python: string | null = null
  let pauseAtStart = false
  let i = 0
  for (; i < rest.length; i++) {
    const arg = rest[i]
    if (arg === '--run') autoRun = true
    else if (arg === '--pause-at-start') pauseAtStart = true
    else if (arg === '--python' && i + 1 < rest.length) python = rest[++i]
    else if (arg.startsWith('--python=')) python = arg.slice('--python='.length) || null
    else if (arg === '--') {
      i++
      break
    } else if (!isForeignSwitch(arg)) break
  }
  const held = pauseAtStart ? { pauseAtStart } : {}
  if (i >= rest.length) return { script: null, args: [], autoRun: false, python, ...held }
  const script = toAbsolute(rest[i], ctx.cwd)
  let args = rest.slice(i + 1)
  // A trailing --run is ours unless the user ended our options with `--` after the script.
  const separator = args.indexOf('--')
  if (separator >= 0) {
    args = [...args.slice(0, separator), ...args.slice(separator + 1)]
  } else if (args.length > 0 && args[args.length - 1] === '--run') {
    autoRun = true
    args = args.slice(0, -1)
  }
  return {
    script,
    args,
    autoRun,
    python: python === null ? null : toAbsoluteIfPath(python, ctx.cwd),
    ...held
  }
}

function toAbsolute(p: string, cwd: string): string {
  return isAbsolute(p) ? p : resolve(cwd, p)
}

// `--python python3.12` names a command on PATH; `--python .venv/bin/python` names a file.
function toAbsoluteIfPath(p: string, cwd: string): string {
  return p.includes('/') || p.includes('\\') ? toAbsolute(p, cwd) : p
}

/** The single-instance lock carries the second launch's request as plain data; check it. */
export function launchFromAdditionalData(data: unknown): LaunchRequest | null {
  if (typeof data !== 'object' || data === null) return null
  const d = data as Record<string, unknown>
  const script = d.script
  if (script !== null && (typeof script !== 'string' || !isAbsolute(script))) return null
  if (!Array.isArray(d.args) || !d.args.every((a) => typeof a === 'string')) return null
  if (typeof d.autoRun !== 'boolean') return null
  if (d.python !== null && typeof d.python !== 'string') return null
  return { script, args: d.args as string[], autoRun: d.autoRun, python: d.python as string | null }
}

export type DocumentKind = 'script' | 'trace'

/** What a path opens as: saved traces by extension, everything else as a script. */
export function documentKind(path: string): DocumentKind {
  return /\.(ndjson|jsonl|loopscope)$/i.test(path) ? 'trace' : 'script'
}
