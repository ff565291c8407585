// Where the shell finds its files, in development (the repository) and packaged (the
// asar for code, process.resourcesPath/resources for the agent and examples, which
// Python must read as real files).

import { app } from 'electron'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

export function resourcesDir(): string {
  return app.isPackaged ? join(process.resourcesPath, 'resources') : join(app.getAppPath(), 'resources')
}

export function preloadPath(): string {
  return join(app.getAppPath(), 'out', 'preload', 'index.cjs')
}

export function rendererFile(): string {
  return join(app.getAppPath(), 'out', 'renderer', 'index.html')
}

/** The URL the window shows: the dev server in `electron-vite dev`, else the built file. */
export function rendererUrl(): string {
  const dev = process.env.ELECTRON_RENDERER_URL
  if (!app.isPackaged && dev && /^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?\/?/.test(dev)) return dev
  return pathToFileURL(rendererFile()).href
}

export function userDataFile(name: string): string {
  return join(app.getPath('userData'), name)
}
