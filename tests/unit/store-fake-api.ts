// A LoopscopeApi that plays a recorded trace back as a host would: a session id per run,
// events in batches through onBatch, statuses through onStatus. The stores under test see
// exactly the transport contract; nothing about them is stubbed.
import type {
  HostInfo,
  LoopscopeApi,
  MenuCommand,
  RunRequest,
  SavedFile,
  SessionInfo,
  SessionStatus,
  TraceBatch,
  TraceExportFormat
} from '../../src/shared/api'
import type { Breakpoints } from '../../src/shared/agent-protocol'
import {
  DEFAULT_SETTINGS,
  type InterpreterDiscovery,
  type RecentEntry,
  type RunConfig,
  type RunConfigInput,
  type Settings,
  type SettingsState
} from '../../src/shared/settings-types'
import { parseNdjson } from '../../src/shared/trace-model/ndjson'
import { fixtureText } from './model-helpers'

export class ReplayApi implements LoopscopeApi {
  readonly calls: { method: string; args: unknown[] }[] = []
  private batchCbs = new Set<(b: TraceBatch) => void>()
  private statusCbs = new Set<(s: SessionStatus) => void>()
  private menuCbs = new Set<(c: MenuCommand) => void>()
  private session = 0
  failWith: string | null = null

  constructor(
    private readonly fixture = 'model-recorded-welcome.ndjson',
    private readonly info: Partial<HostInfo> = {}
  ) {}

  private record(method: string, args: unknown[]): void {
    this.calls.push({ method, args })
    if (this.failWith) throw new Error(this.failWith)
  }

  async getInfo(): Promise<HostInfo> {
    return {
      kind: 'web',
      version: '0.1.0',
      platform: 'linux',
      initialScript: null,
      autoRun: false,
      examples: [],
      ...this.info
    }
  }
  async pickScript(): Promise<string | null> {
    return null
  }
  async run(req: RunRequest): Promise<SessionInfo> {
    this.record('run', [req])
    const id = ++this.session
    queueMicrotask(() => this.play(id))
    return { id, script: req.script, python: 'python3', state: 'running', kept: false }
  }
  /** Sends the fixture in batches of `size`, then the exit status. */
  play(id: number, size = 25): void {
    const { header, events } = parseNdjson(fixtureText(this.fixture))
    this.emitStatus({ session: id, state: 'running' })
    for (let from = 0; from < events.length; from += size) {
      this.emitBatch({
        session: id,
        from,
        events: events.slice(from, from + size),
        ...(from === 0 && header ? { header } : {})
      })
    }
    this.emitStatus({ session: id, state: 'exited', exitCode: 0, signal: null })
  }
  emitBatch(b: TraceBatch): void {
    for (const cb of this.batchCbs) cb(b)
  }
  emitStatus(s: SessionStatus): void {
    for (const cb of this.statusCbs) cb(s)
  }
  async stop(): Promise<void> {
    this.record('stop', [])
  }
  async pause(): Promise<void> {
    this.record('pause', [])
  }
  async resume(): Promise<void> {
    this.record('resume', [])
  }
  async stepTick(): Promise<void> {
    this.record('stepTick', [])
  }
  async stepCallback(): Promise<void> {
    this.record('stepCallback', [])
  }
  async setBreakpoints(bp: Breakpoints): Promise<void> {
    this.record('setBreakpoints', [bp])
  }
  async writeStdin(data: string): Promise<void> {
    this.record('writeStdin', [data])
  }
  async closeStdin(): Promise<void> {
    this.record('closeStdin', [])
  }
  async interrupt(): Promise<void> {
    this.record('interrupt', [])
  }
  async saveFile(name: string, mime: string, base64: string) {
    this.record('saveFile', [name, mime, base64])
    return { path: null, data: base64, name, mime }
  }
  // Settings, interpreters, run configurations and recent files: kept in memory, as a host
  // with an empty data folder would.
  private settings: Settings = { ...DEFAULT_SETTINGS }
  private configs = new Map<string, RunConfig>()
  private recent: RecentEntry[] = []
  /** What getSettings says about a settings file it had to repair, once. */
  settingsNotice: string | null = null
  async getSettings(): Promise<SettingsState> {
    const notice = this.settingsNotice
    this.settingsNotice = null
    return { settings: { ...this.settings }, notice }
  }
  async updateSettings(patch: Partial<Settings>): Promise<Settings> {
    this.record('updateSettings', [patch])
    this.settings = { ...this.settings, ...patch }
    return { ...this.settings }
  }
  async listInterpreters(): Promise<InterpreterDiscovery> {
    const python = {
      path: '/usr/bin/python3',
      source: 'path' as const,
      label: 'python3 on PATH',
      version: '3.11.2',
      usable: true,
      problem: null
    }
    return { interpreters: [python], recommended: python.path, tried: [python.path], message: null }
  }
  async pickPython(): Promise<string | null> {
    return null
  }
  async getRunConfig(script: string): Promise<RunConfig | null> {
    return this.configs.get(script) ?? null
  }
  async saveRunConfig(input: RunConfigInput): Promise<RunConfig> {
    this.record('saveRunConfig', [input])
    const cfg: RunConfig = {
      ...input,
      args: input.argsText.split(/\s+/).filter(Boolean),
      updatedAt: Date.now()
    }
    this.configs.set(input.script, cfg)
    return cfg
  }
  async getRecent(): Promise<RecentEntry[]> {
    return [...this.recent]
  }
  async clearRecent(): Promise<void> {
    this.recent = []
  }
  async exportTrace(session: number, format: TraceExportFormat): Promise<SavedFile> {
    this.record('exportTrace', [session, format])
    const data = btoa(fixtureText(this.fixture))
    return {
      path: null,
      data,
      name: `trace.${format === 'ndjson' ? 'ndjson' : 'trace.json'}`,
      mime: 'application/x-ndjson'
    }
  }
  /** Sessions whose trace is kept, as the host's markers would say. */
  readonly kept = new Set<number>()
  async keepTrace(session: number, keep: boolean): Promise<boolean> {
    this.record('keepTrace', [session, keep])
    if (session < 1 || session > this.session) throw new Error(`Session ${session} has no trace to keep.`)
    if (keep) this.kept.add(session)
    else this.kept.delete(session)
    return keep
  }
  async openTrace(path: string): Promise<SessionInfo> {
    this.record('openTrace', [path])
    const id = ++this.session
    queueMicrotask(() => this.play(id))
    return { id, script: path, python: '', state: 'exited', kept: false }
  }
  onBatch(cb: (b: TraceBatch) => void) {
    this.batchCbs.add(cb)
    return () => this.batchCbs.delete(cb)
  }
  onStatus(cb: (s: SessionStatus) => void) {
    this.statusCbs.add(cb)
    return () => this.statusCbs.delete(cb)
  }
  onReplay() {
    // The fake host replays through batches, as Electron does.
    return () => undefined
  }
  onMenu(cb: (c: MenuCommand) => void) {
    this.menuCbs.add(cb)
    return () => this.menuCbs.delete(cb)
  }
  emitMenu(c: MenuCommand): void {
    for (const cb of this.menuCbs) cb(c)
  }
  /** Paths Electron would reveal for dropped files (a browser reveals none). */
  readonly droppedPaths = new Map<unknown, string>()
  pathForFile(file: unknown): string | null {
    return this.droppedPaths.get(file) ?? null
  }
}
