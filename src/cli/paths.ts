// Where the CLI finds resources/ (agent, examples) and the built renderer: relative to the
// code itself (out/main/cli.js or src/cli/index.ts), so it works from any working folder.

import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface AppPaths {
  root: string
  resourcesDir: string
  rendererDir: string
  version: string
}

/** Walks up from this file to the folder holding Loopscope's package.json. */
export function findAppRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from)
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'loopscope') return dir
      } catch {
        // Not ours; keep walking.
      }
    }
    const up = dirname(dir)
    if (up === dir) return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
    dir = up
  }
}

export function appPaths(overrides: { resourcesDir?: string; rendererDir?: string } = {}): AppPaths {
  const root = findAppRoot()
  let version = '0.0.0'
  try {
    version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    // A missing version is cosmetic.
  }
  return {
    root,
    resourcesDir: resolve(
      overrides.resourcesDir ?? process.env.LOOPSCOPE_RESOURCES_DIR ?? join(root, 'resources')
    ),
    rendererDir: resolve(
      overrides.rendererDir ?? process.env.LOOPSCOPE_RENDERER_DIR ?? join(root, 'out', 'renderer')
    ),
    version
  }
}
