import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { ApiServer } from '../../src/host/api-server'
import { startWebHost, type WebHost } from '../../src/host/web-host'
import { scratchDir, TRACE_HEADER_LINE } from '../fixtures/host-helpers'

let host: WebHost
let api: ApiServer
const root = scratchDir()

beforeAll(async () => {
  mkdirSync(join(root, 'renderer'))
  writeFileSync(join(root, 'renderer', 'index.html'), '')
  api = new ApiServer({ kind: 'web', resourcesDir: root, version: 'test', traceDir: join(root, 'traces') })
  host = await startWebHost({ api, rendererDir: join(root, 'renderer') })
})
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

describe('web host fan-out', () => {
  it('serializes each batch once, from the lines as read, and sends every client the same text', async () => {
    const file = join(root, 'trace.ndjson')
    const lines = [TRACE_HEADER_LINE]
    for (let tick = 1; tick <= 120_000; tick++)
      lines.push(JSON.stringify({ type: 'tick.begin', t: tick / 1000, loop: 1, tick }))
    writeFileSync(file, lines.join('\n') + '\n')
    const a = await client()
    const b = await client()
    const stringify = vi.spyOn(JSON, 'stringify')
    try {
      a.ws.send(JSON.stringify({ id: 1, method: 'openTrace', params: [file] }))
      const exited = (frames: string[]) => frames.some((f) => f.includes('"state":"exited"'))
      const deadline = Date.now() + 20_000
      while (!(exited(a.frames) && exited(b.frames)) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10))
      // A batch's head (session, from, header) is serialized once per batch; its events not
      // at all: each is sent as the line it was read from.
      const batchCalls = stringify.mock.calls.filter(
        ([v]) => typeof v === 'object' && v !== null && 'session' in v && 'from' in v
      )
      const eventCalls = stringify.mock.calls.filter(
        ([v]) => typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'tick.begin'
      )
      const batchFrames = (frames: string[]) => frames.filter((f) => f.startsWith('{"push":"batch"'))
      expect(batchFrames(a.frames)).toHaveLength(3)
      expect(batchFrames(b.frames)).toEqual(batchFrames(a.frames))
      expect(batchCalls).toHaveLength(3)
      expect(eventCalls).toHaveLength(0)
      expect(batchFrames(a.frames)[1]).toContain(lines[50_001])
      const events = batchFrames(a.frames).flatMap((f) => JSON.parse(f).payload.events)
      expect(events).toHaveLength(120_000)
    } finally {
      stringify.mockRestore()
      a.ws.close()
      b.ws.close()
    }
  }, 30_000)
})
