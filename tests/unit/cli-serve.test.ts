import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { bin, ensureBuilt } from '../fixtures/host-cli'
import { repoRoot, scratchDir, writeScript } from '../fixtures/host-helpers'

beforeAll(() => ensureBuilt(), 300_000)

let child: ChildProcess | null = null
afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  child = null
})

function launch(
  args: string[],
  env: NodeJS.ProcessEnv = process.env
): Promise<{ url: string; stderr: () => string }> {
  child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stderr!.on('data', (c) => (err += c))
  return new Promise((resolve, reject) => {
    child!.stdout!.on('data', (c) => {
      out += c
      const m = /^(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)\n/m.exec(out)
      if (m) resolve({ url: m[1], stderr: () => err })
    })
    child!.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)))
  })
}

const exitOf = (c: ChildProcess): Promise<number | null> =>
  new Promise((r) => c.once('exit', (code) => r(code)))

describe('loopscope serve', () => {
  it('prints a loopback URL with its token, refuses requests without it, and stops on Ctrl+C', async () => {
    const { url } = await launch(['serve', '--port', '0'])
    const bare = url.replace(/\?.*/, '')
    expect((await fetch(bare)).status).toBe(401)
    const page = await fetch(url, { redirect: 'manual' })
    expect(page.status).toBe(302)
    const cookie = page.headers.get('set-cookie')!.split(';')[0]
    const index = await fetch(bare, { headers: { cookie } })
    expect(index.status).toBe(200)
    expect(await index.text()).toContain('<div id="app">')
    const exited = exitOf(child!)
    child!.kill('SIGINT')
    expect(await exited).toBe(0)
  })

  it('--trace-dir: every run saves its trace there, not in the home folder', async () => {
    const dir = scratchDir()
    const traces = join(dir, 'kept-traces')
    const script = writeScript(
      dir,
      'hello.py',
      'import asyncio\nasyncio.run(asyncio.sleep(0))\nprint("hi")\n'
    )
    const { url } = await launch(['serve', '--port', '0', '--trace-dir', traces])
    const ws = new WebSocket(url.replace(/^http/, 'ws').replace('/?', '/ws?'), {
      headers: { Origin: new URL(url).origin }
    })
    const exited = new Promise<void>((resolve) =>
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString()) as { push?: string; payload?: { state?: string } }
        if (msg.push === 'status' && msg.payload?.state === 'exited') resolve()
      })
    )
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    ws.send(JSON.stringify({ id: 1, method: 'run', params: [{ script }] }))
    await exited
    ws.close()
    const files = readdirSync(traces).filter((f) => f.endsWith('.ndjson'))
    expect(files).toHaveLength(1)
    const [header] = readFileSync(join(traces, files[0]), 'utf8').split('\n')
    expect(JSON.parse(header)).toMatchObject({ type: 'header', script })
  })

  it('start says in one line that Electron is missing and serves the web host instead', async () => {
    const { url, stderr } = await launch(['start', 'resources/examples/00_welcome.py'], {
      ...process.env,
      ELECTRON_OVERRIDE_DIST_PATH: '/nonexistent-electron'
    })
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/)
    const lines = stderr()
      .split('\n')
      .filter((l) => /Electron/.test(l))
    expect(lines).toEqual([expect.stringMatching(/^loopscope: the Electron runtime is not installed/)])
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(302)
  })
})
