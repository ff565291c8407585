// Dark or light: the person's setting, or the OS's (prefers-color-scheme) when it says
// "system"; applied as a class on <html> so the CSS variables follow.

import { onBeforeUnmount, ref, watch, type Ref } from 'vue'
import type { Theme } from '@shared/settings-types'

export type ThemeName = 'dark' | 'light'

export function useTheme(preference: Ref<Theme>): Ref<ThemeName> {
  const query = window.matchMedia('(prefers-color-scheme: light)')
  const theme = ref<ThemeName>('dark')
  const apply = (): void => {
    const pref = preference.value
    theme.value = pref === 'system' ? (query.matches ? 'light' : 'dark') : pref
    document.documentElement.classList.toggle('light', theme.value === 'light')
  }
  apply()
  query.addEventListener('change', apply)
  const stop = watch(preference, apply)
  onBeforeUnmount(() => {
    query.removeEventListener('change', apply)
    stop()
  })
  return theme
}
