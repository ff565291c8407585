// Recently opened scripts and traces, newest first, in one JSON file of the data folder;
// the single implementation behind Electron's File → Open Recent and the web host's list.
// The file is read again on every call: Electron and a web host may share it, and a
// stale copy in memory would write the other's entries away. Files that no longer exist
// are dropped when the list is read, so the menu never offers what cannot open.

import { existsSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import type { RecentEntry, RecentKind } from '@shared/settings-types'
import { readJson, writeJsonAtomic } from './settings'

export type { RecentEntry, RecentKind }

export const RECENT_FILE = 'recent.json'
export const RECENT_LIMIT = 12

/** Valid entries of a parsed file, deduplicated, newest first, capped. Anything else is dropped. */
export function sanitizeRecent(raw: unknown, limit = RECENT_LIMIT): RecentEntry[] {
  const list = Array.isArray(raw) ? raw : []
  const valid: RecentEntry[] = []
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue
    const { kind, path, at } = item as Record<string, unknown>
    if (kind !== 'script' && kind !== 'trace') continue
    if (typeof path !== 'string' || !isAbsolute(path) || path.includes('\0')) continue
    if (typeof at !== 'number' || !Number.isFinite(at)) continue
    valid.push({ kind, path, at })
  }
  // Newest first before deduplicating, so the copy that survives is the latest one.
  valid.sort((a, b) => b.at - a.at)
  const seen = new Set<string>()
  return valid
    .filter((e) => {
      const key = `${e.kind}\0${e.path}`
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
    .slice(0, limit)
}

export class RecentList {
  /**
   * @param file the JSON file (see `recentFilePath`)
   * @param exists decides which entries still exist; tests pass their own
   */
  constructor(
    private readonly file: string,
    private readonly limit = RECENT_LIMIT,
    private readonly now: () => number = Date.now,
    private readonly exists: (path: string) => boolean = existsSync
  ) {}

  /** Entries whose files still exist; the missing ones are forgotten on disk too. */
  list(kind?: RecentKind): RecentEntry[] {
    const stored = this.read()
    const present = stored.filter((e) => this.exists(e.path))
    if (present.length !== stored.length) this.write(present)
    return kind ? present.filter((e) => e.kind === kind) : present
  }

  add(kind: RecentKind, path: string): void {
    if (!isAbsolute(path) || path.includes('\0')) return
    const rest = this.read().filter((e) => !(e.kind === kind && e.path === path))
    this.write([{ kind, path, at: this.now() }, ...rest].slice(0, this.limit))
  }

  remove(kind: RecentKind, path: string): void {
    this.write(this.read().filter((e) => !(e.kind === kind && e.path === path)))
  }

  clear(): void {
    this.write([])
  }

  private read(): RecentEntry[] {
    const r = readJson(this.file)
    return sanitizeRecent(r.kind === 'ok' ? r.value : undefined, this.limit)
  }

  private write(entries: RecentEntry[]): void {
    try {
      writeJsonAtomic(this.file, entries)
    } catch {
      // A data folder that cannot be written costs the list, never the open that added to it.
    }
  }
}

export function recentFilePath(dataDir: string): string {
  return join(dataDir, RECENT_FILE)
}
