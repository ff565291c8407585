// A pane size that survives reloads (localStorage), clamped to sane bounds.

import { ref, watch, type Ref } from 'vue'

const PREFIX = 'loopscope.layout.'

export function usePersistedSize(key: string, initial: number, min: number, max: number): Ref<number> {
  let stored = NaN
  try {
    stored = Number(localStorage.getItem(PREFIX + key))
  } catch {
    // Storage may be unavailable (private mode, file: origins); the default then stands.
  }
  const size = ref(Number.isFinite(stored) && stored > 0 ? Math.min(max, Math.max(min, stored)) : initial)
  watch(size, (v) => {
    try {
      localStorage.setItem(PREFIX + key, String(Math.round(v)))
    } catch {
      // Not persisted; the layout still works for this session.
    }
  })
  return size
}
