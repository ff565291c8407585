// The exported picture: the renderer's own swimlane option (buildSwimlaneFrame) for one
// time window, wrapped with what a picture pasted into a blog post needs and the live view
// does not — a title block, descriptive lane labels, a named time axis and a colour legend.
// Pure data and render callbacks: the host renders it server-side and the renderer
// client-side, so both pictures are the same.

import { formatDuration } from '../trace-model/format'
import type { LaneRow } from '../trace-model/model-types'
import { MarkerKind, SpanFlag, SpanKind } from '../trace-model/model-types'
import type { MarkerItem, SpanItem } from '../trace-model/lod'
import {
  GRID_LEFT,
  GRID_RIGHT,
  GRID_TOP,
  LANE_HEIGHT,
  buildSwimlaneFrame,
  traceExtent,
  type ChartOption
} from '../trace-model/swimlane-option'
import { LIGHT_THEME, type SwimlaneTheme } from '../trace-model/swimlane-theme'
import type { TraceModel } from '../trace-model/trace-model'

export type { ChartOption }

export interface ExportImageOptions {
  /** Window start, seconds since the trace's origin (default: the start). */
  from?: number
  /** Window end, seconds since the trace's origin (default: the end). */
  to?: number
  /** CSS pixels; PNG output multiplies by its scale. */
  width?: number
  /** CSS pixels; by default tall enough for every lane. */
  height?: number
  /** Font family for every text; the host passes one it knows resvg has. */
  fontFamily?: string
}

export interface ExportImageLayout {
  width: number
  height: number
  /** The window drawn, seconds since the trace's origin. */
  from: number
  to: number
  lanes: number
  /** The plot area in CSS pixels: lane labels sit left of it, lane i's band is a 1/lanes slice. */
  grid: { left: number; top: number; right: number; bottom: number }
}

export interface ExportImageModel {
  option: ChartOption
  layout: ExportImageLayout
}

export const EXPORT_DEFAULT_WIDTH = 1600
const EXPORT_LANE_HEIGHT = 30
const PAD = 24
const TITLE_HEIGHT = 86
/** Under the plot: axis labels and name, then the legend's rows. */
const AXIS_HEIGHT = 58
const LEGEND_ROW_HEIGHT = 20
/** ECharts puts the legend's item gap between wrapped rows too. */
const LEGEND_ITEM_GAP = 20
/** Legend text width per character: wide enough for DejaVu Sans, the widest common UI font. */
const LEGEND_CHAR_PX = 7
const MIN_HEIGHT = 300
const MAX_AUTO_HEIGHT = 4000
/** Bars in one picture before sub-pixel neighbours are merged more coarsely. */
const MAX_SPANS = 12_000
const MAX_COARSENING = 16
/** The frame builder reserves this much under its plot when not interactive. */
const FRAME_AXIS_ROOM = 28

/** One legend entry: a name, a colour and the icon that matches how the chart draws it. */
interface LegendEntry {
  name: string
  color: string
  icon: string
}

const X_ICON = 'path://M0,1L1,0L5,4L9,0L10,1L6,5L10,9L9,10L5,6L1,10L0,9L4,5Z'

function spanLegend(th: SwimlaneTheme, items: readonly SpanItem[], rows: readonly LaneRow[]): LegendEntry[] {
  const seen = new Set<string>()
  for (const [row, , , kind, , , , flags] of items) {
    if (flags & SpanFlag.Blocked) seen.add('blocked')
    if (kind === SpanKind.Run) seen.add('run')
    else if (kind === SpanKind.Callback) seen.add('callback')
    else if (kind === SpanKind.Wait) seen.add(flags & SpanFlag.Scheduled ? 'scheduled' : 'wait')
    else if (kind === SpanKind.Select) seen.add('select')
    else if (kind === SpanKind.Executor) seen.add('executor')
    else if (kind === SpanKind.Merged) {
      const laneKind = rows[row]?.kind
      seen.add(
        laneKind === 'select'
          ? 'select'
          : laneKind === 'callbacks'
            ? 'callback'
            : laneKind === 'executor'
              ? 'executor'
              : 'merged'
      )
    }
  }
  const all: [string, LegendEntry][] = [
    ['run', { name: 'task running a step', color: th.run, icon: 'rect' }],
    ['wait', { name: 'task waiting (on what: in the bar)', color: th.wait, icon: 'rect' }],
    ['merged', { name: 'many short steps (darker = busier)', color: th.merged, icon: 'rect' }],
    ['scheduled', { name: 'created, not started', color: th.scheduled, icon: 'rect' }],
    ['callback', { name: 'plain callback', color: th.callback, icon: 'rect' }],
    ['select', { name: 'loop idle in the selector', color: th.select, icon: 'rect' }],
    ['executor', { name: 'executor job', color: th.executor, icon: 'rect' }],
    ['blocked', { name: 'blocking the loop', color: th.blocked, icon: 'rect' }]
  ]
  return all.filter(([key]) => seen.has(key)).map(([, entry]) => entry)
}

function markerLegend(th: SwimlaneTheme, items: readonly MarkerItem[]): LegendEntry[] {
  const seen = new Set(items.map((m) => m[2]))
  const all: [number, LegendEntry][] = [
    [MarkerKind.Created, { name: 'task created', color: th.created, icon: 'path://M4,0L6,0L6,10L4,10Z' }],
    [MarkerKind.TimerDue, { name: 'timer due', color: th.timer, icon: 'path://M0,0L10,0L5,7Z' }],
    [MarkerKind.IoReady, { name: 'I/O ready', color: th.io, icon: 'circle' }],
    [MarkerKind.Done, { name: 'task done', color: th.done, icon: 'path://M3,0L7,0L7,10L3,10Z' }],
    [MarkerKind.Failed, { name: 'task failed', color: th.failed, icon: X_ICON }],
    [MarkerKind.Cancelled, { name: 'task cancelled', color: th.cancelled, icon: X_ICON }],
    [MarkerKind.Problem, { name: 'problem', color: th.problem, icon: 'triangle' }]
  ]
  return all.filter(([kind]) => seen.has(kind)).map(([, entry]) => entry)
}

/** A block of spans too narrow to draw one by one: [row, start, end, fill index, busy fraction]. */
type MergedItem = [number, number, number, number, number]

function mergedFill(th: SwimlaneTheme, row: LaneRow | undefined, flags: number): string {
  if (flags & SpanFlag.Blocked) return th.blocked
  if (row?.kind === 'select') return th.select
  if (row?.kind === 'callbacks') return th.callback
  if (row?.kind === 'executor') return th.executor
  return th.merged
}

interface RenderApi {
  value(dim: number): unknown
  coord(v: number[]): number[]
  size(v: number[]): number[]
}
type Rect = { x: number; y: number; width: number; height: number }

/** Draws a merged block as the live view does: its opacity says how busy the lane was there. */
function renderMerged(params: { coordSys: unknown }, api: RenderApi, fills: readonly string[]): unknown {
  const cs = params.coordSys as Rect
  const row = api.value(0) as number
  const p0 = api.coord([api.value(1) as number, row])
  const p1 = api.coord([api.value(2) as number, row])
  const fill = fills[api.value(3) as number] ?? fills[0]
  const busy = api.value(4) as number
  const band = api.size([0, 1])[1]
  const x0 = Math.max(p0[0], cs.x)
  const x1 = Math.min(Math.max(p1[0], p0[0] + 1), cs.x + cs.width)
  if (x1 < x0) return null
  const h = band * 0.62
  return {
    type: 'rect',
    shape: { x: x0, y: p0[1] - h / 2, width: Math.max(1, x1 - x0), height: h, r: x1 - x0 > 4 ? 2 : 0 },
    style: { fill, opacity: 0.25 + 0.75 * Math.min(1, busy * 4) }
  }
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const p = Math.pow(10, Math.floor(Math.log10(raw)))
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p
  return 10 * p
}

/** A lane label that says what runs there: the task's name and its coroutine. */
function laneLabel(model: TraceModel, row: LaneRow, maxChars: number): string {
  let text = row.label
  const lane = model.lanes[row.lane]
  const task = lane?.task !== null && lane?.task !== undefined ? model.tasks.get(lane.task) : undefined
  if (task) {
    const coro = task.coro.replace(/\(\)$/, '')
    text = task.name === coro || task.name.startsWith(`${coro}`) ? task.name : `${task.name} · ${task.coro}`
  }
  // Children sit under their parent task, as in the live view; no-break spaces survive SVG.
  const indent = '\u00a0\u00a0\u00a0'.repeat(Math.min(row.depth, 6))
  const room = Math.max(8, maxChars - indent.length)
  return indent + (text.length > room ? `${text.slice(0, room - 1)}…` : text)
}

/** The title line: the script's file name. */
export function exportTitle(model: TraceModel): string {
  const script = model.header?.script ?? model.header?.argv?.[0] ?? 'trace'
  return script.split(/[\\/]/).pop() || script
}

function formatDate(iso: string | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/** The details line: date, Python version, duration, tasks, exit status, the window shown. */
export function exportSubtitle(model: TraceModel, from: number, to: number): string {
  const [lo, hi] = traceExtent(model)
  const whole = hi - lo
  const parts: string[] = []
  const date = formatDate(model.header?.started)
  if (date) parts.push(date)
  if (model.header?.python) parts.push(`Python ${model.header.python}`)
  parts.push(`duration ${formatDuration(whole)}`)
  parts.push(`${model.tasks.size} task${model.tasks.size === 1 ? '' : 's'}`)
  if (model.exit)
    parts.push(model.exit.signal ? `killed by ${model.exit.signal}` : `exit code ${model.exit.code}`)
  if (from > 1e-9 || to < whole - 1e-9) parts.push(`showing ${formatDuration(from)} – ${formatDuration(to)}`)
  return parts.join('   ·   ')
}

export function buildExportImageOption(model: TraceModel, opts: ExportImageOptions = {}): ExportImageModel {
  const [lo, hi] = traceExtent(model)
  const whole = hi - lo
  const from = Math.min(Math.max(0, opts.from ?? 0), whole)
  let to = Math.min(opts.to ?? whole, whole)
  if (!(to - from > 1e-6)) to = from + 1e-6
  const fontFamily = opts.fontFamily ?? 'sans-serif'
  const theme: SwimlaneTheme = { ...LIGHT_THEME, font: `11px ${fontFamily}` }
  const width = Math.round(opts.width ?? EXPORT_DEFAULT_WIDTH)

  // Label column sized for "Task-12 · handler()"-style labels, within reason.
  const labelChars = 34
  const labelWidth = Math.min(Math.max(150, Math.round(width * 0.2)), 250)
  const gridLeft = PAD + labelWidth + 12
  const gridRight = PAD + 12

  // Ask the frame builder for every lane at once: a "screen" tall enough for all rows, and
  // a width whose plot area equals ours, so its pixel-based merging matches our pixels. A
  // dense trace is asked again with coarser merging until the picture stays a reasonable
  // size (an SVG of 100k rectangles is 20 MB and takes ECharts seconds to lay out).
  const probeRows = model.lanes.length + 1
  const plotWidth = Math.max(10, width - gridLeft - gridRight)
  let frame!: ReturnType<typeof buildSwimlaneFrame>
  for (let coarse = 1; coarse <= MAX_COARSENING; coarse *= 2) {
    frame = buildSwimlaneFrame(model, {
      width: plotWidth / coarse + GRID_LEFT + GRID_RIGHT,
      height: GRID_TOP + FRAME_AXIS_ROOM + probeRows * LANE_HEIGHT,
      window: [lo + from, lo + to],
      interactive: false,
      theme
    })
    if (frame.spanCount <= MAX_SPANS) break
  }
  const base = frame.option as ChartOption & {
    series: Record<string, unknown>[]
    xAxis: Record<string, unknown>
    yAxis: Record<string, unknown>
  }
  const seriesById = new Map(base.series.map((s) => [s.id as string, s]))
  const spans = (seriesById.get('spans')?.data ?? []) as SpanItem[]
  const markers = (seriesById.get('markers')?.data ?? []) as MarkerItem[]

  // Lanes with nothing in this window (tasks not yet born or long done, an unused callbacks
  // lane) are left out, and the rest renumbered.
  const used = new Set<number>()
  for (const s of spans) used.add(s[0])
  for (const m of markers) used.add(m[0])
  const keep = frame.rows.map((_, r) => r).filter((r) => used.has(r))
  const newRow = new Map(keep.map((r, i) => [r, i]))
  const rows = keep.map((r) => frame.rows[r])
  // Merged blocks are coloured by their lane's kind, which the frame's renderer looks up by
  // row number; rows are renumbered here, so they are drawn by this module's own series.
  const spanData: SpanItem[] = []
  const mergedData: MergedItem[] = []
  // Fills go in the data as indices: ECharts reads every data dimension as a number.
  const mergedFills = [theme.merged, theme.select, theme.callback, theme.executor, theme.blocked]
  for (const s of spans) {
    const row = newRow.get(s[0])!
    if (s[3] !== SpanKind.Merged) spanData.push([row, ...s.slice(1)] as SpanItem)
    else
      mergedData.push([row, s[1], s[2], mergedFills.indexOf(mergedFill(theme, frame.rows[s[0]], s[7])), s[6]])
  }
  const markerData = markers.map((m) => [newRow.get(m[0])!, ...m.slice(1)] as MarkerItem)
  const bandData = rows.map((_, r) => [r]).filter(([r]) => r % 2 === 1)

  const legend = [...spanLegend(theme, spans, frame.rows), ...markerLegend(theme, markers)]
  // The legend wraps when the picture is narrow; the plot gives way so nothing overlaps.
  const legendItemWidths = legend.map((e) => 16 + 5 + e.name.length * LEGEND_CHAR_PX + 20)
  let legendRows = 1
  let lineWidth = 0
  for (const w of legendItemWidths) {
    if (lineWidth > 0 && lineWidth + w > width - gridLeft - gridRight) {
      legendRows++
      lineWidth = 0
    }
    lineWidth += w
  }
  const gridBottom =
    AXIS_HEIGHT + LEGEND_ROW_HEIGHT + (legendRows - 1) * (LEGEND_ROW_HEIGHT + LEGEND_ITEM_GAP) + 4
  const autoHeight = TITLE_HEIGHT + gridBottom + Math.max(rows.length, 3) * EXPORT_LANE_HEIGHT
  const height = Math.round(opts.height ?? Math.min(MAX_AUTO_HEIGHT, Math.max(MIN_HEIGHT, autoHeight)))

  const series = base.series
    .filter((s) => s.id !== 'cursor')
    .map((s) => {
      if (s.id === 'spans') return { ...s, data: spanData }
      if (s.id === 'markers') return { ...s, data: markerData }
      if (s.id === 'bands') return { ...s, data: bandData }
      return s
    })
  if (mergedData.length) {
    series.push({
      type: 'custom',
      id: 'merged',
      silent: true,
      renderItem: (params: { coordSys: unknown }, api: RenderApi) => renderMerged(params, api, mergedFills),
      data: mergedData,
      encode: { x: [1, 2], y: 0 },
      clip: true,
      z: 2
    })
  }
  // Empty series that exist only to give the legend its names, colours and icons.
  for (const entry of legend) {
    series.push({
      type: 'scatter',
      name: entry.name,
      data: [],
      itemStyle: { color: entry.color },
      symbol: entry.icon
    })
  }

  const font = { fontFamily }
  const option: ChartOption = {
    ...base,
    tooltip: undefined,
    dataZoom: [],
    textStyle: { fontFamily, color: theme.text },
    title: {
      text: exportTitle(model),
      subtext: exportSubtitle(model, from, to),
      left: PAD,
      top: 16,
      itemGap: 8,
      textStyle: { ...font, fontSize: 20, fontWeight: 'bold', color: theme.text },
      subtextStyle: { ...font, fontSize: 12.5, color: theme.textMuted }
    },
    graphic: [
      {
        type: 'text',
        right: PAD,
        top: 22,
        style: { text: 'Loopscope', fill: '#9a9a9a', fontFamily, fontSize: 13, fontWeight: 'bold' }
      }
    ],
    legend: {
      data: legend.map((e) => ({ name: e.name, icon: e.icon })),
      top: height - gridBottom + AXIS_HEIGHT - 4,
      left: gridLeft,
      right: gridRight,
      itemWidth: 16,
      itemHeight: 10,
      itemGap: LEGEND_ITEM_GAP,
      selectedMode: false,
      textStyle: { ...font, fontSize: 12, color: theme.textMuted }
    },
    grid: { left: gridLeft, right: gridRight, top: TITLE_HEIGHT, bottom: gridBottom, containLabel: false },
    xAxis: {
      ...base.xAxis,
      // Ticks counted from the window's start, not from the loop clock's zero, so they
      // land on round times since the start of the run.
      min: lo + from,
      max: lo + to,
      interval: niceStep((to - from) / Math.max(2, (width - gridLeft - gridRight) / 120)),
      name: 'loop time since the start of the run',
      nameLocation: 'middle',
      nameGap: 28,
      nameTextStyle: { ...font, fontSize: 11, color: theme.textMuted },
      axisLine: { show: true, lineStyle: { color: '#b0b0b0' } },
      axisTick: { show: true, lineStyle: { color: '#b0b0b0' } },
      axisLabel: {
        ...(base.xAxis.axisLabel as Record<string, unknown>),
        ...font,
        fontSize: 11,
        // The window's end is rarely a round number; its label would crowd the last round one.
        showMaxLabel: false
      }
    },
    yAxis: {
      ...base.yAxis,
      data: rows.map((row) => laneLabel(model, row, labelChars)),
      triggerEvent: false,
      axisLabel: {
        ...(base.yAxis.axisLabel as Record<string, unknown>),
        ...font,
        fontSize: 12,
        margin: gridLeft - PAD,
        width: labelWidth,
        overflow: 'truncate'
      }
    },
    series
  }

  const grid = { left: gridLeft, top: TITLE_HEIGHT, right: width - gridRight, bottom: height - gridBottom }
  return { option, layout: { width, height, from, to, lanes: rows.length, grid } }
}
