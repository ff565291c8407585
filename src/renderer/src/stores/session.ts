// The session: what the host is, which script, whether it runs, and the commands the
// toolbar sends. Batches go to the trace store; statuses land here.

import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { HostInfo, LoopscopeApi, MenuCommand, SavedFile, SessionState, SessionStatus } from '@shared/api'
import { exportBaseName, offerDownload, renderTraceImage, textToBase64 } from '../export-files'
import { useTraceStore } from './trace'

export type ViewState = 'idle' | 'starting' | 'running' | 'paused' | 'exited'

export const useSessionStore = defineStore('session', () => {
  let api: LoopscopeApi | null = null
  const unsubscribers: (() => void)[] = []
  const info = shallowRef<HostInfo | null>(null)
  const scriptPath = ref('')
  const argsText = ref('')
  const status = shallowRef<SessionStatus>({ session: 0, state: 'idle' })
  const busy = ref(false)
  const lastError = ref<string | null>(null)
  /** Events per second, sampled once a second. */
  const eventsPerSec = ref(0)
  let rateTimer: ReturnType<typeof setInterval> | null = null
  let lastCount = 0

  const trace = useTraceStore()

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
  const isWeb = computed(() => info.value?.kind === 'web')
  const pythonVersion = computed(() => trace.header?.python ?? null)

  async function init(withApi: LoopscopeApi): Promise<void> {
    api = withApi
    unsubscribers.push(api.onBatch((b) => trace.ingestBatch(b)))
    unsubscribers.push(api.onStatus((s) => onStatus(s)))
    unsubscribers.push(api.onMenu((c) => void onMenu(c)))
    rateTimer = setInterval(sampleRate, 1000)
    try {
      info.value = await api.getInfo()
    } catch (e) {
      lastError.value = (e as Error).message
      return
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
    const n = trace.version
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
        await command('Open trace', (a) => a.openTrace(c.path))
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
        return exportImage(c.format)
      case 'export-trace':
        return exportTrace()
    }
  }

  /** Opens a file dropped on the window (Electron knows its path; a browser does not). */
  async function openDropped(file: File): Promise<void> {
    const path = api?.pathForFile(file) ?? null
    if (!path) {
      trace.notice(`cannot open a dropped file here: type its path in "Script path" instead`, 'warning')
      return
    }
    scriptPath.value = path
    await run()
  }

  async function exportImage(format: 'png' | 'svg'): Promise<void> {
    try {
      const data = renderTraceImage(trace.model, format, trace.viewWindow)
      const mime = format === 'png' ? 'image/png' : 'image/svg+xml'
      const saved = await save(`${exportBaseName(trace.model)}.${format}`, mime, data)
      if (saved) {
        offerDownload(saved)
        trace.notice(saved.path ? `image saved to ${saved.path}` : `image ${saved.name} downloaded`)
      }
    } catch (e) {
      trace.notice(`Export image failed: ${(e as Error).message}`, 'error')
    }
  }

  async function exportTrace(): Promise<void> {
    const data = textToBase64(trace.exportTraceText())
    const saved = await save(`${exportBaseName(trace.model)}.ndjson`, 'application/x-ndjson', data)
    if (saved) {
      offerDownload(saved)
      trace.notice(saved.path ? `trace saved to ${saved.path}` : `trace ${saved.name} downloaded`)
    }
  }

  function onStatus(s: SessionStatus): void {
    if (status.value.session && s.session < status.value.session) return
    status.value = s
    if (s.state !== 'running') pauseRequested.value = false
    if (s.message)
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
      if (/\.(ndjson|jsonl)$/i.test(script)) {
        await command('Open trace', (a) => a.openTrace(script))
        return
      }
      await command('Run', async (a) => {
        const session = await a.run({
          script,
          args: parseArgs(argsText.value),
          pauseAtStart: opts.pauseAtStart
        })
        // Batches of the new session may have arrived (and reset the trace) already.
        if (trace.sessionId !== session.id) trace.reset(session.id)
        if (session.id > status.value.session) status.value = { session: session.id, state: session.state }
      })
    } finally {
      busy.value = false
    }
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
  const stop = (): Promise<boolean> => command('Stop', (a) => a.stop())
  async function pause(): Promise<boolean> {
    pauseRequested.value = true
    const ok = await command('Pause', (a) => a.pause())
    if (!ok) pauseRequested.value = false
    return ok
  }
  async function resume(): Promise<boolean> {
    pauseRequested.value = false
    return command('Resume', (a) => a.resume())
  }

  async function stepTick(): Promise<void> {
    if (!isLive.value) return run({ pauseAtStart: true })
    await command('Step tick', (a) => a.stepTick())
  }

  async function stepCallback(): Promise<void> {
    if (!isLive.value) return run({ pauseAtStart: true })
    await command('Step callback', (a) => a.stepCallback())
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
    exportImage,
    exportTrace,
    openDropped,
    sampleRate
  }
})
