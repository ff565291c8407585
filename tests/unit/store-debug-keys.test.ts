import { describe, expect, it } from 'vitest'
import { debugKeyAction, type KeyLike } from '../../src/renderer/src/debug-keys'

const key = (k: string, mods: Partial<KeyLike> = {}): KeyLike => ({
  key: k,
  shiftKey: false,
  altKey: false,
  ctrlKey: false,
  metaKey: false,
  ...mods
})

describe('the debugger keys', () => {
  it('map to the toolbar actions in the web host, as in VS Code', () => {
    expect(debugKeyAction(key('F5'), 'web')).toBe('run-or-resume')
    expect(debugKeyAction(key('F5', { shiftKey: true }), 'web')).toBe('stop')
    expect(debugKeyAction(key('F6'), 'web')).toBe('pause')
    expect(debugKeyAction(key('F8'), 'web')).toBe('resume')
    expect(debugKeyAction(key('F10'), 'web')).toBe('step-tick')
    expect(debugKeyAction(key('F11'), 'web')).toBe('step-callback')
    expect(debugKeyAction(key('ArrowLeft', { altKey: true }), 'web')).toBe('scrub-back')
    expect(debugKeyAction(key('ArrowRight', { altKey: true }), 'web')).toBe('scrub-forward')
    expect(debugKeyAction(key('E', { ctrlKey: true, shiftKey: true }), 'web')).toBe('export-image')
  })

  it('leave the F-keys to the application menu in Electron, so a press acts once', () => {
    for (const k of ['F5', 'F6', 'F8', 'F10', 'F11']) expect(debugKeyAction(key(k), 'electron')).toBeNull()
    expect(debugKeyAction(key('F5', { shiftKey: true }), 'electron')).toBeNull()
    // The window's own keys stay the window's.
    expect(debugKeyAction(key('ArrowLeft', { altKey: true }), 'electron')).toBe('scrub-back')
    expect(debugKeyAction(key('e', { ctrlKey: true, shiftKey: true }), 'electron')).toBe('export-image')
  })

  it('ignore plain arrows and typing', () => {
    expect(debugKeyAction(key('ArrowLeft'), 'web')).toBeNull()
    expect(debugKeyAction(key('a'), 'web')).toBeNull()
    expect(debugKeyAction(key('F10', { ctrlKey: true }), 'web')).toBeNull()
  })
})
