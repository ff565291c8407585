import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { ApiServer } from '../../src/host/api-server'
import { startWebHost, type WebHost } from '../../src/host/web-host'
import { MAX_CLIENT_MESSAGE_BYTES } from '../../src/shared/ipc-channels'
import { fakeAgent, scratchDir, writeScript } from '../fixtures/host-helpers'

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

// Raw requests: fetch would normalise "../" out of the path before sending it.
function get(host: WebHost, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, method: 'GET', headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

function connect(host: WebHost, headers: Record<string, string>, query = ''): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws${query}`, { headers })
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

let host: WebHost
let api: ApiServer
let root: string
let cookie: string
const origin = () => `http://127.0.0.1:${host.port}`

beforeAll(async () => {
  root = scratchDir()
  const renderer = join(root, 'renderer')
  mkdirSync(join(renderer, 'assets'), { recursive: true })
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>t</title>')
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(join(root, 'secret.txt'), 'top secret')
  symlinkSync(join(root, 'secret.txt'), join(renderer, 'assets', 'link.txt'))
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

describe('web host', () => {
  it('listens on 127.0.0.1 with a token in its URL', () => {
    expect(host.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${host.port}/\\?token=[A-Za-z0-9_-]{20,}$`))
  })

  it('refuses requests without the token (401) and with a wrong one (403)', async () => {
    expect((await get(host, '/')).status).toBe(401)
    expect((await get(host, '/index.html')).status).toBe(401)
    expect((await get(host, '/?token=nope')).status).toBe(403)
    expect((await get(host, '/', { cookie: 'loopscope_token=nope' })).status).toBe(403)
  })

  it('trades the token in the URL for an HttpOnly SameSite=Strict cookie', async () => {
    const r = await get(host, `/?token=${host.token}`)
    expect(r.status).toBe(302)
    expect(r.headers.location).toBe('/')
    expect(String(r.headers['set-cookie'])).toMatch(
      new RegExp(`loopscope_token=${host.token}; HttpOnly; SameSite=Strict`)
    )
    const page = await get(host, '/', { cookie })
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.body).toContain('<title>t</title>')
    expect((await get(host, '/assets/app.js', { cookie })).headers['content-type']).toBe(
      'text/javascript; charset=utf-8'
    )
  })

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    expect((await get(host, '/', { cookie, host: 'evil.example:80' })).status).toBe(421)
  })

  it('keeps static files inside the renderer folder', async () => {
    for (const path of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%5csecret.txt'
    ]) {
      const r = await get(host, path, { cookie })
      expect([400, 403, 404]).toContain(r.status)
      expect(r.body).not.toContain('top secret')
    }
    const viaLink = await get(host, '/assets/link.txt', { cookie })
    expect(viaLink.status).toBe(403)
    expect((await get(host, '/nothing-here.js', { cookie })).status).toBe(404)
    expect((await get(host, '/%00', { cookie })).status).toBe(400)
  })

  it('refuses a WebSocket without the token or from a foreign Origin', async () => {
    await expect(connect(host, { origin: origin() })).rejects.toThrow(/refused 401/)
    await expect(connect(host, { origin: 'http://evil.example', cookie })).rejects.toThrow(/refused 403/)
    await expect(connect(host, { cookie })).rejects.toThrow(/refused 403/)
    const ws = await connect(host, { origin: origin() }, `?token=${host.token}`)
    ws.close()
  })

  it('carries an API call and its answer over the WebSocket, and refuses unknown methods', async () => {
    const ws = await connect(host, { origin: origin(), cookie })
    const replies: unknown[] = []
    ws.on('message', (d) => replies.push(JSON.parse(d.toString())))
    ws.send(JSON.stringify({ id: 1, method: 'getInfo', params: [] }))
    ws.send(JSON.stringify({ id: 2, method: 'rm', params: [] }))
    await new Promise((r) => setTimeout(r, 200))
    expect(replies).toContainEqual(
      expect.objectContaining({ id: 1, result: expect.objectContaining({ kind: 'web', version: 'test' }) })
    )
    expect(replies).toContainEqual({ id: 2, error: 'Unknown method: rm' })
    ws.close()
  })

  it("pushes a run's batches and statuses to the browser", async () => {
    const ws = await connect(host, { origin: origin(), cookie })
    const pushes: {
      push?: string
      payload?: { state?: string; events?: { type: string; data?: string }[] }
    }[] = []
    ws.on('message', (d) => pushes.push(JSON.parse(d.toString())))
    const script = writeScript(scratchDir(), 'w.py', 'print("over the wire")\n')
    ws.send(JSON.stringify({ id: 1, method: 'run', params: [{ script }] }))
    const deadline = Date.now() + 5000
    while (
      !pushes.some((p) => p.push === 'status' && p.payload?.state === 'exited') &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 20))
    }
    const outputs = pushes
      .filter((p) => p.push === 'batch')
      .flatMap((p) => p.payload?.events ?? [])
      .filter((e) => e.type === 'output')
    expect(outputs.map((e) => e.data).join('')).toBe('over the wire\n')
    ws.close()
  })

  it('closes a connection that sends an oversized frame', async () => {
    const ws = await connect(host, { origin: origin(), cookie })
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)))
    ws.send('x'.repeat(MAX_CLIENT_MESSAGE_BYTES + 1))
    expect(await closed).toBe(1009)
  })
})
