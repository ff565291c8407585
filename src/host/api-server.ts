// The one server-side implementation of LoopscopeApi. Electron main and the web host both
// wrap it: they carry calls in and pushes out, and it knows nothing of either transport.

import { randomBytes, timingSafeEqual } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import {
  API_METHODS,
  type ApiMethod,
  type ExampleInfo,
  type HostInfo,
  type RunRequest,
  type SavedFile,
  type SessionInfo,
  type SessionStatus,
  type TraceBatch,
  type TraceExportFormat,
  type TraceReplay,
  MAX_REPLAY_EVENTS
} from '@shared/api'
import type { AgentCommand, Breakpoints } from '@shared/agent-protocol'
import {
  TRACE_FORMAT,
  TRACE_VERSION,
  type ExitEvent,
  type TraceEvent,
  type TraceHeader
} from '@shared/trace-types'
import { API_PARAM_SCHEMAS } from './api-schemas'
import { Batcher } from './batcher'
import { systemClock, type Clock } from './clock'
import { DEFAULT_PYTHON, Session } from './session'
import { readTraceFile, streamTraceFile, type TraceStreamEnd } from './trace-reader'
import { TraceWriter } from './trace-writer'
import { toChromeTrace } from '@shared/export/chrome-trace'
import { EXPORT_MIME, exportFileName } from '@shared/export/export-file'
import { checkInterpreter, discoverInterpreters } from './python-discovery'
import { RecentList, recentFilePath } from './recent-files'
import { RunConfigError, RunConfigStore } from './run-configs'
import { SettingsError, SettingsStore, hostPaths } from './settings'
import { AGENT_ENV } from '@shared/agent-protocol'
import type { RunConfigInput, Settings } from '@shared/settings-types'

export interface ApiTransport {
  sendBatch(b: TraceBatch): void
  sendStatus(s: SessionStatus): void
  /**
   * Bytes sent but not yet taken by the view, where the transport can tell (WebSocket).
   * Past a high mark the program's output is paused until the view catches up, so a flood
   * slows the program instead of filling memory or losing output.
   */
  backlog?(): number
  /**
   * Tells the view to read a saved trace itself, from a URL of this transport (the web
   * host serves it: see `traceFile`). A transport without it gets the trace as batches.
   */
  sendReplay?(r: TraceReplay): void
}

/** Where the web host serves the one saved trace the person opened (see ApiServer.traceFile). */
export const TRACE_FILE_PATH = '/trace-file/'

const BACKLOG_HIGH = 8 * 1024 * 1024
const BACKLOG_LOW = 1024 * 1024
const BACKLOG_POLL_MS = 20

export interface ApiServerOptions {
  kind: 'electron' | 'web'
  resourcesDir: string
  version: string
  initialScript?: string | null
  autoRun?: boolean
  python?: string
  pickScript?: () => Promise<string | null>
  saveFile?: (name: string, mime: string, data: Buffer) => Promise<string | null>
  traceDir?: string
  /** Oldest traces in traceDir are deleted past this total size. */
  traceDirMaxBytes?: number
  /** Program output kept in each trace file (the rest is counted in a notice). */
  traceOutputMaxBytes?: number
  clock?: Clock
  /** Settings, run configurations and the recent list live here (Electron: userData). */
  dataDir?: string
  /** Start every run held before its first tick (`--pause-at-start`), whatever the settings say. */
  pauseAtStart?: boolean
  /** Native picker for an interpreter (Electron); absent in the web host. */
  pickPython?: () => Promise<string | null>
}

const MAX_REMEMBERED_TRACES = 100
const REPLAY_BATCH_EVENTS = 50_000
/**
 * A kept trace has an empty marker file beside it, `<trace>.keep`: creating or removing one
 * file is all-or-nothing, and a marker is never half-written the way a shared list could be.
 */
const KEEP_SUFFIX = '.keep'
/**
 * How long an interpreter found usable is trusted without probing it again (a probe runs
 * Python: 100–500 ms). The file must also be unchanged, so a replaced interpreter is re-probed.
 */
const PROBE_REUSE_MS = 10_000

/** A refused call: the message is meant for the person who made it. */
export class ApiError extends Error {}

interface Active {
  session: Session
  batcher: Batcher
  writer: TraceWriter
}

export class ApiServer {
  private readonly transports = new Set<ApiTransport>()
  private active: Active | null = null
  /** A saved trace still being read and replayed. */
  private replay: { id: number; cancel(): void; pause(): void; resume(): void } | null = null
  /** The saved trace the views may fetch (web host), under an unguessable name, until the next session. */
  private traceGrant: { name: string; path: string } | null = null
  private nextSessionId = 1
  private breakpoints: Breakpoints | null = null
  private disposed = false
  private outputPaused = false
  private readonly clock: Clock
  readonly settings: SettingsStore
  private readonly tracePaths = new Map<number, string>()
  /** Interpreters found usable lately, so Run again does not probe Python every time. */
  private readonly probed = new Map<string, { at: number; python: string; stamp: string | null }>()
  readonly runConfigs: RunConfigStore
  readonly recent: RecentList
  /** Where the traces of runs are saved. */
  readonly traceDir: string

  constructor(private readonly opts: ApiServerOptions) {
    this.clock = opts.clock ?? systemClock
    const paths = hostPaths()
    const dataDir = opts.dataDir ?? paths.dataDir
    this.traceDir = opts.traceDir ?? paths.traceDir
    this.settings = new SettingsStore(dataDir)
    this.runConfigs = new RunConfigStore(dataDir)
    this.recent = new RecentList(recentFilePath(dataDir))
  }

  /** The trace file of the current (or last) run. */
  get currentTracePath(): string | null {
    return this.active?.writer.path ?? null
  }

  subscribe(t: ApiTransport): () => void {
    this.transports.add(t)
    return () => this.transports.delete(t)
  }

  async handle(method: string, params: unknown[]): Promise<unknown> {
    if (this.disposed) throw new ApiError('Loopscope is shutting down.')
    if (!(API_METHODS as readonly string[]).includes(method))
      throw new ApiError(`Unknown method: ${String(method).slice(0, 100)}`)
    const name = method as ApiMethod
    const parsed = API_PARAM_SCHEMAS[name].safeParse(params)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new ApiError(
        `Bad parameters for ${name}: ${issue ? `${issue.path.join('.') || 'params'}: ${issue.message}` : 'invalid'}`
      )
    }
    const args = parsed.data as unknown[]
    switch (name) {
      case 'getInfo':
        return this.getInfo()
      case 'pickScript':
        return this.opts.pickScript ? this.opts.pickScript() : null
      case 'run':
        return this.run(args[0] as RunRequest)
      case 'stop':
        await this.active?.session.stop()
        return undefined
      case 'pause':
        return this.command(withLoop({ cmd: 'pause' }, args[0]))
      case 'resume':
        return this.command(withLoop({ cmd: 'resume' }, args[0]))
      case 'stepTick':
        return this.command(withLoop({ cmd: 'step-tick' }, args[0]))
      case 'stepCallback':
        return this.command(withLoop({ cmd: 'step-callback' }, args[0]))
      case 'setBreakpoints':
        this.breakpoints = args[0] as Breakpoints
        this.active?.session.send({ cmd: 'breakpoints', breakpoints: this.breakpoints })
        return undefined
      case 'writeStdin':
        if (!this.liveSession().writeStdin(args[0] as string))
          throw new ApiError('The program is not reading input any more.')
        return undefined
      case 'closeStdin':
        this.liveSession().closeStdin()
        return undefined
      case 'interrupt':
        this.liveSession().interrupt()
        return undefined
      case 'saveFile':
        return this.saveFile(args[0] as string, args[1] as string, args[2] as string)
      case 'openTrace':
        return this.openTrace(args[0] as string)
      case 'exportTrace':
        return this.exportTrace(args[0] as number, args[1] as TraceExportFormat)
      case 'keepTrace':
        return this.keepTrace(args[0] as number, args[1] as boolean)
      case 'getSettings': {
        const state = this.settings.state()
        // The run-configurations file is repaired the same way; its notice rides along once.
        const runNotice = this.runConfigs.notice
        this.runConfigs.notice = null
        return runNotice ? { ...state, notice: [state.notice, runNotice].filter(Boolean).join('\n') } : state
      }
      case 'updateSettings':
        return refuse(SettingsError, () => this.settings.update(args[0]))
      case 'listInterpreters':
        return discoverInterpreters({
          script: args[0] as string | null,
          explicit: (args[1] as string | null) ?? null
        })
      case 'pickPython':
        return this.opts.pickPython ? this.opts.pickPython() : null
      case 'getRunConfig':
        return this.runConfigs.get(args[0] as string)
      case 'saveRunConfig':
        return refuse(RunConfigError, () => this.runConfigs.save(args[0] as RunConfigInput))
      case 'getRecent':
        return this.recent.list()
      case 'clearRecent':
        this.recent.clear()
        return undefined
    }
  }

  getInfo(): HostInfo {
    return {
      kind: this.opts.kind,
      version: this.opts.version,
      platform: process.platform,
      initialScript: this.opts.initialScript ?? null,
      autoRun: this.opts.autoRun ?? false,
      examples: listExamples(join(this.opts.resourcesDir, 'examples'))
    }
  }

  /** Stops whatever runs (Run again restarts from scratch) and starts the program. */
  async run(request: RunRequest): Promise<SessionInfo> {
    let req: RunRequest
    try {
      req = await this.withDefaults(request)
    } catch (err) {
      if (!(err instanceof ApiError)) throw err
      return this.refuseRun(request, err.message)
    }
    // Breakpoints set before Run travel with the start, so they hold from the first tick.
    if (this.breakpoints) req.env = { ...req.env, [AGENT_ENV.breakpoints]: JSON.stringify(this.breakpoints) }
    await this.stopActive()
    const id = this.nextSessionId++
    const python = req.python || DEFAULT_PYTHON
    const started = new Date()
    this.pruneTraceDir()
    const writer = new TraceWriter(join(this.traceDir, traceFileName(started, req.script, id)), {
      host: { loopscope: this.opts.version, platform: process.platform },
      maxOutputBytes: this.opts.traceOutputMaxBytes,
      fallbackHeader: (): TraceHeader => ({
        type: 'header',
        format: TRACE_FORMAT,
        version: TRACE_VERSION,
        python: 'unknown',
        pid: 0,
        argv: [req.script, ...(req.args ?? [])],
        script: req.script,
        cwd: req.cwd ?? process.cwd(),
        started: started.toISOString()
      })
    })
    const batcher = new Batcher({ session: id, clock: this.clock, flush: (b) => this.pushBatch(b) })
    const session = new Session({
      id,
      request: { ...req, python },
      agentPath: join(this.opts.resourcesDir, 'agent', 'loopscope_launch.py'),
      clock: this.clock,
      handlers: {
        onHeader: (h) => {
          writer.header(h)
          batcher.setHeader(h)
        },
        onEvent: (e, line, source, at) => {
          writer.event(e, line, source, at)
          batcher.push(e, line, source, at)
        },
        onStatus: (s) => {
          if (s.state === 'exited') {
            const summary = writer.close()
            if (summary.error)
              batcher.push({ type: 'notice', t: 0, level: 'warning', message: summary.error })
          }
          // Events before a status change reach the view before it.
          batcher.flush()
          this.pushStatus(s)
          if (s.state === 'exited') batcher.close()
        }
      }
    })
    this.active = { session, batcher, writer }
    this.rememberTrace(id, writer.path)
    this.recent.add('script', req.script)
    // Started after this call returns, so the caller knows the session id before its
    // first status arrives.
    setImmediate(() => {
      if (this.active?.session === session && session.state === 'idle') this.startSession(session)
    })
    return { id, script: req.script, python, state: 'starting', kept: false }
  }

  /**
   * Replays a saved trace while it is still being read: events go out in large batches as
   * the file is parsed, so the view starts drawing at once instead of after the whole file.
   * Views that can read it themselves (the web host's pages, `sendReplay`) are instead told
   * where to fetch it. The call itself waits only for the first line that makes sense (the
   * header, or an event of a trace whose start is missing), so a file that is not a trace is
   * still refused.
   */
  async openTrace(path: string): Promise<SessionInfo> {
    // Events parsed before the replay's batcher exists wait here, in order.
    const early: [TraceEvent, string][] = []
    let into: ((e: TraceEvent, line: string) => void) | null = null
    let exit: ExitEvent | null = null
    let lastT = 0
    let firstHeader: TraceHeader | null = null
    let started = (): void => undefined
    const begun = new Promise<void>((resolve) => (started = resolve))
    const stream = streamTraceFile(
      path,
      {
        header: (h) => {
          firstHeader = h
          started()
        },
        event: (e, line) => {
          if (e.type === 'exit') exit = e
          lastT = e.t
          if (into) into(e, line)
          else early.push([e, line])
          started()
        }
      },
      { maxEvents: MAX_REPLAY_EVENTS }
    )
    let end: TraceStreamEnd | null
    try {
      end = await Promise.race([begun.then(() => null), stream.done])
    } catch (err) {
      throw new ApiError(`Cannot open trace ${path}: ${(err as Error).message}`)
    }
    if (end && !end.header && end.events === 0) {
      throw new ApiError(`${path} is not a Loopscope trace${end.message ? ` (${end.message})` : ''}.`)
    }
    // By the first event the header is settled: one after it would not count.
    const header = firstHeader as TraceHeader | null
    const viewsRead = [...this.transports].some((t) => t.sendReplay)
    // Nothing more is read while the last session stops: the views read it themselves, or
    // the replay below goes on once its batcher exists.
    if (viewsRead) stream.cancel()
    else stream.pause()
    await this.stopActive()
    this.recent.add('trace', path)
    const id = this.nextSessionId++
    this.rememberTrace(id, path)
    const info: SessionInfo = {
      id,
      script: header?.script ?? path,
      python: header?.python ?? '',
      state: 'exited',
      kept: this.isKept(path)
    }
    if (viewsRead) {
      // The views read it themselves: a browser fetches a file far faster than it takes in
      // the same bytes as WebSocket messages, and checks each line by the same rules.
      const grant = { name: randomBytes(18).toString('base64url'), path }
      this.traceGrant = grant
      this.replay = {
        id,
        cancel: () => {
          if (this.traceGrant === grant) this.traceGrant = null
          if (this.replay?.id === id) this.replay = null
        },
        pause: () => undefined,
        resume: () => undefined
      }
      const replay: TraceReplay = { session: id, url: TRACE_FILE_PATH + grant.name, name: basename(path) }
      setImmediate(() => {
        for (const t of this.transports) t.sendReplay?.(replay)
      })
      return info
    }
    let batcher: Batcher | null = null
    let finished = false
    const finish = (message: string | null): void => {
      if (finished) return
      finished = true
      if (this.replay?.id === id) this.replay = null
      if (batcher && message) batcher.push({ type: 'notice', t: lastT, level: 'warning', message })
      batcher?.close()
      const x = exit as ExitEvent | null
      this.pushStatus({
        session: id,
        state: 'exited',
        exitCode: x ? x.code : null,
        signal: x ? x.signal : null,
        message: message ?? undefined
      })
    }
    this.replay = {
      id,
      cancel: () => {
        stream.cancel()
        finish('Replaced by a new session before the trace finished loading.')
      },
      pause: () => stream.pause(),
      resume: () => stream.resume()
    }
    setImmediate(() => {
      if (finished) return
      this.pushStatus({ session: id, state: 'running' })
      // Few large batches let the views draw the trace a few times instead of once per small
      // batch as it grows (each draw walks what is there); no timer, so the pace of reading
      // the file does not cut them short.
      const replay = new Batcher({
        session: id,
        clock: this.clock,
        flush: (b) => {
          // Set on the batch itself: what its events arrived as is keyed by it (batchJson).
          b.progress = stream.progress()
          this.pushBatch(b)
        },
        maxEvents: REPLAY_BATCH_EVENTS,
        timed: false
      })
      batcher = replay
      if (header) replay.setHeader(header)
      for (const [e, line] of early) replay.push(e, line)
      early.length = 0
      into = (e, line) => replay.push(e, line)
      stream.resume()
      stream.done.then(
        (result) => {
          if (!result.cancelled) finish(result.message)
        },
        (err: unknown) => finish(`Trace reading stopped: ${(err as Error).message}`)
      )
    })
    return info
  }

  /**
   * The file behind a TRACE_FILE_PATH name: the saved trace the person opened last, while no
   * other session has started since; null for any other name. Nothing else is ever served.
   */
  traceFile(name: string): string | null {
    const grant = this.traceGrant
    if (!grant || name.length !== grant.name.length) return null
    return timingSafeEqual(Buffer.from(name), Buffer.from(grant.name)) ? grant.path : null
  }

  /**
   * A run that cannot start (no usable interpreter) still becomes a session that ends at
   * once, so the console shows why and the views leave the running state, exactly as for a
   * program that failed to start.
   */
  private async refuseRun(req: RunRequest, message: string): Promise<SessionInfo> {
    await this.stopActive()
    const id = this.nextSessionId++
    const t = 0
    this.pushBatch({ session: id, from: 0, events: [{ type: 'notice', t, level: 'error', message }] })
    this.pushStatus({ session: id, state: 'exited', exitCode: null, signal: null, message })
    return { id, script: req.script, python: req.python ?? '', state: 'exited' }
  }

  /**
   * Fills what the request leaves out: first from the script's remembered run
   * configuration, then from the settings; an interpreter nobody chose is the first usable
   * one discovery finds. A missing or too-old interpreter is refused here, saying what was
   * tried, before anything starts.
   */
  private async withDefaults(req: RunRequest): Promise<RunRequest> {
    const cfg = this.runConfigs.get(req.script)
    const settings: Settings = this.settings.get()
    const out: RunRequest = {
      ...req,
      args: req.args ?? cfg?.args,
      cwd: req.cwd ?? cfg?.cwd ?? dirname(req.script),
      env: { [AGENT_ENV.blockedMs]: String(settings.blockedThresholdMs), ...cfg?.env, ...req.env },
      pauseAtStart: req.pauseAtStart ?? (this.opts.pauseAtStart || settings.pauseAtStart),
      compat: req.compat ?? settings.legacyShims
    }
    // A --python given at launch is the more recent choice than a remembered one.
    const chosen = req.python || this.opts.python || cfg?.python
    const key = `${chosen ?? ''}\u0000${dirname(req.script)}`
    const cached = this.probed.get(key)
    if (
      cached &&
      this.clock.now() - cached.at < PROBE_REUSE_MS &&
      fileStamp(cached.python) === cached.stamp
    ) {
      out.python = cached.python
      return out
    }
    if (chosen) {
      const info = await checkInterpreter(chosen, { cwd: dirname(req.script) })
      if (!info.usable) throw new ApiError(`Python interpreter ${chosen} ${info.problem}`)
      out.python = info.path
    } else {
      const found = await discoverInterpreters({ script: req.script })
      if (!found.recommended) throw new ApiError(found.message ?? 'No usable Python interpreter was found.')
      out.python = found.recommended
    }
    this.probed.set(key, { at: this.clock.now(), python: out.python, stamp: fileStamp(out.python) })
    return out
  }

  async dispose(): Promise<void> {
    this.disposed = true
    await this.stopActive()
    this.transports.clear()
  }

  private async stopActive(): Promise<void> {
    this.replay?.cancel()
    const active = this.active
    if (!active) return
    if (active.session.state === 'idle') {
      // Never started (run() was called again in the same tick): nothing to stop.
      this.active = null
      active.batcher.close()
      active.writer.close()
      try {
        unlinkSync(active.writer.path)
      } catch {
        // Nothing was written worth keeping either way.
      }
      this.pushStatus({
        session: active.session.id,
        state: 'exited',
        exitCode: null,
        signal: null,
        message: 'Replaced by a new run before it started.'
      })
      return
    }
    await active.session.stop()
  }

  private command(cmd: AgentCommand): undefined {
    if (!this.liveSession().send(cmd)) throw new ApiError('No program is running.')
    return undefined
  }

  private liveSession(): Session {
    const session = this.active?.session
    // A call right after run() may come before the deferred start: start it now.
    if (session?.state === 'idle') this.startSession(session)
    if (!session || session.state === 'exited') throw new ApiError('No program is running.')
    return session
  }

  private startSession(session: Session): void {
    session.start()
    if (this.breakpoints) session.send({ cmd: 'breakpoints', breakpoints: this.breakpoints })
  }

  private rememberTrace(session: number, path: string): void {
    this.tracePaths.set(session, path)
    // Only recent sessions can be exported; older ones are in the trace folder.
    if (this.tracePaths.size > MAX_REMEMBERED_TRACES) {
      const oldest = this.tracePaths.keys().next()
      if (!oldest.done) this.tracePaths.delete(oldest.value)
    }
  }

  /** The host's recording, not the renderer's copy: the renderer need not keep raw events. */
  private async exportTrace(session: number, format: TraceExportFormat): Promise<SavedFile> {
    const path = this.tracePaths.get(session)
    if (!path) throw new ApiError(`Session ${session} has no trace to export.`)
    if (this.active?.writer.path === path) this.active.writer.flush()
    const result = await readTraceFile(path)
    if (!result.header && result.events.length === 0) throw new ApiError(`${path} holds no trace events.`)
    const data =
      format === 'ndjson'
        ? readFileSync(path)
        : Buffer.from(JSON.stringify(toChromeTrace(result.events, result.header)), 'utf8')
    return this.saveFile(exportFileName(result.header, format), EXPORT_MIME[format], data.toString('base64'))
  }

  /**
   * Marks or unmarks a trace in the trace folder. A trace opened from anywhere else is never
   * cleaned up, so keeping it changes nothing and it stays kept.
   */
  private keepTrace(session: number, keep: boolean): boolean {
    const path = this.tracePaths.get(session)
    if (!path) throw new ApiError(`Session ${session} has no trace to keep.`)
    if (!this.inTraceDir(path)) return true
    const marker = path + KEEP_SUFFIX
    if (keep) {
      if (!existsSync(path)) throw new ApiError(`The trace of session ${session} was already cleaned up.`)
      try {
        writeFileSync(marker, '')
      } catch (err) {
        throw new ApiError(`Cannot keep ${basename(path)}: ${(err as Error).message}`)
      }
    } else {
      try {
        unlinkSync(marker)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
          throw new ApiError(`Cannot stop keeping ${basename(path)}: ${(err as Error).message}`)
      }
    }
    return keep
  }

  private inTraceDir(path: string): boolean {
    return dirname(resolve(path)) === resolve(this.traceDir)
  }

  private isKept(path: string): boolean {
    return !this.inTraceDir(path) || existsSync(path + KEEP_SUFFIX)
  }

  private async saveFile(name: string, mime: string, base64: string): Promise<SavedFile> {
    if (this.opts.saveFile) {
      const path = await this.opts.saveFile(name, mime, Buffer.from(base64, 'base64'))
      return { path, name, mime }
    }
    // The browser saves it: the web host never writes where a page tells it to.
    return { path: null, data: base64, name, mime }
  }

  /**
   * Sends a batch to every transport. A client that falls behind (a slow page) holds up
   * where the events come from, so nothing piles up without bound: a live run's output and
   * events, or the reading of a trace being replayed, until the backlog has drained.
   */
  private pushBatch(b: TraceBatch): void {
    for (const t of this.transports) t.sendBatch(b)
    if (this.outputPaused || this.backlog() <= BACKLOG_HIGH) return
    const active = this.active
    const replay = this.replay
    let source: { pause(): void; resume(): void; current(): boolean }
    if (active && active.session.id === b.session) {
      const session = active.session
      source = {
        pause: () => session.pauseOutput(),
        resume: () => session.resumeOutput(),
        current: () => this.active?.session === session && session.state !== 'exited'
      }
    } else if (replay && replay.id === b.session) {
      source = { pause: replay.pause, resume: replay.resume, current: () => this.replay === replay }
    } else return
    this.outputPaused = true
    source.pause()
    const poll = (): void => {
      if (this.backlog() > BACKLOG_LOW && source.current()) {
        this.clock.setTimeout(poll, BACKLOG_POLL_MS)
        return
      }
      this.outputPaused = false
      source.resume()
    }
    this.clock.setTimeout(poll, BACKLOG_POLL_MS)
  }

  private backlog(): number {
    let most = 0
    for (const t of this.transports) most = Math.max(most, t.backlog?.() ?? 0)
    return most
  }

  private pushStatus(s: SessionStatus): void {
    for (const t of this.transports) t.sendStatus(s)
  }

  /**
   * Deletes the oldest traces until the rest fit under the cap. Kept traces are neither
   * deleted nor counted: the cap bounds what Loopscope keeps on its own, not what the person
   * chose to keep. A marker whose trace is gone (deleted by hand) goes too.
   */
  private pruneTraceDir(): void {
    const max = this.opts.traceDirMaxBytes ?? this.settings.get().traceRetentionMb * 1024 * 1024
    let files: { path: string; size: number; mtime: number }[]
    try {
      const names = new Set(readdirSync(this.traceDir))
      for (const n of names) {
        if (n.endsWith(KEEP_SUFFIX) && !names.has(n.slice(0, -KEEP_SUFFIX.length))) {
          try {
            unlinkSync(join(this.traceDir, n))
          } catch {
            // A stray marker costs nothing.
          }
        }
      }
      files = [...names]
        .filter((f) => f.endsWith('.ndjson') && !names.has(f + KEEP_SUFFIX))
        .map((f) => {
          const st = statSync(join(this.traceDir, f))
          return { path: join(this.traceDir, f), size: st.size, mtime: st.mtimeMs }
        })
    } catch {
      return
    }
    files.sort((a, b) => a.mtime - b.mtime)
    let total = files.reduce((n, f) => n + f.size, 0)
    for (const f of files) {
      if (total <= max) break
      try {
        unlinkSync(f.path)
        total -= f.size
      } catch {
        // A trace we cannot delete only costs disk space.
      }
    }
  }
}

/** A stepping command aimed at one loop when the caller named one, else at every loop. */
function withLoop<C extends { cmd: 'pause' | 'resume' | 'step-tick' | 'step-callback' }>(
  cmd: C,
  loop: unknown
): C & { loop?: number } {
  return typeof loop === 'number' ? { ...cmd, loop } : cmd
}

/** Runs `fn`, turning its own error class into an ApiError whose message reaches the person. */
function refuse<T>(kind: new (...a: never[]) => Error, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof kind) throw new ApiError(err.message)
    throw err
  }
}

/** Identity of a file's current content, cheaply: null when it is gone. */
function fileStamp(path: string): string | null {
  try {
    const st = statSync(path)
    return `${st.ino}:${st.size}:${st.mtimeMs}`
  } catch {
    return null
  }
}

function traceFileName(started: Date, script: string, id: number): string {
  const stamp = started.toISOString().replace(/[:.]/g, '-')
  const base =
    basename(script)
      .replace(/\.py$/, '')
      .replace(/[^A-Za-z0-9_-]/g, '_')
      .slice(0, 60) || 'script'
  return `${stamp}-${process.pid}-${id}-${base}.ndjson`
}

/** Bundled examples with the first line of each one's docstring as its description. */
export function listExamples(dir: string): ExampleInfo[] {
  let names: string[]
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.py'))
  } catch {
    return []
  }
  return names.sort().map((name) => {
    const path = join(dir, name)
    let description = ''
    try {
      description = docstringFirstLine(readFileSync(path, 'utf8'))
    } catch {
      // An unreadable example still lists, described by its name.
    }
    return {
      name,
      path,
      description: description || name.replace(/^\d+_/, '').replace(/\.py$/, '').replace(/_/g, ' ')
    }
  })
}

export function docstringFirstLine(source: string): string {
  for (const raw of source.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const m = /^[rRuU]?("""|'''|"|')(.*)$/.exec(line)
    if (!m) return ''
    const quote = m[1]
    const rest = m[2]
    const end = rest.indexOf(quote)
    return (end === -1 ? rest : rest.slice(0, end)).trim()
  }
  return ''
}
