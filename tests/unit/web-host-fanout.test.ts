import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import type { ApiServer } from '../../src/host/api-server'
import { TOKEN_COOKIE, type WebHost } from '../../src/host/web-host'
import { startAgentWebHost } from '../fixtures/host-cli'
import { scratchDir, TRACE_HEADER_LINE, writeScript } from '../fixtures/host-helpers'

let host: WebHost
let api: ApiServer
const root = scratchDir()

beforeAll(async () => {
  ;({ host, api } = await startAgentWebHost(root))
}, 300_000)
afterAll(async () => {
  await host.close()
  await api.dispose()
})

async function client(): Promise<{ ws: WebSocket; frames: string[] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${host.token}`, {
    headers: { origin: host.origin }
  })
  const frames: string[] = []
  ws.on('message', (d) => frames.push(d.toString()))
  await new Promise((r) => ws.once('open', r))
  return { ws, frames }
}

const get = (path: string, token: string | null = host.token) =>
  fetch(`${host.origin}${path}`, {
    headers: token ? { cookie: `${TOKEN_COOKIE}=${token}` } : {},
    redirect: 'manual'
  })

const until = async (cond: () => boolean, ms = 20_000): Promise<void> => {
  const deadline = Date.now() + ms
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
}

describe('web host fan-out', () => {
  it('tells every client where to read an opened trace, and serves that file and nothing else', async () => {
    const file = join(root, 'trace.ndjson')
    const lines = [TRACE_HEADER_LINE]
    for (let tick = 1; tick <= 1000; tick++)
      lines.push(JSON.stringify({ type: 'tick.begin', t: tick / 1000, loop: 1, tick }))
    writeFileSync(file, lines.join('\n') + '\n')
    const a = await client()
    const b = await client()
    try {
      a.ws.send(JSON.stringify({ id: 1, method: 'openTrace', params: [file] }))
      const replays = (frames: string[]) =>
        frames.filter((f) => f.startsWith('{"push":"replay"')).map((f) => JSON.parse(f).payload)
      await until(() => replays(a.frames).length > 0 && replays(b.frames).length > 0)
      const [ra] = replays(a.frames)
      expect(replays(b.frames)).toEqual([ra])
      expect(ra).toMatchObject({ name: 'trace.ndjson' })
      expect(ra.url).toMatch(/^\/trace-file\/[\w-]{20,}$/)
      // No batches: the page reads the file itself.
      expect(a.frames.some((f) => f.startsWith('{"push":"batch"'))).toBe(false)

      const res = await get(ra.url)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/ndjson/)
      expect(await res.text()).toBe(readFileSync(file, 'utf8'))
      // The access token is still needed, and only that name serves anything.
      expect((await get(ra.url, null)).status).toBe(401)
      expect((await get(ra.url, 'x'.repeat(host.token.length))).status).toBe(403)
      expect((await get('/trace-file/' + 'A'.repeat(24))).status).toBe(404)
      expect((await get('/trace-file/')).status).toBe(404)
      expect((await get(ra.url + '/../../../etc/passwd')).status).toBe(404)

      // A new session ends the grant: the old name serves nothing.
      const other = join(root, 'other.ndjson')
      writeFileSync(other, lines.slice(0, 10).join('\n') + '\n')
      a.ws.send(JSON.stringify({ id: 2, method: 'openTrace', params: [other] }))
      await until(() => replays(a.frames).length > 1)
      expect((await get(ra.url)).status).toBe(404)
      expect(await (await get(replays(a.frames)[1].url)).text()).toBe(readFileSync(other, 'utf8'))
    } finally {
      a.ws.close()
      b.ws.close()
    }
  }, 30_000)

  it("serializes each of a run's batches once, from the agent's lines as read, and sends every client the same text", async () => {
    const script = writeScript(
      root,
      'churn.py',
      'import asyncio\nasync def w():\n    for _ in range(300):\n        await asyncio.sleep(0)\nasync def main():\n    await asyncio.gather(*(w() for _ in range(20)))\nasyncio.run(main())\n'
    )
    const a = await client()
    const b = await client()
    const stringify = vi.spyOn(JSON, 'stringify')
    try {
      a.ws.send(JSON.stringify({ id: 1, method: 'run', params: [{ script }] }))
      const exited = (frames: string[]) => frames.some((f) => f.includes('"state":"exited"'))
      await until(() => exited(a.frames) && exited(b.frames))
      const batchFrames = (frames: string[]) => frames.filter((f) => f.startsWith('{"push":"batch"'))
      expect(batchFrames(a.frames).length).toBeGreaterThan(0)
      expect(batchFrames(b.frames)).toEqual(batchFrames(a.frames))
      // A batch's head (session, from, header) is serialized once per batch; the agent's
      // `batch` events not at all: each goes out as the line it arrived as.
      const heads = stringify.mock.calls.filter(
        ([v]) => typeof v === 'object' && v !== null && 'session' in v && 'from' in v
      )
      const agentBatches = stringify.mock.calls.filter(
        ([v]) => typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'batch'
      )
      expect(heads).toHaveLength(batchFrames(a.frames).length)
      expect(agentBatches).toHaveLength(0)
      const events = batchFrames(a.frames).flatMap((f) => JSON.parse(f).payload.events)
      expect(events.filter((e) => e.type === 'batch').length).toBeGreaterThan(0)
    } finally {
      stringify.mockRestore()
      a.ws.close()
      b.ws.close()
    }
  }, 60_000)
})
