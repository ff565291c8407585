// Dark or light, following the OS (prefers-color-scheme), applied as a class on <html>.

import { onBeforeUnmount, ref, type Ref } from 'vue'

export type ThemeName = 'dark' | 'light'

export function useTheme(): Ref<ThemeName> {
  const query = window.matchMedia('(prefers-color-scheme: light)')
  const theme = ref<ThemeName>(query.matches ? 'light' : 'dark')
  const apply = (): void => {
    theme.value = query.matches ? 'light' : 'dark'
    document.documentElement.classList.toggle('light', theme.value === 'light')
  }
  apply()
  query.addEventListener('change', apply)
  onBeforeUnmount(() => query.removeEventListener('change', apply))
  return theme
}
