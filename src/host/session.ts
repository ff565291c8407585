// One run of a Python program under the Loopscope agent: spawn it as the leader of its own
// process group (so Stop reaches everything it started), decode its output, parse the
// agent's events, send it commands, and report its end exactly once — after the last of
// its output, never leaving a "running" state or a zombie behind.

import { execFile, spawn as nodeSpawn, type ChildProcess } from 'node:child_process'
import { statSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import type { Readable, Writable } from 'node:stream'
import type { RunRequest, SessionState, SessionStatus } from '@shared/api'
import { AGENT_ENV, type AgentCommand } from '@shared/agent-protocol'
import type { NoticeEvent, TraceEvent, TraceEventType, TraceHeader } from '@shared/trace-types'
import { AgentStreamParser } from './agent-stream-parser'
import { sleep, systemClock, type Clock } from './clock'
import { findPythonWithModule } from './python-discovery'

export const DEFAULT_PYTHON = process.platform === 'win32' ? 'python' : 'python3'
const EVENT_FD = 3
const COMMAND_FD = 4

export interface SessionRequest extends RunRequest {
  /** Run `script` as a module name (`python -m`), not a file. */
  module?: boolean
}

export interface SessionHandlers {
  /**
   * Each event in order; `line` is the agent's own text of it (absent for the host's events),
   * and `source`, `at` where its bytes are, when the parser knows (AgentStreamParser).
   */
  onEvent(event: TraceEvent, line?: string, source?: Buffer, at?: number): void
  /**
   * When given, the agent's events are not parsed into objects: each one's line comes here
   * with its type and time, in order with the host's events (which still go to onEvent).
   * For a consumer that only records (the headless `record`).
   */
  onAgentLine?(line: string, type: TraceEventType, t: number): void
  onHeader?(header: TraceHeader): void
  onStatus?(status: SessionStatus): void
  /**
   * The program's output bytes exactly as read (the headless recorder passes them through).
   * Returning false pauses reading that stream until resumeOutput(): backpressure, so a
   * slow consumer slows the program instead of filling memory.
   */
  onRawOutput?(stream: 'stdout' | 'stderr', chunk: Buffer): boolean | void
}

export interface ExitInfo {
  code: number | null
  signal: string | null
}

export interface SessionOptions {
  id: number
  request: SessionRequest
  /** Absolute path of resources/agent/loopscope_launch.py. */
  agentPath: string
  handlers: SessionHandlers
  defaultPython?: string
  /** 'inherit' lets a headless run read the terminal directly. */
  stdin?: 'pipe' | 'inherit'
  /** Base environment (default: this process's). */
  env?: NodeJS.ProcessEnv
  spawn?: typeof nodeSpawn
  kill?: (pid: number, signal: NodeJS.Signals | 0) => void
  clock?: Clock
  /** Time between SIGTERM and SIGKILL on Stop. */
  graceMs?: number
  /** Stop resolves within this, whatever the program does. */
  stopDeadlineMs?: number
  /** After the process exits, how long to wait for its pipes to drain (held open by its children). */
  drainMs?: number
  /** Whose process model Stop follows (default: this machine's); lets tests drive the Windows branch. */
  platform?: NodeJS.Platform
  /** Runs a command to its end and gives its exit code (null: it did not run); Stop on Windows runs taskkill. */
  runCommand?: (file: string, args: string[]) => Promise<number | null>
}

export class Session {
  readonly id: number
  readonly python: string
  readonly script: string
  readonly done: Promise<ExitInfo>

  private stateValue: SessionState = 'idle'
  private child: ChildProcess | null = null
  private pid: number | null = null
  private exitInfo: ExitInfo | null = null
  private finished = false
  private stopping: Promise<void> | null = null
  private drainTimer: unknown = null
  private lastT = 0
  private headerSeen = false
  private noticedParseErrors = 0
  /** Looking for an interpreter that has the module the program failed to import (watchNotice). */
  private moduleProbe: Promise<void> | null = null
  /** The session ends once the probe has answered (finishAfterProbe). */
  private finishQueued = false
  private resolveDone!: (info: ExitInfo) => void
  private readonly parser: AgentStreamParser
  private readonly clock: Clock
  private readonly kill: (pid: number, signal: NodeJS.Signals | 0) => void
  private readonly platform: NodeJS.Platform

  constructor(private readonly opts: SessionOptions) {
    this.id = opts.id
    this.python = opts.request.python || opts.defaultPython || DEFAULT_PYTHON
    this.script = opts.request.script
    this.clock = opts.clock ?? systemClock
    this.kill = opts.kill ?? ((pid, signal) => process.kill(pid, signal))
    this.platform = opts.platform ?? process.platform
    this.done = new Promise((resolve) => (this.resolveDone = resolve))
    this.parser = new AgentStreamParser({
      onHeader: (header) => {
        this.headerSeen = true
        opts.handlers.onHeader?.(header)
      },
      onEvent: (event, line, source, at) => this.agentEvent(event, line, source, at),
      // The event channel's chunks are fresh buffers, never reused (a stream's 'data').
      stableChunks: true,
      onEventLine: opts.handlers.onAgentLine
        ? (line, type, t) => {
            this.agentState(type, t)
            // Notices are few: each is read for a missing module (see watchNotice).
            if (type === 'notice') this.watchNoticeLine(line)
            opts.handlers.onAgentLine?.(line, type, t)
          }
        : undefined,
      onError: (_problem, detail) => {
        // One visible notice is enough to show something is off; the rest are counted.
        if (this.noticedParseErrors++ === 0)
          this.notice('warning', `Loopscope skipped a malformed agent event: ${detail}`)
      }
    })
  }

  get state(): SessionState {
    return this.stateValue
  }

  get exit(): ExitInfo | null {
    return this.exitInfo
  }

  get parserStats(): AgentStreamParser['stats'] {
    return this.parser.stats
  }

  /** Starts the program. A start that cannot happen ends the session with a clear notice. */
  start(): void {
    if (this.stateValue !== 'idle') throw new Error('session already started')
    this.setState('starting')
    const problem = this.preflight()
    if (problem) {
      this.failStart(problem)
      return
    }
    const req = this.opts.request
    const args = [this.opts.agentPath, ...(req.module ? ['--module'] : []), req.script, ...(req.args ?? [])]
    const env: NodeJS.ProcessEnv = {
      ...(this.opts.env ?? process.env),
      ...req.env,
      [AGENT_ENV.eventFd]: String(EVENT_FD),
      [AGENT_ENV.commandFd]: String(COMMAND_FD),
      [AGENT_ENV.compat]: req.compat === false ? '0' : '1'
    }
    if (req.pauseAtStart) env[AGENT_ENV.pauseAtStart] = '1'
    else delete env[AGENT_ENV.pauseAtStart]
    // Output should reach the console as the program writes it, not in 8 KiB blocks; the
    // bytes are the same either way.
    env.PYTHONUNBUFFERED ??= '1'
    let child: ChildProcess
    try {
      child = (this.opts.spawn ?? nodeSpawn)(this.python, args, {
        cwd: req.cwd,
        env,
        stdio: [this.opts.stdin ?? 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
        windowsHide: true
      })
    } catch (err) {
      this.failStart(`Cannot start Python "${this.python}": ${(err as Error).message}`)
      return
    }
    this.child = child
    child.once('error', (err: NodeJS.ErrnoException) => this.spawnError(err))
    child.once('spawn', () => {
      this.pid = child.pid ?? null
      if (this.stateValue === 'starting') this.setState('running')
    })
    child.once('exit', (code, signal) => this.processExit(code, signal))
    child.once('close', () => this.finishAfterProbe())
    this.wireOutput(child.stdout, 'stdout')
    this.wireOutput(child.stderr, 'stderr')
    const events = child.stdio[EVENT_FD] as Readable | null
    events?.on('data', (chunk: Buffer) => this.parser.push(chunk))
    events?.on('error', () => undefined)
    const commands = child.stdio[COMMAND_FD] as Writable | null
    // The agent may be gone before we write: EPIPE is expected then, not a failure.
    commands?.on('error', () => undefined)
    child.stdin?.on('error', () => undefined)
  }

  send(command: AgentCommand): boolean {
    const commands = this.child?.stdio[COMMAND_FD] as Writable | null | undefined
    if (!commands || commands.destroyed || !this.isLive()) return false
    commands.write(JSON.stringify(command) + '\n')
    return true
  }

  writeStdin(data: string): boolean {
    const stdin = this.child?.stdin
    if (!stdin || stdin.destroyed || stdin.writableEnded || !this.isLive()) return false
    stdin.write(data)
    return true
  }

  closeStdin(): void {
    const stdin = this.child?.stdin
    if (stdin && !stdin.destroyed) stdin.end()
  }

  /** Stops reading the program's output: its writes block once the pipe fills, as with a slow terminal. */
  pauseOutput(stream?: 'stdout' | 'stderr'): void {
    for (const s of this.outputStreams(stream)) s.pause()
  }

  resumeOutput(stream?: 'stdout' | 'stderr'): void {
    for (const s of this.outputStreams(stream)) s.resume()
  }

  private outputStreams(stream?: 'stdout' | 'stderr'): Readable[] {
    const all = { stdout: this.child?.stdout, stderr: this.child?.stderr }
    const picked = stream ? [all[stream]] : [all.stdout, all.stderr]
    return picked.filter((s): s is Readable => !!s && !s.destroyed)
  }

  /** SIGINT to the program's process group, as Ctrl+C in a terminal would. */
  interrupt(): boolean {
    return this.isLive() ? this.signalGroup('SIGINT') : false
  }

  /** SIGTERM to the group, a grace period, then SIGKILL; resolves within stopDeadlineMs. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop()
    return this.stopping
  }

  private async doStop(): Promise<void> {
    if (this.finished) return
    if (this.pid === null) {
      // Not spawned yet: wait for spawn or its error, then stop what came of it.
      await Promise.race([
        new Promise<void>((resolve) => this.child?.once('spawn', () => resolve())),
        this.done.then(() => undefined),
        sleep(this.clock, 500)
      ])
      if (this.finished || this.pid === null) {
        this.forceFinish()
        return
      }
    }
    const start = this.clock.now()
    const graceMs = this.opts.graceMs ?? 1000
    const deadlineMs = this.opts.stopDeadlineMs ?? 2000
    this.signalGroup('SIGTERM')
    while (this.clock.now() - start < graceMs) {
      if (this.exitInfo && !this.groupAlive()) break
      await sleep(this.clock, 25)
    }
    if (this.groupAlive()) this.signalGroup('SIGKILL')
    const left = Math.max(0, deadlineMs - (this.clock.now() - start) - 50)
    await Promise.race([this.done, sleep(this.clock, left)])
    this.forceFinish()
  }

  private preflight(): string | null {
    const req = this.opts.request
    if (!existsAs(this.opts.agentPath, 'file'))
      return `Loopscope's agent is missing at ${this.opts.agentPath}.`
    const cwd = req.cwd ?? process.cwd()
    if (!existsAs(cwd, 'dir')) return `Working folder ${cwd} does not exist.`
    if (this.python.includes('/') || this.python.includes('\\')) {
      const kind = statKind(resolve(cwd, this.python))
      if (kind === null) return `Python interpreter not found: ${this.python}`
      if (kind === 'dir') return `Python interpreter ${this.python} is a folder, not a program.`
    }
    if (!req.module) {
      const path = isAbsolute(req.script) ? req.script : resolve(cwd, req.script)
      const kind = statKind(path)
      if (kind === null) return `Script not found: ${path}`
      if (kind === 'dir') return `${path} is a folder, not a Python script.`
    }
    return null
  }

  private wireOutput(stream: Readable | null, name: 'stdout' | 'stderr'): void {
    if (!stream) return
    // Streaming decode keeps a UTF-8 sequence split across reads whole; invalid bytes show
    // as U+FFFD instead of breaking the console.
    const decoder = new TextDecoder('utf-8')
    stream.on('data', (chunk: Buffer) => {
      if (this.opts.handlers.onRawOutput?.(name, chunk) === false) stream.pause()
      const data = decoder.decode(chunk, { stream: true })
      if (data) this.emit({ type: 'output', t: this.lastT, stream: name, data })
    })
    stream.once('end', () => {
      const rest = decoder.decode()
      if (rest) this.emit({ type: 'output', t: this.lastT, stream: name, data: rest })
    })
    stream.on('error', () => undefined)
  }

  private agentEvent(event: TraceEvent, line: string, source?: Buffer, at?: number): void {
    this.agentState(event.type, event.t)
    if (event.type === 'notice') this.watchNotice(event)
    this.opts.handlers.onEvent(event, line, source, at)
  }

  private agentState(type: TraceEventType, t: number): void {
    this.lastT = t
    if (type === 'paused' && this.stateValue === 'running') this.setState('paused')
    else if (type === 'resumed' && this.stateValue === 'paused') this.setState('running')
  }

  private spawnError(err: NodeJS.ErrnoException): void {
    if (this.pid !== null || this.finished) return
    const message =
      err.code === 'ENOENT'
        ? `Python interpreter not found: ${this.python}`
        : err.code === 'EACCES'
          ? `Python interpreter ${this.python} cannot be run (permission denied).`
          : `Cannot start Python "${this.python}": ${err.message}`
    this.failStart(message)
  }

  private failStart(message: string): void {
    this.notice('error', message)
    this.exitInfo = { code: null, signal: null }
    this.finish(message)
  }

  private processExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitInfo) return
    this.exitInfo = { code, signal }
    // What is left in the pipes is bounded by their size: read it all, even if a slow
    // consumer had paused reading.
    this.resumeOutput()
    // The pipes normally close right after exit; a child the program left running may hold
    // them open, and then the exit must still be reported.
    this.drainTimer = this.clock.setTimeout(() => this.forceFinish(), this.opts.drainMs ?? 1000)
  }

  /** Ends the session now: streams that have not closed are abandoned. */
  private forceFinish(): void {
    if (this.finished) return
    const child = this.child
    if (child) {
      for (const s of child.stdio) if (s && !s.destroyed) s.destroy()
    }
    this.exitInfo ??= { code: child?.exitCode ?? null, signal: child?.signalCode ?? null }
    this.finishAfterProbe()
  }

  /**
   * A program that failed on a missing module (the agent's notice names it): looks for another
   * interpreter on PATH that has it, so that the session can end on where to find it.
   */
  private watchNotice(e: NoticeEvent): void {
    if (typeof e.module !== 'string' || this.moduleProbe || this.finished) return
    const module = e.module
    const ran = typeof e.python === 'string' && e.python ? e.python : this.python
    // Where the program looked for it first: the script's folder, or the working folder for -m.
    const base = this.opts.request.cwd ?? process.cwd()
    const cwd = this.opts.request.module ? base : dirname(resolve(base, this.script))
    const env = { ...(this.opts.env ?? process.env), ...this.opts.request.env }
    this.moduleProbe = findPythonWithModule(module, ran, { cwd, env })
      .then((found) => {
        if (found && !this.finished)
          this.notice(
            'info',
            `${found.path} (Python ${found.version}) has ${module}: choose it in Run configuration → Python interpreter to run this program with it.`
          )
      })
      .catch(() => undefined)
  }

  private watchNoticeLine(line: string): void {
    let e: NoticeEvent
    try {
      e = JSON.parse(line) as NoticeEvent
    } catch {
      return // the line is passed on as it is; its reader says what is wrong with it
    }
    if (e !== null && typeof e === 'object') this.watchNotice(e)
  }

  /** Ends the session once a probe for a missing module (see watchNotice) has answered. */
  private finishAfterProbe(): void {
    if (this.finishQueued) return
    const probe = this.moduleProbe
    if (!probe) return this.finish()
    // The probe ends within its timeout (PROBE_TIMEOUT_MS), a pipe held open or not.
    this.finishQueued = true
    void probe.then(() => this.finish())
  }

  private finish(message?: string): void {
    if (this.finished) return
    this.finished = true
    if (this.drainTimer !== null) this.clock.clearTimeout(this.drainTimer)
    this.parser.end()
    const exit = this.exitInfo ?? {
      code: this.child?.exitCode ?? null,
      signal: this.child?.signalCode ?? null
    }
    this.exitInfo = exit
    if (!message && !this.headerSeen && exit.code !== 0 && this.pid !== null) {
      this.notice(
        'warning',
        `The program ended (${describeExit(exit)}) before the Loopscope agent started; its output above says why.`
      )
    }
    if (this.noticedParseErrors > 1) {
      this.notice('warning', `Loopscope skipped ${this.noticedParseErrors} malformed agent events in all.`)
    }
    this.emit({ type: 'exit', t: this.lastT, code: exit.code, signal: exit.signal })
    this.setState('exited', message)
    this.resolveDone(exit)
  }

  private notice(level: NoticeEvent['level'], message: string): void {
    this.emit({ type: 'notice', t: this.lastT, level, message })
  }

  private emit(event: TraceEvent): void {
    this.opts.handlers.onEvent(event)
  }

  private setState(state: SessionState, message?: string): void {
    this.stateValue = state
    const status: SessionStatus = { session: this.id, state }
    if (state === 'exited') {
      status.exitCode = this.exitInfo?.code ?? null
      status.signal = this.exitInfo?.signal ?? null
    }
    if (message) status.message = message
    this.opts.handlers.onStatus?.(status)
  }

  /** Writes made before the process has spawned are queued by Node and delivered. */
  private isLive(): boolean {
    return this.child !== null && this.exitInfo === null && !this.finished
  }

  private signalGroup(signal: NodeJS.Signals): boolean {
    if (this.pid === null) return false
    try {
      if (this.platform === 'win32') return this.signalTreeWindows(signal)
      this.kill(-this.pid, signal)
      return true
    } catch {
      return false
    }
  }

  /**
   * Windows has no process groups and no SIGTERM: Node's kill() is TerminateProcess of the
   * program alone, and the job object libuv puts it in closes only when this process exits
   * (and lets the program's own children break away). So Stop runs taskkill /T, which walks
   * the program's tree by parent pid: without /F first (a close request, which programs with
   * a window honour), then with /F. Only while the program's exit is unseen: Node still holds
   * its process handle then, so the pid cannot yet name another process.
   */
  private signalTreeWindows(signal: NodeJS.Signals): boolean {
    if (signal !== 'SIGTERM' && signal !== 'SIGKILL') return this.child?.kill(signal) ?? false
    if (this.pid === null || this.exitInfo !== null) return false
    const force = signal === 'SIGKILL'
    const run = this.opts.runCommand ?? runQuietly
    void run('taskkill', ['/PID', String(this.pid), '/T', ...(force ? ['/F'] : [])]).then((code) => {
      // taskkill missing or refused: end the program itself at least.
      if (force && code !== 0 && this.exitInfo === null) this.child?.kill('SIGKILL')
    })
    return true
  }

  private groupAlive(): boolean {
    if (this.pid === null) return false
    if (this.platform === 'win32') return this.exitInfo === null
    try {
      this.kill(-this.pid, 0)
      return true
    } catch (err) {
      // EPERM means a process exists we may not signal; ESRCH means the group is gone.
      return (err as NodeJS.ErrnoException).code === 'EPERM'
    }
  }
}

function runQuietly(file: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    execFile(file, args, { windowsHide: true, timeout: 10_000 }, (err) => {
      if (!err) resolve(0)
      else resolve(typeof err.code === 'number' ? err.code : null)
    })
  })
}

export function describeExit(exit: ExitInfo): string {
  if (exit.signal) return `killed by ${exit.signal}`
  if (exit.code === null) return 'did not start'
  return `exit code ${exit.code}`
}

function statKind(path: string): 'file' | 'dir' | null {
  try {
    const st = statSync(path)
    return st.isDirectory() ? 'dir' : 'file'
  } catch {
    return null
  }
}

function existsAs(path: string, kind: 'file' | 'dir'): boolean {
  return statKind(path) === kind
}
