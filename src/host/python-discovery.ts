// Which Python runs a script. Candidates, most specific first: the interpreter the person
// chose, a `.venv`/`venv` beside the script, one at its project root, the active
// VIRTUAL_ENV, then `python3` and `python` on PATH. Each is run once with `--version`
// under a short timeout, so a hung or broken interpreter costs a moment, not the app.
// Paths are kept as found, never resolved through symlinks: a venv's python is a link to
// the base interpreter, and only when run through the link does it see the venv.

import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path'
import {
  MIN_PYTHON,
  type InterpreterDiscovery,
  type InterpreterInfo,
  type InterpreterSource
} from '@shared/settings-types'

export const PROBE_TIMEOUT_MS = 3000
const PROJECT_MARKERS = ['pyproject.toml', 'setup.py', '.git']
const VENV_NAMES = ['.venv', 'venv']

export interface DiscoveryOptions {
  /** The script to run; its folder and project root are searched for virtual envs. */
  script?: string | null
  /** An interpreter the person chose (absolute path, relative to the script's folder, or a command name). */
  explicit?: string | null
  env?: NodeJS.ProcessEnv
  platform?: NodeJS.Platform
  timeoutMs?: number
}

interface Candidate {
  path: string
  source: InterpreterSource
  label: string
}

/** Finds and probes every candidate; never throws. */
export async function discoverInterpreters(opts: DiscoveryOptions = {}): Promise<InterpreterDiscovery> {
  const { candidates, tried, explicitMissing } = findCandidates(opts)
  const probed = await Promise.all(
    candidates.map((c) => probeCandidate(c, opts.timeoutMs ?? PROBE_TIMEOUT_MS))
  )
  const recommended = probed.find((i) => i.usable)?.path ?? null
  let message: string | null = null
  const explicit = probed.find((i) => i.source === 'explicit')
  if (explicitMissing) message = `${explicitMissing} ${triedSentence(tried)}`
  else if (explicit && !explicit.usable)
    message = `The chosen interpreter ${explicit.path} ${explicit.problem}`
  else if (!recommended) message = noInterpreterMessage(probed, tried)
  return { interpreters: probed, recommended, tried, message }
}

/** Probes one interpreter the person named: what a run checks before it starts. */
export async function checkInterpreter(
  python: string,
  opts: Omit<DiscoveryOptions, 'explicit' | 'script'> & { cwd?: string } = {}
): Promise<InterpreterInfo> {
  const platform = opts.platform ?? process.platform
  const env = opts.env ?? process.env
  const path = resolveExecutable(python, opts.cwd ?? process.cwd(), env, platform)
  if (!path) {
    return {
      path: python,
      source: 'explicit',
      label: 'chosen interpreter',
      version: null,
      usable: false,
      problem: isCommandName(python) ? `was not found on PATH.` : `does not exist.`
    }
  }
  return probeCandidate(
    { path, source: 'explicit', label: 'chosen interpreter' },
    opts.timeoutMs ?? PROBE_TIMEOUT_MS
  )
}

/** The folder holding pyproject.toml, setup.py or .git, from `dir` upwards; null if none. */
export function findProjectRoot(dir: string): string | null {
  let current = resolve(dir)
  for (;;) {
    if (PROJECT_MARKERS.some((m) => exists(join(current, m)))) return current
    const parent = dirname(current)
    if (parent === current) return null
    current = parent
  }
}

/** "3.11.7" from `python --version` output (Python 2 prints it on stderr). */
export function parsePythonVersion(output: string): { version: string; major: number; minor: number } | null {
  const m = /Python (\d+)\.(\d+)(\.\d+)?([a-z]+\d*)?/.exec(output)
  if (!m) return null
  return { version: m[0].slice('Python '.length), major: Number(m[1]), minor: Number(m[2]) }
}

function findCandidates(opts: DiscoveryOptions): {
  candidates: Candidate[]
  tried: string[]
  explicitMissing: string | null
} {
  const platform = opts.platform ?? process.platform
  const env = opts.env ?? process.env
  const candidates: Candidate[] = []
  const tried: string[] = []
  const seen = new Set<string>()
  const add = (c: Candidate) => {
    if (seen.has(c.path)) return
    seen.add(c.path)
    candidates.push(c)
  }
  const scriptDir = opts.script ? dirname(resolve(opts.script)) : null
  let explicitMissing: string | null = null

  if (opts.explicit) {
    const path = resolveExecutable(opts.explicit, scriptDir ?? process.cwd(), env, platform)
    tried.push(`the chosen interpreter ${opts.explicit}`)
    if (path) add({ path, source: 'explicit', label: 'chosen interpreter' })
    else
      explicitMissing = isCommandName(opts.explicit)
        ? `The chosen interpreter ${opts.explicit} was not found on PATH.`
        : `The chosen interpreter ${opts.explicit} does not exist.`
  }

  const venvsIn = (dir: string, source: InterpreterSource, where: string) => {
    for (const name of VENV_NAMES) {
      const python = venvPython(join(dir, name), platform)
      tried.push(python)
      if (isExecutableFile(python)) add({ path: python, source, label: `${name} ${where}` })
    }
  }
  if (scriptDir) {
    venvsIn(scriptDir, 'script-venv', 'next to the script')
    const root = findProjectRoot(scriptDir)
    if (root && root !== scriptDir) venvsIn(root, 'project-venv', `at the project root ${root}`)
  }

  const active = env.VIRTUAL_ENV
  if (active) {
    const python = venvPython(active, platform)
    tried.push(`${python} (VIRTUAL_ENV)`)
    if (isExecutableFile(python))
      add({ path: python, source: 'virtual-env', label: `active virtual env ${active}` })
  }

  for (const name of ['python3', 'python']) {
    tried.push(`${name} on PATH`)
    const path = searchPath(name, env, platform)
    if (path) add({ path, source: 'path', label: `${name} on PATH` })
  }
  return { candidates, tried, explicitMissing }
}

function probeCandidate(c: Candidate, timeoutMs: number): Promise<InterpreterInfo> {
  return new Promise((done) => {
    let settled = false
    let timer: NodeJS.Timeout | undefined = undefined
    const finish = (version: string | null, problem: string | null) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      done({ ...c, version, usable: problem === null, problem })
    }
    if (isDirectory(c.path)) return finish(null, 'is a folder, not a program.')
    let out = ''
    let child: ChildProcess
    try {
      // Its own process group on POSIX, so a timeout can end whatever it started too.
      child = spawn(c.path, ['--version'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
        detached: process.platform !== 'win32'
      })
    } catch (err) {
      return finish(null, `cannot be run (${(err as Error).message}).`)
    }
    // Not execFile's timeout: that waits for the pipes to close, which a grandchild that
    // inherited them can hold open for as long as it likes.
    timer = setTimeout(() => {
      try {
        if (process.platform !== 'win32' && child.pid) process.kill(-child.pid, 'SIGKILL')
        else child.kill('SIGKILL')
      } catch {
        // Already gone.
      }
      child.stdout?.destroy()
      child.stderr?.destroy()
      finish(null, `did not answer \`--version\` within ${timeoutMs / 1000} s.`)
    }, timeoutMs)
    const collect = (chunk: Buffer) => {
      if (out.length < 64 * 1024) out += chunk.toString('utf8')
    }
    child.stdout?.on('data', collect)
    child.stderr?.on('data', collect)
    child.on('error', (err: NodeJS.ErrnoException) => {
      finish(null, `cannot be run (${err.code === 'EACCES' ? 'permission denied' : err.message}).`)
    })
    child.on('close', (code, signal) => {
      const said = out.trim().split('\n')[0]?.slice(0, 120) ?? ''
      const quoted = said ? `"${said}"` : 'nothing'
      const parsed = parsePythonVersion(out)
      if (!parsed) {
        const status = signal ? `signal ${signal}` : `exit status ${String(code)}`
        return finish(
          null,
          code === 0
            ? `is not a Python interpreter: \`--version\` printed ${quoted}.`
            : `failed to run \`--version\` (${status}, printed ${quoted}).`
        )
      }
      const [minMajor, minMinor] = MIN_PYTHON
      if (parsed.major < minMajor || (parsed.major === minMajor && parsed.minor < minMinor)) {
        return finish(
          parsed.version,
          `is Python ${parsed.version}; Loopscope needs Python ${minMajor}.${minMinor} or newer.`
        )
      }
      finish(parsed.version, null)
    })
  })
}

function noInterpreterMessage(probed: InterpreterInfo[], tried: string[]): string {
  const found = probed.map((i) => `${i.path} ${i.problem}`).join(' ')
  return (
    `No usable Python ${MIN_PYTHON.join('.')}+ interpreter was found. ${found ? `${found} ` : ''}` +
    `${triedSentence(tried)} Install Python ${MIN_PYTHON.join('.')} or newer, or choose an interpreter in the run configuration.`
  )
}

function triedSentence(tried: string[]): string {
  return `Tried: ${tried.join(', ')}.`
}

function venvPython(venv: string, platform: NodeJS.Platform): string {
  return platform === 'win32' ? join(venv, 'Scripts', 'python.exe') : join(venv, 'bin', 'python')
}

function isCommandName(p: string): boolean {
  return !p.includes('/') && !p.includes('\\')
}

/** A path (absolute or relative to `base`) or a command name looked up on PATH. */
function resolveExecutable(
  p: string,
  base: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform
): string | null {
  if (isCommandName(p)) return searchPath(p, env, platform)
  const abs = isAbsolute(p) ? p : resolve(base, p)
  return exists(abs) ? abs : null
}

function searchPath(name: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | null {
  const dirs = (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : delimiter).filter(Boolean)
  const names = platform === 'win32' && !/\.exe$/i.test(name) ? [`${name}.exe`, name] : [name]
  for (const dir of dirs) {
    for (const n of names) {
      const p = join(dir, n)
      if (isExecutableFile(p, platform)) return p
    }
  }
  return null
}

function isExecutableFile(p: string, platform: NodeJS.Platform = process.platform): boolean {
  try {
    if (!statSync(p).isFile()) return false
    if (platform !== 'win32') accessSync(p, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

function exists(p: string): boolean {
  try {
    statSync(p)
    return true
  } catch {
    return false
  }
}
