// LoopscopeApi over the web host's WebSocket (`/ws` on the page's own host). The access
// token travels as the cookie the first page load set; a `?token=` still in the address is
// passed along too. Calls made while (re)connecting wait for the socket; a dropped socket
// fails the calls in flight with a clear message and reconnects with backoff.

import type {
  LoopscopeApi,
  MenuCommand,
  SessionStatus,
  TraceBatch,
  TraceReplay,
  Unsubscribe
} from '@shared/api'
import type { ApiMethod } from '@shared/api'
import { API_METHODS } from '@shared/api'
import type { WsClientMessage, WsServerMessage } from '@shared/ipc-channels'

export type ConnectionState = 'connecting' | 'open' | 'closed'

export interface ConnectionStatus {
  state: ConnectionState
  /** Why the connection is not open, in words a user can act on. */
  message: string | null
  /** Times the socket has (re)opened. */
  opens: number
}

interface Pending {
  resolve: (v: unknown) => void
  reject: (e: Error) => void
  method: ApiMethod
}

/** How long a call waits for a connection before it fails. */
const CONNECT_WAIT_MS = 15_000
const BACKOFF_MS = [250, 500, 1000, 2000, 4000]

export function webSocketUrl(loc: { protocol: string; host: string; search: string }): string {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws'
  const token = new URLSearchParams(loc.search).get('token')
  return `${scheme}://${loc.host}/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`
}

export class WebBridge {
  readonly api: LoopscopeApi
  private ws: WebSocket | null = null
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly waiting: { msg: WsClientMessage; timer: ReturnType<typeof setTimeout> }[] = []
  private readonly batchListeners = new Set<(b: TraceBatch) => void>()
  private readonly statusListeners = new Set<(s: SessionStatus) => void>()
  private readonly menuListeners = new Set<(c: MenuCommand) => void>()
  private readonly replayListeners = new Set<(r: TraceReplay) => void>()
  private readonly connectionListeners = new Set<(c: ConnectionStatus) => void>()
  private attempt = 0
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private disposed = false
  status: ConnectionStatus = { state: 'connecting', message: null, opens: 0 }

  constructor(
    private readonly url: string,
    private readonly makeSocket: (url: string) => WebSocket = (u) => new WebSocket(u)
  ) {
    const api = {} as Record<string, unknown>
    for (const m of API_METHODS) api[m] = (...params: unknown[]) => this.call(m, params)
    api.onBatch = (cb: (b: TraceBatch) => void): Unsubscribe => this.listen(this.batchListeners, cb)
    api.onStatus = (cb: (s: SessionStatus) => void): Unsubscribe => this.listen(this.statusListeners, cb)
    api.onReplay = (cb: (r: TraceReplay) => void): Unsubscribe => this.listen(this.replayListeners, cb)
    api.onMenu = (cb: (c: MenuCommand) => void): Unsubscribe => this.listen(this.menuListeners, cb)
    // A browser never reveals where a dropped file lives.
    api.pathForFile = (): string | null => null
    this.api = api as unknown as LoopscopeApi
    this.connect()
  }

  onConnection(cb: (c: ConnectionStatus) => void): Unsubscribe {
    cb(this.status)
    return this.listen(this.connectionListeners, cb)
  }

  dispose(): void {
    this.disposed = true
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer)
    this.ws?.close()
  }

  private listen<T>(set: Set<T>, cb: T): Unsubscribe {
    set.add(cb)
    return () => set.delete(cb)
  }

  private setStatus(state: ConnectionState, message: string | null): void {
    this.status = { state, message, opens: this.status.opens + (state === 'open' ? 1 : 0) }
    for (const cb of this.connectionListeners) cb(this.status)
  }

  private connect(): void {
    if (this.disposed) return
    let ws: WebSocket
    try {
      ws = this.makeSocket(this.url)
    } catch (e) {
      this.setStatus('closed', `Cannot open a connection to the Loopscope host: ${(e as Error).message}`)
      this.scheduleReconnect()
      return
    }
    this.ws = ws
    ws.onopen = () => {
      this.attempt = 0
      this.setStatus('open', null)
      const queued = this.waiting.splice(0)
      for (const q of queued) {
        clearTimeout(q.timer)
        ws.send(JSON.stringify(q.msg))
      }
    }
    ws.onmessage = (ev) => this.receive(ev.data)
    ws.onclose = (ev) => {
      if (this.ws !== ws) return
      this.ws = null
      const reason = ev.reason ? ` (${ev.reason})` : ''
      const message =
        this.status.opens === 0 && this.status.state !== 'open'
          ? `Cannot reach the Loopscope host at ${this.url.replace(/\?.*/, '')}${reason}. Is \`loopscope serve\` still running, and did you open the URL it printed (it carries the access token)?`
          : `Lost the connection to the Loopscope host${reason}; reconnecting…`
      for (const [id, p] of this.pending) {
        this.pending.delete(id)
        p.reject(new Error(`${p.method}: the connection to the Loopscope host was lost`))
      }
      this.setStatus('closed', message)
      this.scheduleReconnect()
    }
  }

  private scheduleReconnect(): void {
    if (this.disposed || this.reconnectTimer) return
    const delay = BACKOFF_MS[Math.min(this.attempt++, BACKOFF_MS.length - 1)]
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      if (this.status.state !== 'open') this.status = { ...this.status, state: 'connecting' }
      this.connect()
    }, delay)
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return
    let msg: WsServerMessage
    try {
      msg = JSON.parse(data) as WsServerMessage
    } catch {
      return
    }
    if ('push' in msg) {
      if (msg.push === 'batch') for (const cb of this.batchListeners) cb(msg.payload as TraceBatch)
      else if (msg.push === 'status') for (const cb of this.statusListeners) cb(msg.payload as SessionStatus)
      else if (msg.push === 'replay') for (const cb of this.replayListeners) cb(msg.payload as TraceReplay)
      else if (msg.push === 'menu') for (const cb of this.menuListeners) cb(msg.payload as MenuCommand)
      return
    }
    const p = this.pending.get(msg.id)
    if (!p) return
    this.pending.delete(msg.id)
    if (msg.error !== undefined) p.reject(new Error(msg.error))
    else p.resolve(msg.result)
  }

  private call(method: ApiMethod, params: unknown[]): Promise<unknown> {
    const id = this.nextId++
    const msg: WsClientMessage = { id, method, params }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method })
      if (this.ws && this.ws.readyState === WebSocket.OPEN) {
        this.ws.send(JSON.stringify(msg))
        return
      }
      const timer = setTimeout(() => {
        const i = this.waiting.findIndex((w) => w.msg.id === id)
        if (i >= 0) this.waiting.splice(i, 1)
        this.pending.delete(id)
        reject(
          new Error(
            `${method}: not connected to the Loopscope host${this.status.message ? ` — ${this.status.message}` : ''}`
          )
        )
      }, CONNECT_WAIT_MS)
      this.waiting.push({ msg, timer })
    })
  }
}
