// A pane size that survives reloads (localStorage), clamped to sane bounds; and the layout
// store it and the Tasks column widths share.

import { ref, watch, type Ref } from 'vue'

const PREFIX = 'loopscope.layout.'

/** What the layout remembered under `key`, or null (nothing, or storage unavailable). */
export function readLayout(key: string): string | null {
  try {
    return localStorage.getItem(PREFIX + key)
  } catch {
    // Storage may be unavailable (private mode, file: origins); the default then stands.
    return null
  }
}

/** What the layout remembered under `key` as JSON, or null (nothing, storage unavailable, or not JSON). */
export function readLayoutJson(key: string): unknown {
  try {
    return JSON.parse(readLayout(key) ?? 'null')
  } catch {
    return null
  }
}

/** Remembers `value` under `key`; where storage is unavailable it holds for this session only. */
export function writeLayout(key: string, value: string): void {
  try {
    localStorage.setItem(PREFIX + key, value)
  } catch {
    // Not persisted; the layout still works for this session.
  }
}

export function usePersistedSize(key: string, initial: number, min: number, max: number): Ref<number> {
  const stored = Number(readLayout(key))
  const size = ref(Number.isFinite(stored) && stored > 0 ? Math.min(max, Math.max(min, stored)) : initial)
  watch(size, (v) => writeLayout(key, String(Math.round(v))))
  return size
}
