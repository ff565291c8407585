// Native dialogs the host asks for (pick a script, save an export) and the menu's Open
// Trace. Each returns null when the user cancels.

import { app, dialog, type BrowserWindow } from 'electron'
import { writeFile } from 'node:fs/promises'
import { basename, extname, join } from 'node:path'

const SCRIPT_FILTERS = [
  { name: 'Python scripts', extensions: ['py'] },
  { name: 'All files', extensions: ['*'] }
]
const TRACE_FILTERS = [
  { name: 'Loopscope traces', extensions: ['ndjson', 'jsonl'] },
  { name: 'All files', extensions: ['*'] }
]

async function pickFile(
  win: BrowserWindow | null,
  title: string,
  filters: { name: string; extensions: string[] }[]
): Promise<string | null> {
  const opts = { title, properties: ['openFile' as const], filters }
  const res = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts)
  return res.canceled || res.filePaths.length === 0 ? null : res.filePaths[0]
}

export const pickScript = (win: BrowserWindow | null): Promise<string | null> =>
  pickFile(win, 'Open Script', SCRIPT_FILTERS)

export const pickTrace = (win: BrowserWindow | null): Promise<string | null> =>
  pickFile(win, 'Open Trace', TRACE_FILTERS)

export const pickPython = (win: BrowserWindow | null): Promise<string | null> =>
  pickFile(win, 'Choose a Python interpreter', [])

const FILTER_BY_MIME: Record<string, { name: string; extensions: string[] }> = {
  'image/png': { name: 'PNG image', extensions: ['png'] },
  'image/svg+xml': { name: 'SVG image', extensions: ['svg'] },
  'application/x-ndjson': { name: 'Loopscope trace', extensions: ['ndjson'] },
  'application/json': { name: 'JSON', extensions: ['json'] }
}

export async function saveWithDialog(
  win: BrowserWindow | null,
  name: string,
  mime: string,
  data: Buffer
): Promise<string | null> {
  // The name comes from the renderer: only its last component may steer the default path.
  const safeName = basename(name) || 'loopscope-export'
  const ext = extname(safeName).slice(1)
  const filter = FILTER_BY_MIME[mime] ?? {
    name: ext ? ext.toUpperCase() : 'File',
    extensions: ext ? [ext] : ['*']
  }
  const opts = { title: 'Save', defaultPath: join(app.getPath('documents'), safeName), filters: [filter] }
  const res = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts)
  if (res.canceled || !res.filePath) return null
  await writeFile(res.filePath, data)
  return res.filePath
}
