// Level of detail and culling for the swimlanes: only spans that intersect the visible
// window are emitted, and runs of spans narrower than a pixel are merged into one block per
// lane, so what is drawn is bounded by lanes × pixels, not by the trace's size.

import { lowerBound } from './columns'
import { SpanKind, type LaneRow } from './model-types'
import type { TraceModel } from './trace-model'

/** [row, start, end, kind, spanIdx, count, busy fraction, flags] */
export type SpanItem = [number, number, number, number, number, number, number, number]
/** [row, t, marker kind, ref] */
export type MarkerItem = [number, number, number, number]

export interface LodOptions {
  /** Visible window in loop time. */
  t0: number
  t1: number
  /** Pixels per second of loop time. */
  pxPerSec: number
  /** Spans narrower than this (pixels) are merged with their neighbours. */
  minPx?: number
  /** First and one-past-last row to emit (vertical culling). */
  rowFrom?: number
  rowTo?: number
}

export function visibleSpans(model: TraceModel, rows: readonly LaneRow[], opts: LodOptions): SpanItem[] {
  const out: SpanItem[] = []
  const minDur = (opts.minPx ?? 1) / Math.max(opts.pxPerSec, 1e-12)
  const { t0, t1 } = opts
  const startCol = model.spans.start.data
  const kindCol = model.spans.kind.data
  const flagCol = model.spans.flags.data
  const endCol = model.spans.end.data
  const now = model.now
  const rowFrom = Math.max(0, opts.rowFrom ?? 0)
  const rowTo = Math.min(rows.length, opts.rowTo ?? rows.length)
  for (let r = rowFrom; r < rowTo; r++) {
    const list = model.lanes[rows[r].lane].spans
    const idx = list.data
    const n = list.length
    // Spans in a lane never overlap, so their ends ascend too: find the first ending >= t0.
    let lo = 0
    let hi = n
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (model.spanEnd(idx[mid]) < t0) lo = mid + 1
      else hi = mid
    }
    let bCount = 0
    let bStart = 0
    let bEnd = 0
    let bBusy = 0
    let bFirst = -1
    let bFlags = 0
    const flush = (): void => {
      if (bCount === 0) return
      if (bCount === 1) {
        out.push([r, bStart, bEnd, kindCol[bFirst], bFirst, 1, bBusy > 0 ? 1 : 0, flagCol[bFirst]])
      } else {
        const end = Math.max(bEnd, bStart + minDur)
        out.push([
          r,
          bStart,
          end,
          SpanKind.Merged,
          bFirst,
          bCount,
          Math.min(1, bBusy / (end - bStart)),
          bFlags
        ])
      }
      bCount = 0
    }
    for (let k = lo; k < n; k++) {
      const i = idx[k]
      const s = startCol[i]
      if (s > t1) break
      // Open spans (NaN end) reach "now"; inlined spanEnd, this loop is the hot path of a redraw.
      let e = endCol[i]
      if (e !== e) e = now > s ? now : s
      const kind = kindCol[i]
      const busy = kind === SpanKind.Wait ? 0 : e - s
      if (e - s < minDur) {
        if (bCount > 0 && s - bEnd <= minDur) {
          if (e > bEnd) bEnd = e
          bCount++
          bBusy += busy
          bFlags |= flagCol[i]
          continue
        }
        flush()
        bCount = 1
        bStart = s
        bEnd = e
        bBusy = busy
        bFirst = i
        bFlags = flagCol[i]
      } else {
        flush()
        out.push([r, s, e, kind, i, 1, busy > 0 ? 1 : 0, flagCol[i]])
      }
    }
    flush()
  }
  return out
}

/** Markers in the window, at most one per kind per pixel column per row. */
export function visibleMarkers(model: TraceModel, rows: readonly LaneRow[], opts: LodOptions): MarkerItem[] {
  const laneRow = new Int32Array(model.lanes.length).fill(-1)
  const rowFrom = Math.max(0, opts.rowFrom ?? 0)
  const rowTo = Math.min(rows.length, opts.rowTo ?? rows.length)
  for (let r = rowFrom; r < rowTo; r++) laneRow[rows[r].lane] = r
  const m = model.markers
  const tCol = m.t.data
  const n = m.length
  const out: MarkerItem[] = []
  const seen = new Set<number>()
  const px = Math.max(opts.pxPerSec, 1e-12)
  for (let i = lowerBound(tCol.subarray(0, n), opts.t0); i < n; i++) {
    const t = tCol[i]
    if (t > opts.t1) break
    const row = laneRow[m.lane.data[i]]
    if (row < 0) continue
    const kind = m.kind.data[i]
    const key = (row * 16 + kind) * 1e7 + Math.floor((t - opts.t0) * px)
    if (seen.has(key)) continue
    seen.add(key)
    out.push([row, t, kind, m.ref.data[i]])
  }
  return out
}

/** Tick start times in the window, or none when they would be denser than one per `minPx` pixels. */
export function visibleTicks(
  model: TraceModel,
  loopId: number | null,
  opts: LodOptions & { minTickPx?: number }
): number[] {
  if (loopId === null) return []
  const loop = model.loops.get(loopId)
  if (!loop) return []
  const ticks = loop.ticksT.data.subarray(0, loop.ticksT.length)
  const a = lowerBound(ticks, opts.t0)
  const b = lowerBound(ticks, opts.t1 + 1e-12)
  const widthPx = (opts.t1 - opts.t0) * opts.pxPerSec
  if (b - a > widthPx / (opts.minTickPx ?? 4)) return []
  return Array.from(ticks.subarray(a, b))
}
