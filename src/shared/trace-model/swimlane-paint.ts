// The live swimlanes' drawing: lane labels, bands, tick rules, spans (already culled and
// merged by lod.ts), markers, await arrows and the scrub cursor, painted with the 2D canvas
// API onto one layer that the chart shows as a single image. A chart element per span made
// each redraw cost ECharts ~10 µs per item (build, diff, hit-test index, brush); a layer
// costs a fillRect. The picture matches the custom series of swimlane-option.ts, which the
// image export still uses (an SVG needs its elements).
//
// Pure: the canvas is passed in through a structural type, so this module imports no DOM.

import { orderLanes } from './lane-order'
import { visibleMarkers, visibleSpans, visibleTicks, type MarkerItem, type SpanItem } from './lod'
import { mergedBlockFill, mergedBlockOpacity } from './merged-style'
import { formatAxisTime } from './format'
import { MarkerKind, SpanFlag, SpanKind, type LaneRow } from './model-types'
import {
  GRID_BOTTOM,
  GRID_LEFT,
  GRID_RIGHT,
  GRID_TOP,
  LANE_HEIGHT,
  awaitArrows,
  laneLabel,
  rowSliderStyle,
  timeSliderStyle,
  traceExtent
} from './swimlane-option'
import type { SwimlaneTheme } from './swimlane-theme'
import type { TraceModel } from './trace-model'

/** The part of CanvasRenderingContext2D the painter uses. */
export interface Canvas2D {
  fillStyle: unknown
  strokeStyle: unknown
  globalAlpha: number
  lineWidth: number
  font: string
  textBaseline: string
  textAlign: string
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void
  clearRect(x: number, y: number, w: number, h: number): void
  fillRect(x: number, y: number, w: number, h: number): void
  strokeRect(x: number, y: number, w: number, h: number): void
  fillText(text: string, x: number, y: number): void
  measureText(text: string): { width: number }
  beginPath(): void
  closePath(): void
  moveTo(x: number, y: number): void
  lineTo(x: number, y: number): void
  arc(x: number, y: number, r: number, a0: number, a1: number): void
  rect(x: number, y: number, w: number, h: number): void
  fill(): void
  stroke(): void
  clip(): void
  save(): void
  restore(): void
  setLineDash(segments: number[]): void
}

/** Where things are, in CSS pixels of the chart (the layer's origin is the chart's). */
export interface LayerGeometry {
  /** Layer size: the label column and the plot. */
  width: number
  height: number
  plotX: number
  plotY: number
  plotW: number
  plotH: number
  /** Height of one lane row. */
  band: number
  rowStart: number
  fitRows: number
}

export interface LayerFrame {
  rows: readonly LaneRow[]
  geometry: LayerGeometry
  /** The whole trace and the visible window, in loop time. */
  extent: [number, number]
  window: [number, number]
  /** Span and marker items in loop time (lod.ts). */
  spans: SpanItem[]
  markers: MarkerItem[]
  ticks: number[]
  /** [from row, to row, t]: a waiting task's arrow to a task it awaits. */
  awaits: number[][]
}

export interface LayerView {
  width: number
  height: number
  window: [number, number]
  rowStart: number
  showTicks: boolean
  showAwaits: boolean
  tickLoop: number | null
}

/**
 * Lane rows and their labels, kept while no lane is added and nothing folds. Ordering is O(lanes);
 * while tasks are created faster than `minIntervalMs` apart, new lanes join at most that often
 * (`stale` says a newer order is due), so a stream of new tasks does not reorder every frame.
 */
export class LaneRowCache {
  private model: TraceModel | null = null
  private laneVersion = -1
  private collapsed: ReadonlySet<number> | null = null
  private builtAt = -Infinity
  rows: LaneRow[] = []
  labels: string[] = []
  stale = false

  constructor(private readonly minIntervalMs = 0) {}

  get(model: TraceModel, collapsed: ReadonlySet<number>, now = 0): LaneRow[] {
    const same = model === this.model && collapsed === this.collapsed
    if (same && model.laneVersion === this.laneVersion) return this.rows
    if (same && now - this.builtAt < this.minIntervalMs) {
      this.stale = true
      return this.rows
    }
    this.model = model
    this.laneVersion = model.laneVersion
    this.collapsed = collapsed
    this.builtAt = now
    this.stale = false
    this.rows = orderLanes(model, collapsed)
    this.labels = this.rows.map(laneLabel)
    return this.rows
  }
}

/** Room under the plot for the time axis's labels (the slider starts below it). */
const AXIS_ROOM = 26

export function layerGeometry(
  view: { width: number; height: number; rowStart: number },
  rowCount: number
): LayerGeometry {
  const plotW = Math.max(10, view.width - GRID_LEFT - GRID_RIGHT)
  const plotH = Math.max(LANE_HEIGHT, view.height - GRID_TOP - GRID_BOTTOM)
  const fitRows = Math.max(1, Math.floor(plotH / LANE_HEIGHT))
  const rowStart = Math.max(0, Math.min(view.rowStart, Math.max(0, rowCount - fitRows)))
  return {
    width: GRID_LEFT + plotW,
    height: GRID_TOP + plotH + AXIS_ROOM,
    plotX: GRID_LEFT,
    plotY: GRID_TOP,
    plotW,
    plotH,
    // The chart's y axis spans fitRows rows over the plot's height (swimlane-option.ts).
    band: plotH / fitRows,
    rowStart,
    fitRows
  }
}

/** Culls and merges what the window shows; `rows` come from a LaneRowCache. */
export function buildLayerFrame(model: TraceModel, rows: readonly LaneRow[], view: LayerView): LayerFrame {
  const extent = traceExtent(model)
  const win: [number, number] = [view.window[0], view.window[1]]
  if (win[1] - win[0] < 1e-7) win[1] = win[0] + 1e-7
  const geometry = layerGeometry(view, rows.length)
  const pxPerSec = geometry.plotW / (win[1] - win[0])
  const lod = {
    t0: win[0],
    t1: win[1],
    pxPerSec,
    minPx: 1,
    rowFrom: geometry.rowStart,
    rowTo: geometry.rowStart + geometry.fitRows
  }
  const spans = visibleSpans(model, rows, lod)
  const markers = visibleMarkers(model, rows, lod)
  const ticks = view.showTicks ? visibleTicks(model, view.tickLoop ?? model.activeLoop, lod) : []
  const awaits = view.showAwaits ? awaitArrows(model, rows, spans) : []
  return { rows, geometry, extent, window: win, spans, markers, ticks, awaits }
}

export interface PaintOptions {
  theme: SwimlaneTheme
  labels: readonly string[]
  selectedSpan: number | null
  selectedLane: number | null
  cursorT: number | null
  /** Device pixels per CSS pixel of the layer's canvas. */
  dpr: number
}

/** Shortens text to fit `max` pixels with an ellipsis; remembers what it measured. */
export class TextFitter {
  private readonly cache = new Map<string, string>()
  private font = ''

  fit(ctx: Canvas2D, text: string, max: number): string {
    if (ctx.font !== this.font || this.cache.size > 4000) {
      this.cache.clear()
      this.font = ctx.font
    }
    // Widths are bucketed by 4 px so a label in a slowly growing span is not re-measured each frame.
    const bucket = Math.floor(max / 4) * 4
    const key = `${bucket}\u0000${text}`
    let out = this.cache.get(key)
    if (out === undefined) {
      out = fitText(ctx, text, bucket)
      this.cache.set(key, out)
    }
    return out
  }
}

function fitText(ctx: Canvas2D, text: string, max: number): string {
  if (max <= 0) return ''
  if (ctx.measureText(text).width <= max) return text
  let lo = 0
  let hi = text.length
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1
    if (ctx.measureText(text.slice(0, mid) + '…').width <= max) lo = mid
    else hi = mid - 1
  }
  return lo > 0 ? text.slice(0, lo) + '…' : ''
}

const SPAN_HEIGHT = 0.62
const SELECT_HEIGHT = 0.5
const MARKER_HALF = 0.31

/** Paints the layer; the canvas is `geometry.width × height` CSS pixels at `dpr`. */
export function paintLayer(
  ctx: Canvas2D,
  model: TraceModel,
  frame: LayerFrame,
  opts: PaintOptions,
  fitter: TextFitter = new TextFitter()
): void {
  const g = frame.geometry
  const th = opts.theme
  const [w0, w1] = frame.window
  const k = g.plotW / (w1 - w0)
  const px = (t: number): number => g.plotX + (t - w0) * k
  const rowY = (row: number): number => g.plotY + (row - g.rowStart + 0.5) * g.band
  const rowEnd = Math.min(frame.rows.length, g.rowStart + g.fitRows)
  const selectedRow =
    opts.selectedLane === null ? -1 : frame.rows.findIndex((r) => r.lane === opts.selectedLane)

  ctx.setTransform(opts.dpr, 0, 0, opts.dpr, 0, 0)
  ctx.clearRect(0, 0, g.width, g.height)
  ctx.globalAlpha = 1

  // Lane labels, in the column left of the plot.
  const fontFamily = th.font.replace(/^\d+px /, '')
  ctx.font = `12px ${fontFamily}`
  ctx.textBaseline = 'middle'
  ctx.textAlign = 'left'
  ctx.fillStyle = th.text
  for (let r = g.rowStart; r < rowEnd; r++) {
    const label = opts.labels[r] ?? ''
    if (label) ctx.fillText(fitter.fit(ctx, label, GRID_LEFT - 16), 10, rowY(r))
  }

  paintAxis(ctx, frame, th, px, fontFamily)

  ctx.save()
  ctx.beginPath()
  ctx.rect(g.plotX, g.plotY, g.plotW, g.plotH)
  ctx.clip()

  // Alternate lanes and the selected one.
  for (let r = g.rowStart; r < rowEnd; r++) {
    if (r % 2 !== 1 && r !== selectedRow) continue
    ctx.fillStyle = r === selectedRow ? th.sliderFill : th.laneAlt
    ctx.fillRect(g.plotX, rowY(r) - g.band / 2, g.plotW, g.band)
  }

  if (frame.ticks.length) {
    ctx.fillStyle = th.tick
    for (const t of frame.ticks) ctx.fillRect(Math.round(px(t)) - 0.5, g.plotY, 1, g.plotH)
  }

  paintSpans(ctx, model, frame, opts, px, rowY, fitter)
  paintMarkers(ctx, frame, th, px, rowY)
  if (frame.awaits.length) paintAwaits(ctx, frame, th, px, rowY)

  if (opts.cursorT !== null) {
    const x = px(opts.cursorT)
    if (x >= g.plotX && x <= g.plotX + g.plotW) {
      ctx.fillStyle = th.cursor
      ctx.globalAlpha = 1
      ctx.fillRect(x - 0.75, g.plotY, 1.5, g.plotH)
    }
  }
  ctx.restore()
  ctx.globalAlpha = 1
}

/** The time axis as the chart drew it: grid lines, the axis line and labels in time since the origin. */
function paintAxis(
  ctx: Canvas2D,
  frame: LayerFrame,
  th: SwimlaneTheme,
  px: (t: number) => number,
  fontFamily: string
): void {
  const g = frame.geometry
  const origin = frame.extent[0]
  const [w0, w1] = frame.window
  const span = w1 - w0
  const { ticks } = axisTicks(w0 - origin, w1 - origin, g.plotW)
  const bottom = g.plotY + g.plotH
  ctx.fillStyle = th.grid
  ctx.fillRect(g.plotX, bottom - 0.5, g.plotW, 1)
  for (const v of ticks) {
    const x = Math.round(px(v + origin)) + 0.5
    if (x < g.plotX - 0.5 || x > g.plotX + g.plotW + 0.5) continue
    ctx.fillRect(x - 0.5, g.plotY, 1, g.plotH + 5)
  }
  ctx.font = `12px ${fontFamily}`
  ctx.textBaseline = 'top'
  ctx.textAlign = 'center'
  ctx.fillStyle = th.textMuted
  // Labels that would overlap the previous one are left out, as ECharts' hideOverlap does.
  let lastRight = -Infinity
  for (const v of ticks) {
    const x = Math.round(px(v + origin)) + 0.5
    if (x < g.plotX - 0.5 || x > g.plotX + g.plotW + 0.5) continue
    const text = formatAxisTime(v, span)
    const w = ctx.measureText(text).width
    if (x - w / 2 < lastRight + 4) continue
    ctx.fillText(text, x, bottom + 8)
    lastRight = x + w / 2
  }
  ctx.textAlign = 'left'
}

function spanFill(th: SwimlaneTheme, kind: number, flags: number): string {
  if (flags & SpanFlag.Blocked) return th.blocked
  switch (kind) {
    case SpanKind.Run:
      return th.run
    case SpanKind.Callback:
      return th.callback
    case SpanKind.Wait:
      return flags & SpanFlag.Scheduled ? th.scheduled : th.wait
    case SpanKind.Select:
      return th.select
    default:
      return th.executor
  }
}

function paintSpans(
  ctx: Canvas2D,
  model: TraceModel,
  frame: LayerFrame,
  opts: PaintOptions,
  px: (t: number) => number,
  rowY: (row: number) => number,
  fitter: TextFitter
): void {
  const g = frame.geometry
  const th = opts.theme
  const left = g.plotX
  const right = g.plotX + g.plotW
  const labels: [string, number, number, number, string][] = []
  let selected: [number, number, number, number] | null = null
  let fill = ''
  let alpha = 1
  for (const it of frame.spans) {
    const [row, s, e, kind, spanIdx, count, busy, flags] = it
    const p0 = px(s)
    const x0 = Math.max(p0, left)
    const x1 = Math.min(Math.max(px(e), p0 + 1), right)
    if (x1 < x0) continue
    const w = Math.max(1, x1 - x0)
    const rowKind = frame.rows[row]?.kind
    const isSelect = kind === SpanKind.Select || (kind === SpanKind.Merged && rowKind === 'select')
    const h = g.band * (isSelect ? SELECT_HEIGHT : SPAN_HEIGHT)
    const y = rowY(row) - h / 2
    let f: string
    let a = 1
    if (kind === SpanKind.Merged) {
      f = mergedBlockFill(th, frame.rows[row], flags)
      a = mergedBlockOpacity(busy)
    } else f = spanFill(th, kind, flags)
    if (f !== fill) ctx.fillStyle = fill = f
    if (a !== alpha) ctx.globalAlpha = alpha = a
    if (w > 4) roundRect(ctx, x0, y, w, h, 2)
    else ctx.fillRect(x0, y, w, h)
    if (kind !== SpanKind.Merged) {
      if (spanIdx === opts.selectedSpan) selected = [x0, y, w, h]
      if (w > 36 && count === 1) {
        const colour = kind === SpanKind.Wait || kind === SpanKind.Select ? th.waitText : '#ffffff'
        labels.push([model.spanLabel(spanIdx), x0 + 4, y + h / 2, w - 8, colour])
      }
    }
  }
  ctx.globalAlpha = 1
  if (labels.length) {
    ctx.font = th.font
    ctx.textBaseline = 'middle'
    ctx.textAlign = 'left'
    for (const [text, x, y, max, colour] of labels) {
      const shown = fitter.fit(ctx, text, max)
      if (!shown) continue
      ctx.fillStyle = colour
      ctx.fillText(shown, x, y)
    }
  }
  if (selected) {
    ctx.strokeStyle = th.selection
    ctx.lineWidth = 1.5
    ctx.strokeRect(selected[0], selected[1], selected[2], selected[3])
  }
}

function roundRect(ctx: Canvas2D, x: number, y: number, w: number, h: number, r: number): void {
  ctx.beginPath()
  ctx.moveTo(x + r, y)
  ctx.lineTo(x + w - r, y)
  ctx.arc(x + w - r, y + r, r, -Math.PI / 2, 0)
  ctx.lineTo(x + w, y + h - r)
  ctx.arc(x + w - r, y + h - r, r, 0, Math.PI / 2)
  ctx.lineTo(x + r, y + h)
  ctx.arc(x + r, y + h - r, r, Math.PI / 2, Math.PI)
  ctx.lineTo(x, y + r)
  ctx.arc(x + r, y + r, r, Math.PI, Math.PI * 1.5)
  ctx.closePath()
  ctx.fill()
}

function paintMarkers(
  ctx: Canvas2D,
  frame: LayerFrame,
  th: SwimlaneTheme,
  px: (t: number) => number,
  rowY: (row: number) => number
): void {
  const g = frame.geometry
  const half = g.band * MARKER_HALF
  for (const [row, t, kind] of frame.markers) {
    const x = px(t)
    const y = rowY(row)
    if (x < g.plotX - 4 || x > g.plotX + g.plotW + 4) continue
    const top = y - half
    const bottom = y + half
    switch (kind) {
      case MarkerKind.TimerDue:
        ctx.fillStyle = th.timer
        triangle(ctx, x - 3.5, top - 3, x + 3.5, top - 3, x, top + 2)
        ctx.fill()
        break
      case MarkerKind.IoReady:
        ctx.fillStyle = th.io
        ctx.beginPath()
        ctx.arc(x, y, 3, 0, Math.PI * 2)
        ctx.fill()
        break
      case MarkerKind.Created:
        ctx.fillStyle = th.created
        ctx.fillRect(x - 0.5, top, 1, bottom - top)
        break
      case MarkerKind.Problem:
        ctx.fillStyle = th.problem
        ctx.strokeStyle = th.background
        ctx.lineWidth = 1
        triangle(ctx, x, bottom - 8, x + 4.5, bottom + 1, x - 4.5, bottom + 1)
        ctx.fill()
        ctx.stroke()
        break
      case MarkerKind.Done:
        ctx.fillStyle = th.done
        ctx.fillRect(x - 1, top, 3, bottom - top)
        break
      default: {
        const r = 4
        ctx.strokeStyle = kind === MarkerKind.Failed ? th.failed : th.cancelled
        ctx.lineWidth = 2
        ctx.beginPath()
        ctx.moveTo(x - r, y - r)
        ctx.lineTo(x + r, y + r)
        ctx.moveTo(x - r, y + r)
        ctx.lineTo(x + r, y - r)
        ctx.stroke()
      }
    }
  }
}

function triangle(
  ctx: Canvas2D,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  cx: number,
  cy: number
): void {
  ctx.beginPath()
  ctx.moveTo(ax, ay)
  ctx.lineTo(bx, by)
  ctx.lineTo(cx, cy)
  ctx.closePath()
}

function paintAwaits(
  ctx: Canvas2D,
  frame: LayerFrame,
  th: SwimlaneTheme,
  px: (t: number) => number,
  rowY: (row: number) => number
): void {
  const g = frame.geometry
  ctx.strokeStyle = th.waitText
  ctx.fillStyle = th.waitText
  ctx.lineWidth = 1
  for (const [from, to, t] of frame.awaits) {
    const x = Math.max(g.plotX + 2, Math.min(px(t) + 3, g.plotX + g.plotW - 2))
    const dir = rowY(to) > rowY(from) ? 1 : -1
    const y0 = rowY(from) + dir * g.band * 0.3
    const y1 = rowY(to) - dir * g.band * 0.3
    ctx.setLineDash([3, 2])
    ctx.beginPath()
    ctx.moveTo(x, y0)
    ctx.lineTo(x, y1)
    ctx.stroke()
    ctx.setLineDash([])
    triangle(ctx, x - 3, y1 - dir * 5, x + 3, y1 - dir * 5, x, y1)
    ctx.fill()
  }
}

export type LayerHit =
  { kind: 'label'; row: number } | { kind: 'span'; item: SpanItem } | { kind: 'marker'; item: MarkerItem }

/** What is under a point of the chart (CSS pixels), as the layer drew it. */
export function hitTestLayer(frame: LayerFrame, x: number, y: number): LayerHit | null {
  const g = frame.geometry
  if (y < g.plotY || y >= g.plotY + g.plotH) return null
  const row = g.rowStart + Math.floor((y - g.plotY) / g.band)
  if (row >= frame.rows.length || row >= g.rowStart + g.fitRows) return null
  if (x < g.plotX) return x >= 0 ? { kind: 'label', row } : null
  if (x > g.plotX + g.plotW) return null
  const [w0, w1] = frame.window
  const k = g.plotW / (w1 - w0)
  const px = (t: number): number => g.plotX + (t - w0) * k
  const cy = g.plotY + (row - g.rowStart + 0.5) * g.band
  let best: MarkerItem | null = null
  let bestD = 5
  if (Math.abs(y - cy) <= g.band * MARKER_HALF + 4) {
    for (const m of frame.markers) {
      if (m[0] !== row) continue
      const d = Math.abs(px(m[1]) - x)
      if (d <= bestD) {
        best = m
        bestD = d
      }
    }
  }
  if (best) return { kind: 'marker', item: best }
  // Spans of a row are contiguous and in time order (lod.ts).
  const spans = frame.spans
  let lo = 0
  let hi = spans.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (spans[mid][0] < row) lo = mid + 1
    else hi = mid
  }
  let near: SpanItem | null = null
  let nearD = 2
  for (let i = lo; i < spans.length && spans[i][0] === row; i++) {
    const it = spans[i]
    const x0 = px(it[1])
    const x1 = Math.max(px(it[2]), x0 + 1)
    if (x >= x0 && x <= x1) return { kind: 'span', item: it }
    const d = x < x0 ? x0 - x : x - x1
    if (d <= nearD) {
      near = it
      nearD = d
    }
  }
  return near ? { kind: 'span', item: near } : null
}

/** Index of the row whose lane is `lane`, or -1. */
export function rowOfLane(rows: readonly LaneRow[], lane: number): number {
  for (let i = 0; i < rows.length; i++) if (rows[i].lane === lane) return i
  return -1
}

/**
 * The chart under the layer: only the sliders (the time window at the bottom, the rows on the
 * right), in percent of the whole, so following a growing trace changes nothing in it. Axes
 * exist only to carry the sliders.
 */
export function sliderChartOption(th: SwimlaneTheme, rowsSlider: boolean): Record<string, unknown> {
  const zoom: Record<string, unknown>[] = [{ ...timeSliderStyle(th), minSpan: 0 }]
  if (rowsSlider) zoom.push(rowSliderStyle(th))
  return {
    backgroundColor: th.background,
    animation: false,
    grid: { left: GRID_LEFT, right: GRID_RIGHT, top: GRID_TOP, bottom: GRID_BOTTOM, containLabel: false },
    xAxis: { type: 'value', min: 0, max: 1, show: false },
    yAxis: { type: 'value', min: 0, max: 1, inverse: true, show: false },
    dataZoom: zoom
  }
}

/** The sliders' positions (percent) for a frame: the window in the trace, the rows shown. */
export function sliderPositions(frame: LayerFrame): { x: [number, number]; y: [number, number] | null } {
  const [lo, hi] = frame.extent
  const span = hi - lo
  const g = frame.geometry
  const x: [number, number] = [
    Math.max(0, ((frame.window[0] - lo) / span) * 100),
    Math.min(100, ((frame.window[1] - lo) / span) * 100)
  ]
  if (frame.rows.length <= g.fitRows) return { x, y: null }
  const n = frame.rows.length
  return { x, y: [(g.rowStart / n) * 100, (Math.min(n, g.rowStart + g.fitRows) / n) * 100] }
}

/** Round steps for the time axis: 1, 2 or 5 times a power of ten, about `px` pixels apart. */
export function axisTicks(
  t0: number,
  t1: number,
  widthPx: number,
  px = 100
): { step: number; ticks: number[] } {
  const span = t1 - t0
  const raw = span / Math.max(1, widthPx / px)
  const pow = Math.pow(10, Math.floor(Math.log10(raw)))
  const f = raw / pow
  const step = (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * pow
  const ticks: number[] = []
  for (let v = Math.ceil(t0 / step) * step; v <= t1 + step * 1e-9 && ticks.length < 200; v += step)
    ticks.push(Math.round(v / step) * step)
  return { step, ticks }
}
