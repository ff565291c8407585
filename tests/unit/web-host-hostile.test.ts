// Hostile pages and clients against the web host: whatever a request or a frame holds, no
// file outside the app folder is served, nothing runs without the token, and the host stays up.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { ApiServer } from '../../src/host/api-server'
import { startWebHost, type WebHost } from '../../src/host/web-host'
import { fakeAgent, scratchDir } from '../fixtures/host-helpers'

interface Reply {
  status: number
  body: string
}

// Raw requests: fetch would normalise "../" and backslashes out of the path before sending it.
function get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, method: 'GET', headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

function connect(headers: Record<string, string>, query = ''): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws${query}`, { headers })
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

let host: WebHost
let api: ApiServer
let cookie: string
const SECRET = 'top secret'
const origin = () => `http://127.0.0.1:${host.port}`

beforeAll(async () => {
  const root = scratchDir()
  const renderer = join(root, 'renderer')
  mkdirSync(join(renderer, 'assets'), { recursive: true })
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>t</title>')
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(join(root, 'secret.txt'), SECRET)
  const resources = join(root, 'resources')
  mkdirSync(join(resources, 'agent'), { recursive: true })
  writeFileSync(join(resources, 'agent', 'loopscope_launch.py'), readFileSync(fakeAgent))
  api = new ApiServer({
    kind: 'web',
    resourcesDir: resources,
    version: 'test',
    traceDir: join(root, 'traces')
  })
  host = await startWebHost({ api, rendererDir: renderer, port: 0 })
  cookie = `loopscope_token=${host.token}`
})

afterAll(async () => {
  await host.close()
  await api.dispose()
})

function leaked(r: Reply): boolean {
  return r.body.includes(SECRET) || r.body.includes('root:x:0:0')
}

describe('web host against hostile input', () => {
  it('serves nothing outside the app folder: absolute, double-encoded and backslash paths', async () => {
    for (const path of [
      '//etc/passwd',
      '/%2fetc%2fpasswd',
      '/%2Fetc%2Fpasswd',
      '/%252e%252e/secret.txt',
      '/%2E%2E/secret.txt',
      '/.%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets\\..\\..\\secret.txt',
      '/%5c..%5c..%5csecret.txt',
      '/assets/%c0%ae%c0%ae/secret.txt',
      '/..;/secret.txt',
      '/file:///etc/passwd',
      '/%ZZ',
      '//..%c0%af.../%2fpasswd',
      '//[::1/secret.txt',
      '/?token=%ZZ'
    ]) {
      const r = await get(path, { cookie })
      expect(leaked(r), path).toBe(false)
      expect(r.status, path).toBeLessThan(500)
    }
  })

  it('no path built from traversal pieces escapes the app folder (property)', async () => {
    const piece = fc.constantFrom(
      '..',
      '.',
      '%2e%2e',
      '%2E%2e',
      '%252e%252e',
      '%2f',
      '%5c',
      '\\',
      '/',
      '//',
      '%00',
      'assets',
      'secret.txt',
      'etc',
      'passwd',
      '%c0%af'
    )
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 10 }), async (pieces) => {
        const r = await get('/' + pieces.join(''), { cookie })
        expect(leaked(r)).toBe(false)
        expect(r.status).toBeLessThan(500)
      }),
      { numRuns: 200 }
    )
  })

  it('needs the token for every request, static assets included', async () => {
    expect((await get('/assets/app.js')).status).toBe(401)
    expect((await get('/assets/app.js', { cookie: 'loopscope_token=nope' })).status).toBe(403)
    // One character changed (never to itself: a token ending in "x" made this pass as the real one).
    const wrong = host.token.slice(0, -1) + (host.token.endsWith('x') ? 'y' : 'x')
    expect((await get(`/assets/app.js?token=${wrong}`)).status).toBe(403)
    const ok = await get('/assets/app.js', { cookie })
    expect(ok.status).toBe(200)
    expect(ok.body).toBe('console.log(1)')
  })

  it('refuses a WebSocket from any other origin, even with the token', async () => {
    for (const o of ['http://evil.example', 'null', `http://localhost:${host.port}`, 'http://127.0.0.1:1']) {
      await expect(connect({ origin: o, cookie }), o).rejects.toThrow(/refused 403/)
      await expect(connect({ origin: o }, `?token=${host.token}`), o).rejects.toThrow(/refused 403/)
    }
    await expect(connect({ origin: origin(), cookie: 'loopscope_token=wrong' })).rejects.toThrow(/refused/)
  })

  it('closes a connection sending garbage frames, and keeps serving the others', async () => {
    const closeCode = async (frame: string | Buffer): Promise<number> => {
      const ws = await connect({ origin: origin(), cookie })
      const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)))
      ws.send(frame)
      return closed
    }
    expect(await closeCode(Buffer.from([1, 2, 3]))).toBe(1003)
    expect(await closeCode('{"id": 1, "method": ')).toBe(1007)
    expect(await closeCode('[1, 2]')).toBe(1008)
    expect(await closeCode('{"method":"getInfo","params":[]}')).toBe(1008)

    const ws = await connect({ origin: origin(), cookie })
    const replies: { id: number; error?: string; result?: unknown }[] = []
    ws.on('message', (d) => replies.push(JSON.parse(d.toString())))
    ws.send(JSON.stringify({ id: 1, method: '__proto__', params: [] }))
    ws.send(JSON.stringify({ id: 2, method: 'getInfo', params: 'no' }))
    ws.send(JSON.stringify({ id: 3, method: 'openTrace', params: [{ path: '/etc/passwd' }] }))
    ws.send(JSON.stringify({ id: 4, method: 'run', params: [{ script: 42 }] }))
    ws.send(JSON.stringify({ id: 5, method: 'getInfo', params: [] }))
    const deadline = Date.now() + 3000
    while (replies.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    const byId = new Map(replies.map((r) => [r.id, r]))
    expect(byId.get(1)?.error).toMatch(/Unknown method/)
    expect(byId.get(2)?.error).toMatch(/params array/)
    expect(byId.get(3)?.error).toMatch(/Bad parameters/)
    expect(byId.get(4)?.error).toMatch(/Bad parameters/)
    expect(byId.get(5)?.result).toMatchObject({ kind: 'web' })
    ws.close()
  })
})
