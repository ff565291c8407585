// Recently opened scripts and traces, newest first, remembered across launches in
// userData/recent.json. The file is validated on load: entries that are malformed are
// dropped, so a hand-edited or corrupt file costs the list, never the app.

import { isAbsolute } from 'node:path'
import { readJsonFile, writeJsonFile } from './json-file'
import type { DocumentKind } from './launch-args'

export interface RecentEntry {
  kind: DocumentKind
  path: string
  /** When it was last opened, ms since the epoch. */
  at: number
}

export const RECENT_LIMIT = 12

export function sanitizeRecent(raw: unknown, limit = RECENT_LIMIT): RecentEntry[] {
  const list = Array.isArray(raw) ? raw : []
  const seen = new Set<string>()
  const out: RecentEntry[] = []
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue
    const { kind, path, at } = item as Record<string, unknown>
    if (kind !== 'script' && kind !== 'trace') continue
    if (typeof path !== 'string' || !isAbsolute(path) || path.includes('\0')) continue
    if (typeof at !== 'number' || !Number.isFinite(at)) continue
    const key = `${kind}\0${path}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ kind, path, at })
  }
  return out.sort((a, b) => b.at - a.at).slice(0, limit)
}

export class RecentList {
  private entries: RecentEntry[]

  constructor(
    private readonly file: string,
    private readonly limit = RECENT_LIMIT,
    private readonly now: () => number = Date.now
  ) {
    this.entries = sanitizeRecent(readJsonFile(file), limit)
  }

  list(): readonly RecentEntry[] {
    return this.entries
  }

  add(kind: DocumentKind, path: string): void {
    if (!isAbsolute(path)) return
    const rest = this.entries.filter((e) => !(e.kind === kind && e.path === path))
    this.entries = [{ kind, path, at: this.now() }, ...rest].slice(0, this.limit)
    this.save()
  }

  remove(kind: DocumentKind, path: string): void {
    this.entries = this.entries.filter((e) => !(e.kind === kind && e.path === path))
    this.save()
  }

  clear(): void {
    this.entries = []
    this.save()
  }

  private save(): void {
    writeJsonFile(this.file, this.entries)
  }
}
