// `loopscope [start] [SCRIPT]`: the desktop app. Where the Electron runtime is absent (its
// download is blocked on some machines) it says so in one line and serves the web host.

import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import type { ParsedArgs } from './args'
import { appPaths } from './paths'
import { serveCommand } from './serve'

/**
 * The Electron binary, or null when it is not installed. Read from electron's own
 * path.txt instead of importing the package, whose index tries to download it.
 */
export function electronBinary(): string | null {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const bin = join(
      process.env.ELECTRON_OVERRIDE_DIST_PATH,
      process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron'
    )
    return existsSync(bin) ? bin : null
  }
  try {
    const dir = dirname(createRequire(import.meta.url).resolve('electron/package.json'))
    const rel = readFileSync(join(dir, 'path.txt'), 'utf8').trim()
    const bin = join(dir, 'dist', rel)
    return existsSync(bin) ? bin : null
  } catch {
    return null
  }
}

export async function startCommand(args: ParsedArgs): Promise<number> {
  const bin = electronBinary()
  const [script, ...rest] = args.positionals
  if (!bin) {
    process.stderr.write(
      'loopscope: the Electron runtime is not installed here, so Loopscope opens in your browser instead (web host below).\n'
    )
    return serveCommand({ options: args.options, positionals: script ? [script] : [] })
  }
  const paths = appPaths()
  // The shell's launch syntax (src/main/launch-args.ts): [--python PATH] [--pause-at-start] [--run] SCRIPT [ARGS...].
  const appArgs: string[] = []
  if (typeof args.options.python === 'string') appArgs.push('--python', resolveIfPath(args.options.python))
  if (args.options['pause-at-start'] === true) appArgs.push('--pause-at-start')
  if (script) {
    if (args.options['no-run'] !== true) appArgs.push('--run')
    appArgs.push(resolve(script), ...rest)
    // A program argument that happens to read --run must stay the program's.
    if (rest.at(-1) === '--run') appArgs.push('--')
  }
  const child = spawn(bin, [paths.root, ...appArgs], { stdio: 'inherit' })
  return new Promise((done) => {
    child.once('error', (err) => {
      process.stderr.write(`loopscope: cannot start Electron: ${err.message}\n`)
      done(1)
    })
    child.once('exit', (code, signal) => done(signal ? 1 : (code ?? 1)))
  })
}

function resolveIfPath(python: string): string {
  return python.includes('/') || python.includes('\\') ? resolve(python) : python
}
