// Window size and position, remembered in userData/window-state.json. A saved position is
// only reused when the window would still be visible on one of today's displays (monitors
// get unplugged; a window restored off-screen is a window the user cannot reach).

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

export interface WindowState {
  width: number
  height: number
  /** Absent when the OS should place the window. */
  x?: number
  y?: number
  maximized: boolean
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 800, maximized: false }
export const MIN_WINDOW_SIZE = { width: 640, height: 420 }
// How much of the title bar area must lie on some display for a position to count.
const MIN_VISIBLE = 48

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v)

export function restoreWindowState(raw: unknown, workAreas: readonly Rect[]): WindowState {
  if (typeof raw !== 'object' || raw === null) return { ...DEFAULT_WINDOW_STATE }
  const r = raw as Record<string, unknown>
  const maximized = r.maximized === true
  if (!isInt(r.width) || !isInt(r.height)) return { ...DEFAULT_WINDOW_STATE, maximized }
  const largest = workAreas.reduce(
    (m, a) => ({ width: Math.max(m.width, a.width), height: Math.max(m.height, a.height) }),
    { width: DEFAULT_WINDOW_STATE.width, height: DEFAULT_WINDOW_STATE.height }
  )
  const width = clamp(r.width, MIN_WINDOW_SIZE.width, largest.width)
  const height = clamp(r.height, MIN_WINDOW_SIZE.height, largest.height)
  if (!isInt(r.x) || !isInt(r.y)) return { width, height, maximized }
  const titleBar: Rect = { x: r.x, y: r.y, width, height: MIN_VISIBLE }
  const visible = workAreas.some((a) => overlap(titleBar, a) >= MIN_VISIBLE * MIN_VISIBLE)
  return visible ? { width, height, x: r.x, y: r.y, maximized } : { width, height, maximized }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), Math.max(lo, hi))
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
  return w > 0 && h > 0 ? w * h : 0
}

export function windowStateOf(normalBounds: Rect, maximized: boolean): WindowState {
  return { ...normalBounds, maximized }
}
