// The live swimlanes' picture: lane labels, the time axis, bands, tick rules, spans (already
// culled and merged by lod.ts), markers, await arrows and the scrub cursor, as the elements of
// one ECharts custom series. Items of one look share one batch element (swimlane-shapes.ts):
// an element per span cost ECharts ~10 µs each (build, diff, hit-test index, brush), too much
// for a zoomed-out window of thousands of spans in a frame. Hover and click hit-test the
// frame here instead of the elements. The picture matches the one-element-per-span custom
// series of swimlane-option.ts, which the image export uses (an SVG's elements carry titles).
//
// Pure: no ECharts or DOM import; text is measured through a structural type.

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
import { SHAPE_DOTS, SHAPE_POLYS, SHAPE_RECTS, SHAPE_SEGMENTS } from './swimlane-shapes'
import type { SwimlaneTheme } from './swimlane-theme'
import type { TraceModel } from './trace-model'

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

  get(
    model: TraceModel,
    collapsed: ReadonlySet<number>,
    now = 0,
    minIntervalMs = this.minIntervalMs
  ): LaneRow[] {
    const same = model === this.model && collapsed === this.collapsed
    if (same && model.laneVersion === this.laneVersion) return this.rows
    if (same && now - this.builtAt < minIntervalMs) {
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
}

/** What text is measured with: a 2D canvas context, or anything with its measureText. */
export interface TextMeasure {
  font: string
  measureText(text: string): { width: number }
}

/** Shortens text to fit `max` pixels with an ellipsis; remembers what it measured. */
export class TextFitter {
  private readonly cache = new Map<string, string>()

  constructor(private readonly measure: TextMeasure) {}

  fit(text: string, max: number, font: string): string {
    if (this.cache.size > 4000) this.cache.clear()
    // Widths are bucketed by 4 px so a label in a slowly growing span is not re-measured each frame.
    const bucket = Math.floor(max / 4) * 4
    const key = `${font}\u0000${bucket}\u0000${text}`
    let out = this.cache.get(key)
    if (out === undefined) {
      if (this.measure.font !== font) this.measure.font = font
      out = fitText(this.measure, text, bucket)
      this.cache.set(key, out)
    }
    return out
  }

  /** Width of `text` in `font`, in CSS pixels. */
  width(text: string, font: string): number {
    if (this.measure.font !== font) this.measure.font = font
    return this.measure.measureText(text).width
  }
}

function fitText(ctx: TextMeasure, text: string, max: number): string {
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

/**
 * One graphic element of the swimlanes' custom series (ECharts' renderItem return format).
 * Batch shapes (`ls-*`, swimlane-shapes.ts) carry every item of one look in one element.
 */
export interface LayerElement {
  type: string
  name: string
  silent: true
  z2?: number
  x?: number
  y?: number
  shape?: Record<string, unknown>
  style?: Record<string, unknown>
  clipPath?: { type: 'rect'; shape: { x: number; y: number; width: number; height: number } }
  $mergeChildren?: 'byName'
  children?: LayerElement[]
}

const SPAN_HEIGHT = 0.62
const SELECT_HEIGHT = 0.5
const MARKER_HALF = 0.31
/** Merged blocks' opacities are rounded to sixteenths, so one element draws all of a level. */
const OPACITY_LEVELS = 16

/** Collects batch elements by look, in the order each look first appears. */
class Batches {
  private readonly byKey = new Map<string, LayerElement & { shape: { d: number[] } }>()
  readonly out: LayerElement[] = []

  constructor(private readonly prefix: string) {}

  get(
    type: string,
    key: string,
    style: Record<string, unknown>,
    shape: Record<string, unknown> = {}
  ): number[] {
    let el = this.byKey.get(key)
    if (!el) {
      el = { type, name: `${this.prefix}${key}`, silent: true, shape: { ...shape, d: [] }, style }
      this.byKey.set(key, el)
      this.out.push(el)
    }
    return el.shape.d
  }

  /**
   * The rectangles of one look. Its style and shape objects are made only for a new look: this
   * runs once per visible span each frame.
   */
  rects(key: string, fill: string, opacity: number, r: number): number[] {
    const el = this.byKey.get(key)
    if (el) return el.shape.d
    return this.get(SHAPE_RECTS, key, opacity === 1 ? { fill } : { fill, opacity }, { r })
  }
}

function text(
  name: string,
  x: number,
  y: number,
  value: string,
  style: Record<string, unknown>
): LayerElement {
  return { type: 'text', name, silent: true, x, y, style: { text: value, ...style } }
}

/**
 * What the chart draws for a frame: lane labels, the time axis, bands, tick rules, spans
 * (already culled and merged by lod.ts), their labels, markers, await arrows, the selection
 * and the scrub cursor, as elements for the custom series' renderItem. Everything in the
 * plot is clipped to it.
 */
export function layerElements(
  model: TraceModel,
  frame: LayerFrame,
  opts: PaintOptions,
  fitter: TextFitter
): LayerElement[] {
  const g = frame.geometry
  const th = opts.theme
  const [w0, w1] = frame.window
  const k = g.plotW / (w1 - w0)
  const px = (t: number): number => g.plotX + (t - w0) * k
  const rowY = (row: number): number => g.plotY + (row - g.rowStart + 0.5) * g.band
  const rowEnd = Math.min(frame.rows.length, g.rowStart + g.fitRows)
  const selectedRow =
    opts.selectedLane === null ? -1 : frame.rows.findIndex((r) => r.lane === opts.selectedLane)
  const fontFamily = th.font.replace(/^\d+px /, '')
  const labelFont = `12px ${fontFamily}`
  const out: LayerElement[] = []

  // Lane labels, in the column left of the plot.
  for (let r = g.rowStart; r < rowEnd; r++) {
    const label = opts.labels[r] ?? ''
    if (!label) continue
    const shown = fitter.fit(label, GRID_LEFT - 16, labelFont)
    out.push(
      text(`lane:${r - g.rowStart}`, 10, rowY(r), shown, {
        fill: th.text,
        font: labelFont,
        align: 'left',
        verticalAlign: 'middle'
      })
    )
  }
  axisElements(out, frame, th, px, labelFont, fitter)

  const plot: LayerElement[] = []
  const back = new Batches('back:')
  // Alternate lanes and the selected one.
  for (let r = g.rowStart; r < rowEnd; r++) {
    if (r % 2 !== 1 && r !== selectedRow) continue
    const fill = r === selectedRow ? th.sliderFill : th.laneAlt
    back.get(SHAPE_RECTS, fill, { fill }).push(g.plotX, rowY(r) - g.band / 2, g.plotW, g.band)
  }
  if (frame.ticks.length) {
    const d = back.get(SHAPE_RECTS, 'ticks', { fill: th.tick })
    for (const t of frame.ticks) d.push(Math.round(px(t)) - 0.5, g.plotY, 1, g.plotH)
  }
  plot.push(...back.out)
  spanElements(plot, model, frame, opts, px, rowY, fitter)
  markerElements(plot, frame, th, px, rowY)
  if (frame.awaits.length) awaitElements(plot, frame, th, px, rowY)
  if (opts.cursorT !== null) {
    const x = px(opts.cursorT)
    if (x >= g.plotX && x <= g.plotX + g.plotW)
      plot.push({
        type: SHAPE_RECTS,
        name: 'cursor',
        silent: true,
        shape: { d: [x - 0.75, g.plotY, 1.5, g.plotH], r: 0 },
        style: { fill: th.cursor }
      })
  }
  plot.forEach((el, i) => (el.z2 = i))
  out.push({
    type: 'group',
    name: 'plot',
    silent: true,
    $mergeChildren: 'byName',
    clipPath: { type: 'rect', shape: { x: g.plotX, y: g.plotY, width: g.plotW, height: g.plotH } },
    children: plot
  })
  return out
}

/** The time axis: grid lines, the axis line and labels in time since the origin. */
function axisElements(
  out: LayerElement[],
  frame: LayerFrame,
  th: SwimlaneTheme,
  px: (t: number) => number,
  font: string,
  fitter: TextFitter
): void {
  const g = frame.geometry
  const origin = frame.extent[0]
  const [w0, w1] = frame.window
  const span = w1 - w0
  const { ticks } = axisTicks(w0 - origin, w1 - origin, g.plotW)
  const bottom = g.plotY + g.plotH
  const lines = [g.plotX, bottom - 0.5, g.plotW, 1]
  // Labels that would overlap the previous one are left out, as ECharts' hideOverlap does.
  let lastRight = -Infinity
  let n = 0
  for (const v of ticks) {
    const x = Math.round(px(v + origin)) + 0.5
    if (x < g.plotX - 0.5 || x > g.plotX + g.plotW + 0.5) continue
    lines.push(x - 0.5, g.plotY, 1, g.plotH + 5)
    const label = formatAxisTime(v, span)
    const w = fitter.width(label, font)
    if (x - w / 2 < lastRight + 4) continue
    out.push(
      text(`axis:${n++}`, x, bottom + 8, label, {
        fill: th.textMuted,
        font,
        align: 'center',
        verticalAlign: 'top'
      })
    )
    lastRight = x + w / 2
  }
  out.push({
    type: SHAPE_RECTS,
    name: 'axis',
    silent: true,
    shape: { d: lines, r: 0 },
    style: { fill: th.grid }
  })
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

function spanElements(
  out: LayerElement[],
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
  const spans = new Batches('span:')
  const labels: LayerElement[] = []
  let selected: number[] | null = null
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
    if (kind === SpanKind.Merged) {
      const fill = mergedBlockFill(th, frame.rows[row], flags)
      const level = Math.round(mergedBlockOpacity(busy) * OPACITY_LEVELS)
      spans.rects(`${fill}@${level}`, fill, level / OPACITY_LEVELS, 2).push(x0, y, w, h)
      continue
    }
    const fill = spanFill(th, kind, flags)
    spans.rects(fill, fill, 1, 2).push(x0, y, w, h)
    if (spanIdx === opts.selectedSpan) selected = [x0, y, w, h]
    if (w > 36 && count === 1) {
      const shown = fitter.fit(model.spanLabel(spanIdx), w - 8, th.font)
      if (shown)
        labels.push(
          text(`label:${labels.length}`, x0 + 4, y + h / 2, shown, {
            fill: kind === SpanKind.Wait || kind === SpanKind.Select ? th.waitText : '#ffffff',
            font: th.font,
            align: 'left',
            verticalAlign: 'middle'
          })
        )
    }
  }
  out.push(...spans.out, ...labels)
  if (selected)
    out.push({
      type: 'rect',
      name: 'selected',
      silent: true,
      shape: { x: selected[0], y: selected[1], width: selected[2], height: selected[3] },
      style: { fill: 'none', stroke: th.selection, lineWidth: 1.5 }
    })
}

function markerElements(
  out: LayerElement[],
  frame: LayerFrame,
  th: SwimlaneTheme,
  px: (t: number) => number,
  rowY: (row: number) => number
): void {
  const g = frame.geometry
  const half = g.band * MARKER_HALF
  const marks = new Batches('mark:')
  for (const [row, t, kind] of frame.markers) {
    const x = px(t)
    const y = rowY(row)
    if (x < g.plotX - 4 || x > g.plotX + g.plotW + 4) continue
    const top = y - half
    const bottom = y + half
    switch (kind) {
      case MarkerKind.TimerDue:
        marks
          .get(SHAPE_POLYS, 'timer', { fill: th.timer }, { k: 3 })
          .push(x - 3.5, top - 3, x + 3.5, top - 3, x, top + 2)
        break
      case MarkerKind.IoReady:
        marks.get(SHAPE_DOTS, 'io', { fill: th.io }, { r: 3 }).push(x, y)
        break
      case MarkerKind.Created:
        marks.get(SHAPE_RECTS, 'created', { fill: th.created }, { r: 0 }).push(x - 0.5, top, 1, bottom - top)
        break
      case MarkerKind.Problem:
        marks
          .get(SHAPE_POLYS, 'problem', { fill: th.problem, stroke: th.background, lineWidth: 1 }, { k: 3 })
          .push(x, bottom - 8, x + 4.5, bottom + 1, x - 4.5, bottom + 1)
        break
      case MarkerKind.Done:
        marks.get(SHAPE_RECTS, 'done', { fill: th.done }, { r: 0 }).push(x - 1, top, 3, bottom - top)
        break
      default: {
        const r = 4
        const colour = kind === MarkerKind.Failed ? th.failed : th.cancelled
        marks
          .get(SHAPE_SEGMENTS, colour, { fill: 'none', stroke: colour, lineWidth: 2 })
          .push(x - r, y - r, x + r, y + r, x - r, y + r, x + r, y - r)
      }
    }
  }
  out.push(...marks.out)
}

function awaitElements(
  out: LayerElement[],
  frame: LayerFrame,
  th: SwimlaneTheme,
  px: (t: number) => number,
  rowY: (row: number) => number
): void {
  const g = frame.geometry
  const lines: number[] = []
  const heads: number[] = []
  for (const [from, to, t] of frame.awaits) {
    const x = Math.max(g.plotX + 2, Math.min(px(t) + 3, g.plotX + g.plotW - 2))
    const dir = rowY(to) > rowY(from) ? 1 : -1
    const y0 = rowY(from) + dir * g.band * 0.3
    const y1 = rowY(to) - dir * g.band * 0.3
    lines.push(x, y0, x, y1)
    heads.push(x - 3, y1 - dir * 5, x + 3, y1 - dir * 5, x, y1)
  }
  out.push(
    {
      type: SHAPE_SEGMENTS,
      name: 'await:lines',
      silent: true,
      shape: { d: lines },
      style: { fill: 'none', stroke: th.waitText, lineWidth: 1, lineDash: [3, 2] }
    },
    {
      type: SHAPE_POLYS,
      name: 'await:heads',
      silent: true,
      shape: { d: heads, k: 3 },
      style: { fill: th.waitText }
    }
  )
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

/** The id of the custom series that draws the lanes; a redraw sets only its data. */
export const LANES_SERIES = 'lanes'

/**
 * The lanes' chart: one custom series whose `renderItem` returns the elements of the current
 * frame (layerElements), drawn in pixels outside any axis. It has a chart of its own, over the
 * sliders' chart: an update of a chart re-renders every component in it, and the sliders
 * would be rebuilt on every redraw of the lanes.
 */
export function lanesChartOption(renderItem: () => unknown): Record<string, unknown> {
  return {
    animation: false,
    series: [
      {
        id: LANES_SERIES,
        type: 'custom',
        coordinateSystem: 'none',
        silent: true,
        animation: false,
        clip: false,
        renderItem,
        data: [[0]]
      }
    ]
  }
}

/**
 * The chart under the lanes: the background and the sliders (the time window at the bottom,
 * the rows on the right), in percent of the whole, so following a growing trace changes
 * nothing in it. Axes exist only to carry the sliders.
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
