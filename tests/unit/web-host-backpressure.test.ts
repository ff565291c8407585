import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { ApiServer } from '../../src/host/api-server'
import type { WebHost } from '../../src/host/web-host'
import { startAgentWebHost } from '../fixtures/host-cli'
import { scratchDir, writeScript } from '../fixtures/host-helpers'

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

describe('web host flow control', () => {
  it('a browser that stops reading pauses the program, and nothing is lost when it reads again', async () => {
    const mb = 64
    const doneFile = join(root, 'finished-at')
    const script = writeScript(
      root,
      'flood.py',
      `import sys, time\nblock = "y" * 1023 + "\\n"\nfor i in range(${mb} * 1024):\n    sys.stdout.write(block)\nprint("end", flush=True)\nopen(${JSON.stringify(doneFile)}, "w").write(str(time.time()))\n`
    )
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ws?token=${host.token}`, {
      headers: { origin: host.origin }
    })
    await new Promise((r) => ws.once('open', r))
    let chars = 0
    let exited = false
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString())
      if (m.push === 'batch')
        for (const e of m.payload.events) if (e.type === 'output') chars += e.data.length
      if (m.push === 'status' && m.payload.state === 'exited') exited = true
    })
    ws.send(JSON.stringify({ id: 1, method: 'run', params: [{ script }] }))
    await new Promise((r) => setTimeout(r, 300))
    // Stop reading, as a browser busy rendering would.
    const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket
    socket.pause()
    await new Promise((r) => setTimeout(r, 4000))
    const statusWhilePaused = exited
    const resumedAt = Date.now() / 1000
    socket.resume()
    const end = Date.now() + 30_000
    while (!exited && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
    ws.close()
    // The program could not finish while the browser was not reading: it was held back.
    expect(statusWhilePaused).toBe(false)
    expect(exited).toBe(true)
    expect(Number(readFileSync(doneFile, 'utf8'))).toBeGreaterThan(resumedAt)
    expect(chars).toBe(mb * 1024 * 1024 + 'end\n'.length)
  }, 60_000)
})
