// The debugger keys people know (VS Code): F5 run or resume, Shift+F5 stop, F6 pause, F8
// resume, F10 step tick, F11 step callback; Alt+Left / Alt+Right scrub ticks; Ctrl+Shift+E
// export image. In Electron the application menu owns the F-keys (its accelerators fire even
// while the console has focus), so the window handling them too would act twice.

export type DebugKeyAction =
  | 'run-or-resume'
  | 'stop'
  | 'pause'
  | 'resume'
  | 'step-tick'
  | 'step-callback'
  | 'scrub-back'
  | 'scrub-forward'
  | 'export-image'

export interface KeyLike {
  key: string
  shiftKey: boolean
  altKey: boolean
  ctrlKey: boolean
  metaKey: boolean
}

const MENU_KEYS = new Set(['F5', 'F6', 'F8', 'F10', 'F11'])

export function debugKeyAction(e: KeyLike, host: 'electron' | 'web' | null): DebugKeyAction | null {
  if (MENU_KEYS.has(e.key) && host === 'electron') return null
  if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.key.toLowerCase() === 'e') return 'export-image'
  if (e.ctrlKey || e.metaKey) return null
  switch (e.key) {
    case 'F5':
      return e.shiftKey ? 'stop' : 'run-or-resume'
    case 'F6':
      return 'pause'
    case 'F8':
      return 'resume'
    case 'F10':
      return 'step-tick'
    case 'F11':
      return 'step-callback'
    case 'ArrowLeft':
      return e.altKey ? 'scrub-back' : null
    case 'ArrowRight':
      return e.altKey ? 'scrub-forward' : null
  }
  return null
}
