import { describe, expect, it } from 'vitest'
import { DEFAULT_WINDOW_STATE, MIN_WINDOW_SIZE, restoreWindowState } from '../../src/main/window-state'

const laptop = { x: 0, y: 0, width: 1920, height: 1050 }
const rightMonitor = { x: 1920, y: 0, width: 2560, height: 1410 }

describe('window state restore', () => {
  it('restores size and position that are visible on a display', () => {
    const s = { x: 100, y: 80, width: 1400, height: 900, maximized: false }
    expect(restoreWindowState(s, [laptop])).toEqual(s)
  })

  it('keeps a window on a second monitor while that monitor is attached', () => {
    const s = { x: 2200, y: 100, width: 1600, height: 1000, maximized: true }
    expect(restoreWindowState(s, [laptop, rightMonitor])).toEqual(s)
  })

  it('lets the OS place a window whose monitor is gone, keeping its size', () => {
    const s = { x: 2200, y: 100, width: 1600, height: 1000, maximized: false }
    expect(restoreWindowState(s, [laptop])).toEqual({ width: 1600, height: 1000, maximized: false })
  })

  it('drops a position whose title bar is above the screen', () => {
    const s = { x: 100, y: -500, width: 1000, height: 700, maximized: false }
    expect(restoreWindowState(s, [laptop])).toEqual({ width: 1000, height: 700, maximized: false })
  })

  it('clamps sizes to the minimum and to the largest display', () => {
    expect(restoreWindowState({ width: 10, height: 10 }, [laptop])).toMatchObject(MIN_WINDOW_SIZE)
    expect(restoreWindowState({ width: 99999, height: 99999 }, [laptop])).toMatchObject({
      width: 1920,
      height: 1050
    })
  })

  it('falls back to defaults for a missing or corrupt file', () => {
    expect(restoreWindowState(undefined, [laptop])).toEqual(DEFAULT_WINDOW_STATE)
    expect(restoreWindowState('garbage', [laptop])).toEqual(DEFAULT_WINDOW_STATE)
    expect(restoreWindowState({ width: '800', height: 600 }, [laptop])).toEqual(DEFAULT_WINDOW_STATE)
    expect(restoreWindowState({ width: 1.5, height: 600, x: 0, y: 0 }, [laptop])).toEqual(
      DEFAULT_WINDOW_STATE
    )
  })
})
