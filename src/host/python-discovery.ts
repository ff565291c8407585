// Which Python runs a script. Candidates, most specific first: the interpreter the person
// chose, a `.venv`/`venv` beside the script, one at its project root, the active
// VIRTUAL_ENV, then `python3` and `python` on PATH. Each is run once with `--version`
// under a short timeout, so a hung or broken interpreter costs a moment, not the app.
// Paths are kept as found, never resolved through symlinks: a venv's python is a link to
// the base interpreter, and only when run through the link does it see the venv.

import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, readdirSync, realpathSync, statSync } from 'node:fs'
import { basename, delimiter, dirname, isAbsolute, join, resolve } from 'node:path'
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
  const result = (version: string | null, problem: string | null): InterpreterInfo => ({
    ...c,
    version,
    usable: problem === null,
    problem
  })
  if (isDirectory(c.path)) return Promise.resolve(result(null, 'is a folder, not a program.'))
  return runBriefly(c.path, ['--version'], timeoutMs).then((r) => {
    if (r.kind === 'unrunnable') return result(null, `cannot be run (${r.reason}).`)
    if (r.kind === 'timeout')
      return result(null, `did not answer \`--version\` within ${timeoutMs / 1000} s.`)
    const { out, code, signal } = r
    const said = out.trim().split('\n')[0]?.slice(0, 120) ?? ''
    const quoted = said ? `"${said}"` : 'nothing'
    const parsed = parsePythonVersion(out)
    if (!parsed) {
      const status = signal ? `signal ${signal}` : `exit status ${String(code)}`
      return result(
        null,
        code === 0
          ? `is not a Python interpreter: \`--version\` printed ${quoted}.`
          : `failed to run \`--version\` (${status}, printed ${quoted}).`
      )
    }
    if (!isSupported(parsed)) {
      const [minMajor, minMinor] = MIN_PYTHON
      return result(
        parsed.version,
        `is Python ${parsed.version}; Loopscope needs Python ${minMajor}.${minMinor} or newer.`
      )
    }
    return result(parsed.version, null)
  })
}

function isSupported(v: { major: number; minor: number }): boolean {
  const [minMajor, minMinor] = MIN_PYTHON
  return v.major > minMajor || (v.major === minMajor && v.minor >= minMinor)
}

type BriefRun =
  | { kind: 'done'; out: string; code: number | null; signal: NodeJS.Signals | null }
  | { kind: 'timeout' }
  | { kind: 'unrunnable'; reason: string }

/**
 * Runs `path args` with no input and collects what it prints (stdout and stderr, up to 64 KB),
 * ending it and whatever it started after `timeoutMs`.
 */
function runBriefly(path: string, args: string[], timeoutMs: number, cwd?: string): Promise<BriefRun> {
  return new Promise((done) => {
    let settled = false
    let timer: NodeJS.Timeout | undefined = undefined
    const finish = (r: BriefRun) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      done(r)
    }
    let out = ''
    let child: ChildProcess
    try {
      // Its own process group on POSIX, so a timeout can end whatever it started too.
      child = spawn(path, args, {
        cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
        detached: process.platform !== 'win32'
      })
    } catch (err) {
      return finish({ kind: 'unrunnable', reason: (err as Error).message })
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
      finish({ kind: 'timeout' })
    }, timeoutMs)
    const collect = (chunk: Buffer) => {
      if (out.length < 64 * 1024) out += chunk.toString('utf8')
    }
    child.stdout?.on('data', collect)
    child.stderr?.on('data', collect)
    child.on('error', (err: NodeJS.ErrnoException) => {
      finish({ kind: 'unrunnable', reason: err.code === 'EACCES' ? 'permission denied' : err.message })
    })
    child.on('close', (code, signal) => finish({ kind: 'done', out, code, signal }))
  })
}

/** Names a Python interpreter goes by in a PATH folder. */
function pythonNames(platform: NodeJS.Platform): string[] {
  if (platform === 'win32') return ['python.exe', 'python3.exe']
  const minors = Array.from({ length: 12 }, (_, i) => `python3.${i + 8}`)
  return ['python3', 'python', ...minors]
}

/**
 * Python interpreters in the PATH folders, in PATH order, each file once (by its real path).
 * pyenv's shims folder stands for the interpreters it dispatches to (`<root>/versions/*\/bin`):
 * a shim is a shell script that takes a few hundred milliseconds to start one.
 */
export function pythonsOnPath(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string[] {
  const dirs = pathDirs(env, platform).flatMap((dir) => pyenvVersionBins(dir) ?? [dir])
  const out: string[] = []
  const seen = new Set<string>()
  for (const dir of dirs) {
    for (const name of pythonNames(platform)) {
      const p = join(dir, name)
      if (!isExecutableFile(p, platform)) continue
      const real = realPath(p)
      if (seen.has(real)) continue
      seen.add(real)
      out.push(p)
    }
  }
  return out
}

/** The bin folders of pyenv's versions where `dir` is pyenv's shims folder, else null. */
function pyenvVersionBins(dir: string): string[] | null {
  if (basename(dir) !== 'shims') return null
  const versions = join(dirname(dir), 'versions')
  if (!isDirectory(versions)) return null
  try {
    // Newest first: 3.13 before 3.9.
    return readdirSync(versions)
      .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
      .map((v) => join(versions, v, 'bin'))
  } catch {
    return null
  }
}

/** At most this many interpreters are asked whether they have a module. */
const MODULE_PROBES = 16

/**
 * The first Python 3.8+ on PATH (see pythonsOnPath), other than `ran`, that can import the
 * top-level package of `module`: asked with importlib's find_spec, which imports nothing
 * (run from `cwd`, the program's folder, as the program was).
 * Null if none does (or `module` is not a module name). For a program that failed on a
 * package installed for another interpreter than the one that ran it.
 */
export async function findPythonWithModule(
  module: string,
  ran: string,
  opts: { env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform; timeoutMs?: number; cwd?: string } = {}
): Promise<{ path: string; version: string } | null> {
  const top = module.split('.')[0]
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(top)) return null
  const skip = realPath(ran)
  const others = pythonsOnPath(opts.env, opts.platform)
    .filter((p) => realPath(p) !== skip && p !== ran)
    .slice(0, MODULE_PROBES)
  const code =
    'import importlib.util, sys\n' +
    'print("Python %d.%d.%d" % sys.version_info[:3])\n' +
    'sys.exit(0 if importlib.util.find_spec(sys.argv[1]) else 3)'
  const runs = await Promise.all(
    // Run as the program was (no -I: user site-packages and PYTHONPATH count), from its folder.
    others.map((p) => runBriefly(p, ['-c', code, top], opts.timeoutMs ?? PROBE_TIMEOUT_MS, opts.cwd))
  )
  for (let i = 0; i < others.length; i++) {
    const r = runs[i]
    if (r.kind !== 'done' || r.code !== 0) continue
    const v = parsePythonVersion(r.out)
    if (v && isSupported(v)) return { path: others[i], version: v.version }
  }
  return null
}

function realPath(p: string): string {
  try {
    return realpathSync(p)
  } catch {
    return p
  }
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

/** The folders of PATH, in order. */
function pathDirs(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string[] {
  return (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : delimiter).filter(Boolean)
}

function searchPath(name: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | null {
  const dirs = pathDirs(env, platform)
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
