// Where the Electron runtime binary is, without requiring the `electron` package: its
// index.js starts a download when the binary is missing, which hangs or fails here.
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)))

export const SKIP_REASON =
  'Electron runtime binary not installed: node_modules/electron/dist missing (downloads are blocked on this machine)'

export function electronBinary(): string | null {
  const pkg = join(repoRoot, 'node_modules', 'electron')
  const pathFile = join(pkg, 'path.txt')
  if (!existsSync(pathFile)) return null
  const rel = readFileSync(pathFile, 'utf8').trim()
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(pkg, 'dist')
  const bin = join(dist, rel)
  return existsSync(bin) ? bin : null
}
