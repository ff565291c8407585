// The person's settings as the host keeps them (validated and persisted there). The renderer
// applies the ones that are its own (theme, console scrollback); the host applies the rest
// to every run (pause at start, legacy shims, blocked-loop threshold).

import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { LoopscopeApi } from '@shared/api'
import { DEFAULT_SETTINGS, type Settings } from '@shared/settings-types'

export const useSettingsStore = defineStore('settings', () => {
  let api: LoopscopeApi | null = null
  const settings = shallowRef<Settings>({ ...DEFAULT_SETTINGS })
  /** Why the last save was refused (the host names the field). */
  const error = ref<string | null>(null)
  const busy = ref(false)
  /** The host's message about a settings file it had to repair, shown once in the dialog too. */
  const notice = ref<string | null>(null)

  /** Loads the settings; resolves to the host's one-time notice, if any. */
  async function load(withApi: LoopscopeApi): Promise<string | null> {
    api = withApi
    const state = await api.getSettings()
    settings.value = { ...state.settings }
    notice.value = state.notice
    return state.notice
  }

  /** Saves what changed; false (and `error` set) when the host refuses it. */
  async function save(next: Settings): Promise<boolean> {
    if (!api) return false
    const patch: Partial<Settings> = {}
    for (const k of Object.keys(next) as (keyof Settings)[])
      if (next[k] !== settings.value[k]) (patch as Record<string, unknown>)[k] = next[k]
    error.value = null
    if (Object.keys(patch).length === 0) return true
    busy.value = true
    try {
      settings.value = { ...(await api.updateSettings(patch)) }
      notice.value = null
      return true
    } catch (e) {
      error.value = (e as Error).message
      return false
    } finally {
      busy.value = false
    }
  }

  return { settings, error, busy, notice, load, save }
})
