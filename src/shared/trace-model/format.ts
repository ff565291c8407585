// Number and text formatting shared by the views and the exported images.

export function formatDuration(sec: number): string {
  if (!Number.isFinite(sec)) return '—'
  const a = Math.abs(sec)
  if (a === 0) return '0 s'
  if (a < 1e-3) return `${(sec * 1e6).toFixed(a < 1e-5 ? 2 : 1)} µs`
  if (a < 1) return `${(sec * 1e3).toFixed(a < 1e-2 ? 2 : 1)} ms`
  if (a < 60) return `${sec.toFixed(a < 10 ? 3 : 2)} s`
  const m = Math.floor(a / 60)
  return `${sec < 0 ? '-' : ''}${m}m ${(a - m * 60).toFixed(1)}s`
}

/**
 * A clock that runs on, for the status bar: a fixed number of decimals for each unit, so that
 * "1.00 s" does not read "1 s" and the figure does not change width at each whole second;
 * under a second in milliseconds (a 16 ms run is not "0.02 s").
 */
export function formatClock(sec: number): string {
  if (!Number.isFinite(sec)) return '—'
  const a = Math.abs(sec)
  if (a < 1) return `${(sec * 1e3).toFixed(a < 0.01 ? 1 : 0)} ms`
  return `${sec.toFixed(a < 100 ? 2 : 1)} s`
}

/**
 * Loop time relative to the trace origin, for axes: the unit and decimals are chosen by the
 * visible span, so neighbouring labels differ in their last digits ("10 ms", "20 ms").
 */
export function formatAxisTime(sec: number, span: number): string {
  if (span < 0.002) return `${trimZero((sec * 1e6).toFixed(span < 0.0002 ? 1 : 0))} µs`
  if (span < 2) return `${trimZero((sec * 1e3).toFixed(span < 0.02 ? 2 : span < 0.2 ? 1 : 0))} ms`
  return `${trimZero(sec.toFixed(span < 20 ? 2 : 1))} s`
}

function trimZero(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s
}

/** The last parts of a dotted callback label ("asyncio.futures._set_result" → "futures._set_result"). */
export function shortLabel(label: string, parts = 2): string {
  const bits = label.split('.')
  return bits.length > parts ? bits.slice(-parts).join('.') : label
}

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!
  )
}

export function shortSite(site: string | null | undefined): string {
  if (!site) return ''
  const m = /([^/\\]+:\d+)$/.exec(site)
  return m ? m[1] : site
}
