// Serves the renderer to a browser over HTTP + WebSocket on 127.0.0.1. Whoever reaches it
// can run any script on this machine, so every request needs the per-run token, the
// WebSocket also needs our own Origin, and static files cannot leave the renderer folder.

import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, realpathSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, resolve, sep } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { MAX_CLIENT_MESSAGE_BYTES, type WsServerMessage } from '@shared/ipc-channels'
import type { TraceBatch } from '@shared/api'
import { TRACE_FILE_PATH, type ApiServer } from './api-server'
import { batchJson } from './batcher'

export const WS_PATH = '/ws'
export const TOKEN_COOKIE = 'loopscope_token'
const LOOPBACK = '127.0.0.1'
/** A client this far behind on pushes is too slow to follow; it is dropped, not buffered for. */
const MAX_CLIENT_BACKLOG_BYTES = 256 * 1024 * 1024

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8'
}

export interface WebHostOptions {
  api: ApiServer
  rendererDir: string
  /** 0 picks a free port. */
  port?: number
  /** Fixed token (tests); a random one otherwise. */
  token?: string
}

export interface WebHost {
  url: string
  origin: string
  port: number
  token: string
  close(): Promise<void>
}

export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const token = opts.token ?? randomBytes(24).toString('base64url')
  const rendererRoot = realpathSync(resolve(opts.rendererDir))
  let port = 0
  const allowedHosts = (): string[] => [`${LOOPBACK}:${port}`, `localhost:${port}`]

  const tokenOk = (candidate: string | null | undefined): boolean => {
    if (!candidate) return false
    const a = Buffer.from(candidate)
    const b = Buffer.from(token)
    return a.length === b.length && timingSafeEqual(a, b)
  }
  const requestToken = (req: IncomingMessage, url: URL): { query: string | null; cookie: string | null } => ({
    query: url.searchParams.get('token'),
    cookie: readCookie(req.headers.cookie, TOKEN_COOKIE)
  })

  const server = createServer((req, res) => {
    setCommonHeaders(res, port)
    const url = requestUrl(req)
    if (!url) return plain(res, 400, 'Bad request target.')
    if (!allowedHosts().includes(req.headers.host ?? '')) return plain(res, 421, 'Wrong Host header.')
    const t = requestToken(req, url)
    if (!t.query && !t.cookie)
      return plain(
        res,
        401,
        'Loopscope: open the URL printed by `loopscope serve`; it carries the access token.'
      )
    if (!tokenOk(t.query) && !tokenOk(t.cookie)) return plain(res, 403, 'Loopscope: wrong access token.')
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method not allowed.')
    if (t.query) {
      // Trade the token in the address for a cookie, so it leaves the address bar and history.
      url.searchParams.delete('token')
      res.setHeader('Set-Cookie', `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`)
      res.setHeader('Location', url.pathname + url.search)
      res.writeHead(302).end()
      return
    }
    if (url.pathname.startsWith(TRACE_FILE_PATH)) {
      const path = opts.api.traceFile(url.pathname.slice(TRACE_FILE_PATH.length))
      if (!path) return plain(res, 404, 'Not found.')
      return serveFile(path, 'application/x-ndjson; charset=utf-8', 'no-store', req, res)
    }
    serveStatic(rendererRoot, url.pathname, req, res)
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES })
  server.on('upgrade', (req, socket, head) => {
    const host = req.headers.host ?? ''
    const refuse = (code: number, text: string): void => {
      socket.end(`HTTP/1.1 ${code} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    const url = requestUrl(req)
    if (!url) return refuse(400, 'Bad Request')
    if (url.pathname !== WS_PATH) return refuse(404, 'Not Found')
    if (!allowedHosts().includes(host)) return refuse(421, 'Misdirected Request')
    // Browsers always send Origin on a WebSocket handshake; a page elsewhere sends its own.
    if (req.headers.origin !== `http://${host}`) return refuse(403, 'Forbidden')
    const t = requestToken(req, url)
    if (!tokenOk(t.query) && !tokenOk(t.cookie)) return refuse(401, 'Unauthorized')
    wss.handleUpgrade(req, socket, head, (ws) => serveClient(ws, opts.api))
  })

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, LOOPBACK, () => {
      server.off('error', reject)
      resolvePromise()
    })
  })
  port = (server.address() as AddressInfo).port
  const origin = `http://${LOOPBACK}:${port}`
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    close: async () => {
      for (const ws of wss.clients) ws.terminate()
      await new Promise<void>((r) => wss.close(() => r()))
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    }
  }
}

/**
 * The request target as a URL, or null when it is not one. The target is always taken as a
 * path on our origin: `//host/x` or `http://elsewhere/` must not be read as another host,
 * and a target the URL parser rejects must be refused, not throw out of the server.
 */
function requestUrl(req: IncomingMessage): URL | null {
  const target = req.url ?? '/'
  if (!target.startsWith('/')) return null
  try {
    return new URL(`http://${LOOPBACK}${target}`)
  } catch {
    return null
  }
}

/**
 * Each pushed batch serialized once, whatever the number of clients: a replay batch is
 * megabytes of JSON, and every connected page is sent the same bytes. Keyed by the batch
 * object, so the bytes go when the batch does.
 */
const batchFrames = new WeakMap<TraceBatch, Buffer>()

function batchFrame(payload: TraceBatch): Buffer {
  let frame = batchFrames.get(payload)
  if (frame === undefined) {
    // The frame is `{ push: 'batch', payload }` (WsServerMessage), the payload written by batchJson.
    frame = batchJson(payload, '{"push":"batch","payload":', '}')
    batchFrames.set(payload, frame)
  }
  return frame
}

function serveClient(ws: WebSocket, api: ApiServer): void {
  const sendFrame = (frame: () => string | Buffer): void => {
    if (ws.readyState !== ws.OPEN) return
    if (ws.bufferedAmount > MAX_CLIENT_BACKLOG_BYTES) {
      ws.close(1013, 'client too slow')
      return
    }
    // A text frame either way: a batch's bytes are UTF-8 JSON (the page reads a string).
    ws.send(frame(), { binary: false })
  }
  const send = (msg: WsServerMessage): void => sendFrame(() => JSON.stringify(msg))
  const unsubscribe = api.subscribe({
    sendBatch: (payload) => sendFrame(() => batchFrame(payload)),
    sendStatus: (payload) => send({ push: 'status', payload }),
    sendReplay: (payload) => send({ push: 'replay', payload }),
    backlog: () => (ws.readyState === ws.OPEN ? ws.bufferedAmount : 0)
  })
  ws.on('close', unsubscribe)
  ws.on('error', unsubscribe)
  ws.on('message', (data, isBinary) => {
    if (isBinary) return ws.close(1003, 'text frames only')
    let msg: unknown
    try {
      msg = JSON.parse(data.toString())
    } catch {
      return ws.close(1007, 'invalid JSON')
    }
    const m = msg as { id?: unknown; method?: unknown; params?: unknown }
    if (typeof msg !== 'object' || msg === null || typeof m.id !== 'number')
      return ws.close(1008, 'a call needs a numeric id')
    const id = m.id
    if (typeof m.method !== 'string' || !Array.isArray(m.params)) {
      return send({ id, error: 'A call needs a method name and a params array.' })
    }
    api.handle(m.method, m.params).then(
      (result) => send({ id, result }),
      (err: unknown) => send({ id, error: err instanceof Error ? err.message : String(err) })
    )
  })
}

function serveStatic(root: string, pathname: string, req: IncomingMessage, res: ServerResponse): void {
  let rel: string
  try {
    rel = decodeURIComponent(pathname)
  } catch {
    return plain(res, 400, 'Bad path.')
  }
  if (rel.includes('\0')) return plain(res, 400, 'Bad path.')
  if (rel.endsWith('/')) rel += 'index.html'
  const candidate = resolve(root, '.' + rel)
  if (candidate !== root && !candidate.startsWith(root + sep))
    return plain(res, 403, 'Outside the app folder.')
  let real: string
  try {
    // A symlink inside the folder must not lead out of it either.
    real = realpathSync(candidate)
  } catch {
    return plain(res, 404, 'Not found.')
  }
  if (!real.startsWith(root + sep)) return plain(res, 403, 'Outside the app folder.')
  const type = MIME[extname(real).toLowerCase()] ?? 'application/octet-stream'
  serveFile(real, type, extname(real) === '.html' ? 'no-store' : 'no-cache', req, res)
}

/** A regular file, whole (404 for anything else). */
function serveFile(
  path: string,
  type: string,
  cache: string,
  req: IncomingMessage,
  res: ServerResponse
): void {
  let size: number
  try {
    const st = statSync(path)
    if (!st.isFile()) return plain(res, 404, 'Not found.')
    size = st.size
  } catch {
    return plain(res, 404, 'Not found.')
  }
  res.setHeader('Content-Type', type)
  res.setHeader('Content-Length', size)
  res.setHeader('Cache-Control', cache)
  res.writeHead(200)
  if (req.method === 'HEAD') return void res.end()
  createReadStream(path)
    .on('error', () => res.destroy())
    .pipe(res)
}

function setCommonHeaders(res: ServerResponse, port: number): void {
  res.setHeader(
    'Content-Security-Policy',
    [
      "default-src 'self'",
      "script-src 'self'",
      // xterm and ECharts set element styles at run time.
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "font-src 'self' data:",
      `connect-src 'self' ws://${LOOPBACK}:${port} ws://localhost:${port}`,
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'none'"
    ].join('; ')
  )
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Referrer-Policy', 'no-referrer')
  res.setHeader('X-Frame-Options', 'DENY')
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.writeHead(status)
  res.end(text + '\n')
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return null
}
