// Starts the web host (`loopscope serve --port 0`) once for all e2e tests, reads the URL it
// prints, and passes it on in LOOPSCOPE_E2E_URL; returns the teardown that stops it.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { buildIsStale } from '../../scripts/build-freshness.mjs'

const ROOT = resolve(import.meta.dirname, '../..')

export default async function globalSetup(): Promise<() => Promise<void>> {
  if (buildIsStale(ROOT)) {
    // Missing, or older than a source file: testing it would test yesterday's app.
    console.log('e2e: building the app (npx electron-vite build)')
    execFileSync('npx', ['electron-vite', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
  }
  // Settings, run configurations, recent files and the traces of the tests' runs live in a
  // folder of their own, so a run starts from the defaults and never touches the person's
  // own (the retention cap would delete their oldest traces to make room for ours).
  const configHome = mkdtempSync(join(tmpdir(), 'loopscope-e2e-config-'))
  const traceDir = join(configHome, 'traces')
  const child = spawn(
    process.execPath,
    [resolve(ROOT, 'bin/loopscope.mjs'), 'serve', '--port', '0', '--trace-dir', traceDir],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_CONFIG_HOME: configHome } }
  )
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const url = await new Promise<string>((resolvePromise, reject) => {
    let out = ''
    const timer = setTimeout(
      () => reject(new Error(`loopscope serve printed no URL within 20 s. stderr:\n${stderr}`)),
      20_000
    )
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolvePromise(m[1])
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`loopscope serve exited with ${code} before printing its URL. stderr:\n${stderr}`))
    })
  })
  process.env.LOOPSCOPE_E2E_URL = url
  return async () => {
    const cleanUp = (): void => rmSync(configHome, { recursive: true, force: true })
    if (child.exitCode !== null) return cleanUp()
    const exited = new Promise<void>((r) => child.once('exit', () => r()))
    child.kill('SIGTERM')
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))])
    if (child.exitCode === null) child.kill('SIGKILL')
    cleanUp()
  }
}
