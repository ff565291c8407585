// Whether the built app (out/) is older than its sources: the bench and the e2e tests build
// it again then, so neither measures nor tests a stale build.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const BUILT = ['out/renderer/index.html', 'out/main/cli.js']
const SOURCES = ['src', 'electron.vite.config.ts', 'package.json']

/** The newest modification time (ms) of `path`, or of any file under it. */
function newest(path) {
  const st = statSync(path)
  if (!st.isDirectory()) return st.mtimeMs
  let found = 0
  for (const entry of readdirSync(path)) found = Math.max(found, newest(join(path, entry)))
  return found
}

/** True when `root`'s build is missing or older than a source file. */
export function buildIsStale(root) {
  const built = BUILT.map((f) => join(root, f))
  if (!built.every((f) => existsSync(f))) return true
  const builtAt = Math.min(...built.map((f) => statSync(f).mtimeMs))
  return SOURCES.some((s) => existsSync(join(root, s)) && newest(join(root, s)) > builtAt)
}
