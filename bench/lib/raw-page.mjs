// A Chromium page driven over the DevTools protocol directly, with only the domains the
// benchmark uses. Playwright enables the Network domain on every page it drives and asks
// for each WebSocket frame's payload (`Network.webSocketFrameReceived`): in a live run that
// is every batch the page receives, serialized by the browser and parsed by the bench's
// driver, which took 25-55 % of a core on this 2-core machine from the app being measured.
// The live runs use this page instead; a user's page has no such tap.

import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'

/**
 * The switches of Playwright's own launch that bear on how fast a page runs, so that this
 * page is measured as the Playwright one was: a window nobody looks at is otherwise
 * throttled (timers, renderer priority), which a user's foreground window is not.
 */
const FOREGROUND_ARGS = [
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-renderer-backgrounding',
  '--disable-ipc-flooding-protection',
  '--disable-hang-monitor',
  '--disable-dev-shm-usage',
  '--disable-extensions',
  '--disable-breakpad',
  '--disable-features=PaintHolding',
  '--force-color-profile=srgb',
  '--enable-unsafe-swiftshader',
  '--hide-scrollbars',
  '--mute-audio'
]

/**
 * Starts `executablePath` headless with `args` (its profile in a new folder under `dir`),
 * opens `url` at `width` × `height` with `initScriptPath` run before the page's own code.
 * The page answers `evaluate(fn, arg)` as Playwright's does (fn serialized, arg as JSON, the
 * result by value), and `cdp.send` /
 * `cdp.on` / `cdp.once` / `cdp.off` as a Playwright CDP session (Tracing on the browser);
 * `errors` collects the page's uncaught errors.
 */
export async function launchRawPage({ executablePath, args, url, width, height, initScriptPath, dir }) {
  // In the caller's scratch folder, removed with it: the browser's helper processes can
  // still be writing to the profile for a moment after the browser has exited.
  const profile = mkdtempSync(join(dir, 'chromium-'))
  const child = spawn(
    executablePath,
    [
      ...args,
      ...FOREGROUND_ARGS,
      '--headless',
      `--user-data-dir=${profile}`,
      '--remote-debugging-port=0',
      `--window-size=${width},${height}`,
      'about:blank'
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  )
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const stopBrowser = async () => {
    if (child.exitCode === null) {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      child.kill('SIGTERM')
      await exited
      clearTimeout(timer)
    }
  }
  try {
    const wsUrl = await new Promise((resolve, reject) => {
      let err = ''
      const timer = setTimeout(() => reject(new Error(`chromium printed no DevTools URL:\n${err}`)), 20000)
      child.stderr.on('data', (d) => {
        err += d
        const m = /DevTools listening on (ws:\/\/\S+)/.exec(err)
        if (m) {
          clearTimeout(timer)
          resolve(m[1])
        }
      })
      child.on('exit', (code) => reject(new Error(`chromium exited ${code}:\n${err}`)))
    })
    const ws = new WebSocket(wsUrl, { maxPayload: 1 << 30 })
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    let nextId = 1
    const waiting = new Map()
    const listeners = new Map() // method -> Set<fn>
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString())
      if (msg.id !== undefined) {
        const w = waiting.get(msg.id)
        waiting.delete(msg.id)
        if (!w) return
        if (msg.error) w.reject(new Error(`${w.method}: ${msg.error.message}`))
        else w.resolve(msg.result)
      } else for (const fn of [...(listeners.get(msg.method) ?? [])]) fn(msg.params)
    })
    const send = (method, params = {}, sessionId = undefined) =>
      new Promise((resolve, reject) => {
        const id = nextId++
        waiting.set(id, { resolve, reject, method })
        ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }))
      })
    const on = (method, fn) => {
      if (!listeners.has(method)) listeners.set(method, new Set())
      listeners.get(method).add(fn)
    }
    const off = (method, fn) => listeners.get(method)?.delete(fn)
    const once = (method, fn) => {
      const wrapped = (p) => {
        off(method, wrapped)
        fn(p)
      }
      on(method, wrapped)
    }

    const { targetId } = await send('Target.createTarget', { url: 'about:blank' })
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true })
    const page = (method, params) => send(method, params, sessionId)
    await page('Page.enable')
    // Uncaught errors of the page, as Playwright's `pageerror` reports them.
    const errors = []
    on('Runtime.exceptionThrown', (p) =>
      errors.push(p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text ?? 'error')
    )
    await page('Runtime.enable')
    await page('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false })
    await page('Page.addScriptToEvaluateOnNewDocument', { source: readFileSync(initScriptPath, 'utf8') })
    const loaded = new Promise((resolve) => once('Page.loadEventFired', resolve))
    await page('Page.navigate', { url })
    await loaded

    const evaluate = async (fn, arg) => {
      const expression = `(${fn.toString()})(${arg === undefined ? '' : JSON.stringify(arg)})`
      const r = await page('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true })
      if (r.exceptionDetails)
        throw new Error(`evaluate: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`)
      return r.result.value
    }
    const cdp = {
      send: (method, params) => (method.startsWith('Tracing.') ? send(method, params) : page(method, params)),
      on,
      once,
      off
    }
    return {
      evaluate,
      cdp,
      errors,
      close: async () => {
        // Closed by the browser itself, so that its helper processes end with it.
        await send('Browser.close').catch(() => undefined)
        ws.close()
        await stopBrowser()
      }
    }
  } catch (err) {
    await stopBrowser()
    throw err
  }
}
