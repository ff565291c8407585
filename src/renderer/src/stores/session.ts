// The session: what the host is, which script, whether it runs, and the commands the
// toolbar sends. Batches go to the trace store; statuses land here.

import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import type {
  HostInfo,
  LoopscopeApi,
  MenuCommand,
  SavedFile,
  SessionInfo,
  SessionState,
  SessionStatus,
  TraceReplay,
  TraceExportFormat
} from '@shared/api'
import { MAX_REPLAY_EVENTS } from '@shared/api'
import type { Breakpoints } from '@shared/agent-protocol'
import type { TraceEvent, TraceHeader } from '@shared/trace-types'
import { readHere, type PieceSource, type TraceInput } from '../trace-reading/read-here'
import { ReadProgress } from '../trace-reading/read-progress'
import { buildInWorker, type WorkerBuild } from '../trace-reading/worker-build'
import { useTraceStore } from './trace'
import { useUiStore } from './ui'
import { useSettingsStore } from './settings'

/** Paths the app opens as saved traces rather than running them. */
export const TRACE_FILE = /\.(ndjson|jsonl)$/i
/** Lines parsed at a time, and events per batch, when a trace read in the page is replayed. */
const LOCAL_BATCH = 4000
/**
 * Lines the reader worker parses before it applies them. Fewer parsed events then outlive a
 * young-generation collection and are moved to the old one, whose growth is memory the
 * worker writes for the first time (see docs/performance.md, tenth session): at 4,000 the
 * worker took 36-41 k page faults opening the 1 M-event synthetic trace, at 1,000 30-34 k.
 */
const WORKER_PIECE = 1000
/**
 * Parsed events a trace reader lets wait for the model before it waits till half are
 * applied. Few: parsed events that wait long outlive the young generation, and copying
 * them there costs more than parsing them; and a task parses at most this many.
 */
const READ_AHEAD_EVENTS = 8000

export type ViewState = 'idle' | 'starting' | 'running' | 'paused' | 'exited'

/** A trace being read in the page (see replayTrace). */
interface Reading {
  id: number
  /** Stop asked to end it. */
  stopped: boolean
  /** Ends it with what has been read (the reader worker's model); nothing for a read on the page. */
  stop?: () => void
  /** How much of the file the views will show once it is in, 0 to 1; null when its size is not known. */
  fraction(): number | null
  /** Events taken in so far. */
  events(): number
}

/** How a read of a saved trace in the page ended (see replayTrace). */
interface ReplayEnd {
  header: TraceHeader | null
  message: string | null
  /** Why reading failed, worded for the console, or null. */
  failed: string | null
  stopped: boolean
  cut: boolean
}

export const useSessionStore = defineStore('session', () => {
  let api: LoopscopeApi | null = null
  const unsubscribers: (() => void)[] = []
  const info = shallowRef<HostInfo | null>(null)
  const scriptPath = ref('')
  const argsText = ref('')
  const status = shallowRef<SessionStatus>({ session: 0, state: 'idle' })
  const busy = ref(false)
  const lastError = ref<string | null>(null)
  /** The host's word on whether a session's trace is kept; only sessions with a trace have one. */
  const traceKeep = shallowRef<{ session: number; kept: boolean } | null>(null)
  /** Whether the current session's trace is kept; null when it has no trace on the host. */
  const traceKept = computed<boolean | null>(() => {
    const k = traceKeep.value
    return k && k.session === status.value.session ? k.kept : null
  })
  /** Events per second, sampled once a second. */
  const eventsPerSec = ref(0)
  let rateTimer: ReturnType<typeof setInterval> | null = null
  let lastCount = 0

  const trace = useTraceStore()
  const ui = useUiStore()
  const settingsStore = useSettingsStore()
  /** What the agent holds on; sent to the host, which applies it to every run. */
  const breakpoints = ref<Breakpoints>({})

  const state = computed<ViewState>(() => {
    void trace.version
    const s: SessionState = status.value.state
    if (s === 'running' && trace.model.paused) return 'paused'
    if (s === 'paused') return 'paused'
    return s
  })
  const isLive = computed(
    () => state.value === 'running' || state.value === 'paused' || state.value === 'starting'
  )
  /** The trace being read in the page now (see replayTrace). */
  const reading = shallowRef<Reading | null>(null)
  /** Bumped at each progress report of a trace read in the reader worker. */
  const readTick = ref(0)
  /**
   * How much of the saved trace being read in the views show, 0 to 1 (null when its size is
   * not known, or when none is being read): the status bar's percentage. Read in the page, as
   * its reader says; replayed by the host (Electron), as far into the file as its last batch.
   */
  const readFraction = computed(() => {
    void trace.version
    void readTick.value
    const r = reading.value
    if (r) return r.fraction()
    const p = trace.fileProgress
    if (!replaying.value || !p || p.total === null || !(p.total > 0)) return null
    return Math.min(1, p.read / p.total)
  })
  /**
   * True while a saved trace is read in (by the page, or by the host in Electron): no program
   * runs, so there is nothing to pause or step.
   */
  const replaying = computed(
    () => isLive.value && (reading.value !== null || TRACE_FILE.test(scriptPath.value.trim()))
  )
  const isWeb = computed(() => info.value?.kind === 'web')
  const pythonVersion = computed(() => trace.header?.python ?? null)

  async function init(withApi: LoopscopeApi): Promise<void> {
    api = withApi
    unsubscribers.push(api.onBatch((b) => trace.ingestBatch(b)))
    unsubscribers.push(api.onStatus((s) => onStatus(s)))
    unsubscribers.push(api.onReplay((r) => void readHostTrace(r)))
    unsubscribers.push(api.onMenu((c) => void onMenu(c)))
    rateTimer = setInterval(sampleRate, 1000)
    try {
      info.value = await api.getInfo()
    } catch (e) {
      lastError.value = (e as Error).message
      return
    }
    try {
      const notice = await settingsStore.load(api)
      if (notice) trace.notice(notice, 'warning')
    } catch (e) {
      trace.notice(`Settings could not be read: ${(e as Error).message}`, 'warning')
    }
    const initial = info.value.initialScript
    if (initial) {
      scriptPath.value = initial
      if (info.value.autoRun) await run()
    }
  }

  function dispose(): void {
    for (const u of unsubscribers.splice(0)) u()
    if (rateTimer) clearInterval(rateTimer)
  }

  function sampleRate(): void {
    // Events applied, not the views' published count: that follows a trace being read in
    // only twice a second, which made this rate jump between nothing and twice the truth.
    const n = reading.value?.events() ?? trace.model.eventCount
    eventsPerSec.value = n >= lastCount ? n - lastCount : n
    lastCount = n
  }

  async function onMenu(c: MenuCommand): Promise<void> {
    switch (c.action) {
      case 'open-script':
        scriptPath.value = c.path
        argsText.value = (c.args ?? []).map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ')
        if (c.autoRun) await run()
        return
      case 'open-trace':
        await openTrace(c.path)
        return
      case 'run':
        return run()
      case 'stop':
        await stop()
        return
      case 'pause':
        await pause()
        return
      case 'resume':
        await resume()
        return
      case 'step-tick':
        return stepTick()
      case 'step-callback':
        return stepCallback()
      case 'export-image':
        ui.openExport(c.format)
        return
      case 'export-trace':
        ui.openExport('ndjson')
        return
      case 'settings':
        ui.settingsOpen = true
        return
      case 'run-config':
        ui.runConfigOpen = true
        return
    }
  }

  /**
   * Opens a file dropped on the window. Electron knows its path: a trace opens through the
   * host, a script is loaded ready to run. A browser never reveals the path, so a trace is
   * read here and replayed into the store; a script cannot be run that way.
   */
  async function openDropped(file: File): Promise<void> {
    const path = api?.pathForFile(file) ?? null
    const isTrace = TRACE_FILE.test(file.name)
    if (path) {
      if (isTrace) await openTrace(path)
      else openScript(path)
      return
    }
    if (isTrace) {
      await openLocalTrace(file)
      return
    }
    const message = /\.py$/i.test(file.name)
      ? `A browser does not tell Loopscope where a dropped file lives: type the path of ${file.name} in "Script path" instead.`
      : `${file.name} is neither a Python script nor a Loopscope trace (.ndjson).`
    lastError.value = message
    trace.notice(message, 'warning')
  }

  /** Loads a script ready to run (F5), as a shell launch without --run does. */
  function openScript(path: string): void {
    scriptPath.value = path
    argsText.value = ''
    trace.notice(`Opened ${path}: press Run (F5) to start it, or Step tick (F10) to start it held.`)
  }

  async function openTrace(path: string): Promise<void> {
    scriptPath.value = path
    busy.value = true
    try {
      await command('Open trace', async (a) => noteTrace(await a.openTrace(path)))
    } finally {
      busy.value = false
    }
  }

  /** A session id after every one seen, yet below the host's next: its batches stay newer. */
  function localSessionId(): number {
    const seen = Math.max(status.value.session, trace.sessionId ?? 0)
    return seen + (Math.floor(seen) + 1 - seen) / 2
  }

  /** Replays a trace file read in the page through the same ingest path as the host's batches. */
  async function openLocalTrace(file: Blob & { name?: string }): Promise<void> {
    const id = localSessionId()
    trace.reset(id)
    trace.localSource = markRaw(file)
    await replayTrace(id, { file }, file.name ?? 'the dropped trace')
    if (trace.sessionId === id) scriptPath.value = ''
  }

  /** A saved trace the host asked the view to read itself (the web host serves it). */
  async function readHostTrace(r: TraceReplay): Promise<void> {
    if (trace.sessionId !== null && r.session < trace.sessionId) return
    trace.reset(r.session)
    const url = new URL(r.url, globalThis.location?.href ?? 'http://localhost/').href
    await replayTrace(r.session, { url }, r.name)
  }

  /**
   * Opens a saved trace read in the page as session `id`: the reader worker reads it into a
   * model of its own and the views take that over once it is in; where no worker can read it,
   * this thread reads it and applies it a piece at a time. Says "exited" only once every
   * event is in.
   */
  async function replayTrace(id: number, input: TraceInput, name: string): Promise<void> {
    lastError.value = null
    status.value = { session: id, state: 'running' }
    const build = buildInWorker(input, WORKER_PIECE, MAX_REPLAY_EVENTS)
    let end = build ? await replayBuilt(id, build, name) : null
    if (end === 'gone') return
    end ??= await replayPieces(id, readHere(input, LOCAL_BATCH), name)
    if (end === 'gone') return
    const { header, message, failed, stopped, cut } = end
    if (failed) trace.notice(failed, 'error')
    if (failed && trace.model.eventCount === 0 && !header) {
      // Nothing could be read at all (the host refused the file, say): the run ends on that.
      lastError.value = failed
      status.value = { session: id, state: 'exited', exitCode: null, signal: null, message: failed }
      return
    }
    if (!header && trace.model.eventCount === 0 && !stopped) {
      const text = `${name} is not a Loopscope trace${message ? ` (${message})` : ''}.`
      lastError.value = text
      trace.notice(text, 'error')
    } else if (message) {
      trace.notice(message, 'warning')
    }
    if (stopped) trace.notice(`Stopped reading ${name}: what was read before Stop is shown.`, 'warning')
    if (cut)
      trace.notice(`Trace has more than ${MAX_REPLAY_EVENTS} events; the rest were not loaded`, 'warning')
    const exit = trace.model.exit
    status.value = {
      session: id,
      state: 'exited',
      exitCode: exit?.code ?? null,
      signal: exit?.signal ?? null
    }
  }

  /**
   * A trace read in the reader worker, its model taken over by the views once it is in; null
   * where the worker could not read it (the caller reads it here), 'gone' when a newer session
   * replaced it meanwhile.
   */
  async function replayBuilt(
    id: number,
    build: WorkerBuild,
    name: string
  ): Promise<ReplayEnd | 'gone' | null> {
    const p = build.progress
    const me: Reading = {
      id,
      stopped: false,
      stop: () => build.stop(),
      fraction: () => (p.total !== null && p.total > 0 ? Math.min(1, p.read / p.total) : null),
      events: () => p.events
    }
    reading.value = me
    build.onProgress = () => {
      if (trace.sessionId !== id) build.cancel()
      else readTick.value++
    }
    const built = await build.done
    if (reading.value === me) reading.value = null
    if (trace.sessionId !== id) return 'gone'
    if (!built) {
      // Stopped before the worker could hand anything over: there is nothing to show.
      return me.stopped ? { header: null, message: null, failed: null, stopped: true, cut: false } : null
    }
    trace.adopt(id, built.model)
    return {
      header: built.header,
      message: built.message,
      failed: built.error && `Reading ${name} failed: ${built.error}`,
      stopped: built.stopped,
      cut: built.cut
    }
  }

  /**
   * A trace read on this thread (a piece of checked events at a time: see PieceSource) and
   * applied through the same ingest path as the host's batches, the reading paced by how fast
   * the model takes the events in; 'gone' when a newer session replaced it meanwhile.
   */
  async function replayPieces(id: number, source: PieceSource, name: string): Promise<ReplayEnd | 'gone'> {
    const progress = new ReadProgress()
    const me: Reading = {
      id,
      stopped: false,
      fraction: () => progress.fraction(trace.model.queued),
      events: () => trace.model.eventCount
    }
    reading.value = me
    let from = 0
    let header: TraceHeader | null = null
    let cut = false
    let failed: string | null = null
    const send = (all: TraceEvent[]): void => {
      if (header) {
        trace.ingestBatch({ session: id, from, events: [], header })
        header = null
      }
      let events = all
      if (from + events.length > MAX_REPLAY_EVENTS) {
        events = events.slice(0, Math.max(0, MAX_REPLAY_EVENTS - from))
        cut = true
      }
      trace.ingestBatch({ session: id, from, events })
      from += events.length
    }
    trace.setLoading(true)
    try {
      for (;;) {
        // Parsed events wait as objects until applied: take the next piece only when few
        // are waiting, yet before none are, so the model always has work.
        if (trace.model.queued >= READ_AHEAD_EVENTS) await trace.whenQueuedAtMost(READ_AHEAD_EVENTS / 2)
        if (trace.sessionId !== id) {
          await source.cancel()
          return 'gone'
        }
        if (me.stopped) {
          await source.cancel()
          break
        }
        const piece = await source.next()
        if (trace.sessionId !== id) {
          await source.cancel()
          return 'gone'
        }
        if (!piece) break
        header ??= piece.header
        const sentBefore = from
        send(piece.events)
        progress.piece(from - sentBefore, source.progress.read, source.progress.total)
        if (cut) {
          await source.cancel()
          break
        }
      }
    } catch (e) {
      failed = `Reading ${name} failed: ${(e as Error).message}`
    } finally {
      if (reading.value === me) reading.value = null
    }
    await trace.whenDrained()
    if (trace.sessionId !== id) return 'gone'
    trace.setLoading(false)
    return { header: source.header, message: source.message, failed, stopped: me.stopped, cut }
  }

  /**
   * The trace of the current session as a file: the host's own recording (a download in the
   * web host, a native Save dialog in Electron), or the file read in the page.
   */
  async function exportTraceFile(format: TraceExportFormat): Promise<SavedFile | null> {
    const id = trace.sessionId
    if (id === null) return null
    let saved: SavedFile | null = null
    const ok = await command('Export trace', async (a) => {
      saved = await a.exportTrace(id, format)
    })
    return ok ? saved : null
  }

  function onStatus(s: SessionStatus): void {
    if (status.value.session && s.session < status.value.session) return
    status.value = s
    if (s.state !== 'running') pauseRequested.value = false
    // A reopened trace's problem arrives both as a notice in its events and with its status.
    if (s.message && !trace.hasRecentNotice(s.message))
      trace.notice(s.message, s.state === 'exited' && (s.exitCode ?? 0) !== 0 ? 'warning' : 'info')
  }

  async function command(name: string, fn: (a: LoopscopeApi) => Promise<unknown>): Promise<boolean> {
    if (!api) return false
    lastError.value = null
    try {
      await fn(api)
      return true
    } catch (e) {
      const message = `${name} failed: ${(e as Error).message}`
      lastError.value = message
      trace.notice(message, 'error')
      return false
    }
  }

  function parseArgs(text: string): string[] {
    const out: string[] = []
    const re = /"([^"]*)"|'([^']*)'|(\S+)/g
    let m: RegExpExecArray | null
    while ((m = re.exec(text))) out.push(m[1] ?? m[2] ?? m[3])
    return out
  }

  async function run(opts: { pauseAtStart?: boolean } = {}): Promise<void> {
    const script = scriptPath.value.trim()
    if (!script) {
      lastError.value = 'Choose a script to run first.'
      return
    }
    busy.value = true
    try {
      if (TRACE_FILE.test(script)) {
        await command('Open trace', async (a) => noteTrace(await a.openTrace(script)))
        return
      }
      // Arguments typed here override the script's run configuration; none typed leaves it to
      // the host, as do pause-at-start and the legacy shims (the settings decide them).
      const args = argsText.value.trim() ? parseArgs(argsText.value) : undefined
      await command('Run', async (a) => {
        const session = await a.run({
          script,
          args,
          pauseAtStart: opts.pauseAtStart
        })
        // Batches of the new session may have arrived (and reset the trace) already.
        if (trace.sessionId !== session.id) trace.reset(session.id)
        if (session.id > status.value.session) status.value = { session: session.id, state: session.state }
        noteTrace(session)
      })
    } finally {
      busy.value = false
    }
  }

  function noteTrace(s: SessionInfo): void {
    traceKeep.value = s.kept === undefined ? null : { session: s.id, kept: s.kept }
  }

  /** Spares the current session's trace from the trace folder's cleanup, or lets it go again. */
  async function toggleKeep(): Promise<boolean> {
    const current = traceKeep.value
    if (!current || current.session !== status.value.session) return false
    return command('Keep trace', async (a) => {
      const kept = await a.keepTrace(current.session, !current.kept)
      if (traceKeep.value?.session === current.session) traceKeep.value = { session: current.session, kept }
    })
  }

  async function open(): Promise<void> {
    if (!api) return
    if (isWeb.value) return
    const path = await api.pickScript().catch((e: Error) => {
      lastError.value = e.message
      return null
    })
    if (path) {
      scriptPath.value = path
      await run()
    }
  }

  /** Pause asked for and not yet in effect (a blocked loop holds only when the callback returns). */
  const pauseRequested = ref(false)
  /** Stop: a trace being read in the page stops being read; a run is stopped by the host. */
  const stop = async (): Promise<boolean> => {
    const r = reading.value
    if (r && r.id === trace.sessionId) {
      r.stopped = true
      r.stop?.()
      return true
    }
    return command('Stop', (a) => a.stop())
  }
  /** With several loops, stepping acts on the one the views follow; the others run on. */
  function targetLoop(): number | null {
    return trace.loopList.length > 1 ? trace.followedLoop : null
  }

  /** Says why a command for the program does nothing while a saved trace is read in. */
  function refuseWhileReplaying(what: string): boolean {
    if (!replaying.value) return false
    trace.notice(`${what}: a saved trace is being read, and no program runs to ${what.toLowerCase()}.`)
    return true
  }

  async function pause(): Promise<boolean> {
    if (refuseWhileReplaying('Pause')) return false
    pauseRequested.value = true
    const ok = await command('Pause', (a) => a.pause(targetLoop()))
    if (!ok) pauseRequested.value = false
    return ok
  }
  async function resume(): Promise<boolean> {
    if (refuseWhileReplaying('Resume')) return false
    pauseRequested.value = false
    return command('Resume', (a) => a.resume(targetLoop()))
  }

  async function stepTick(): Promise<void> {
    if (!isLive.value) return run({ pauseAtStart: true })
    if (refuseWhileReplaying('Step')) return
    await command('Step tick', (a) => a.stepTick(targetLoop()))
  }

  async function stepCallback(): Promise<void> {
    if (!isLive.value) return run({ pauseAtStart: true })
    if (refuseWhileReplaying('Step')) return
    await command('Step callback', (a) => a.stepCallback(targetLoop()))
  }

  /** How many kinds of breakpoint are set, for the toolbar's badge. */
  const breakpointCount = computed(() => {
    const b = breakpoints.value
    return (
      (b.taskStep?.length ? 1 : 0) +
      [b.taskFailed, b.taskCancelled, b.timerFires, b.fdReady].filter(Boolean).length +
      (b.blockedMs ? 1 : 0)
    )
  })

  async function setBreakpoints(bp: Breakpoints): Promise<boolean> {
    breakpoints.value = bp
    return command('Set breakpoints', (a) => a.setBreakpoints(bp))
  }

  const writeStdin = (data: string): Promise<boolean> => command('Write to stdin', (a) => a.writeStdin(data))
  const closeStdin = (): Promise<boolean> => command('Close stdin', (a) => a.closeStdin())
  const interrupt = (): Promise<boolean> => command('Interrupt', (a) => a.interrupt())

  async function save(name: string, mime: string, base64: string): Promise<SavedFile | null> {
    let saved: SavedFile | null = null
    await command('Save', async (a) => {
      saved = await a.saveFile(name, mime, base64)
    })
    return saved
  }

  return {
    info,
    scriptPath,
    argsText,
    status,
    state,
    isLive,
    replaying,
    readFraction,
    isWeb,
    busy,
    pauseRequested,
    lastError,
    eventsPerSec,
    pythonVersion,
    init,
    dispose,
    run,
    open,
    stop,
    pause,
    resume,
    stepTick,
    stepCallback,
    writeStdin,
    closeStdin,
    interrupt,
    save,
    exportTraceFile,
    traceKept,
    toggleKeep,
    openDropped,
    openScript,
    openTrace,
    openLocalTrace,
    breakpoints,
    breakpointCount,
    setBreakpoints,
    sampleRate
  }
})
