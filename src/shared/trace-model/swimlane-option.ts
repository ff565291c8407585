// Builds the ECharts option of the swimlane chart from the model: a custom series of spans
// (already culled and merged by lod.ts), a custom series of markers, faint tick rules and
// the scrub cursor. Pure: no DOM, so the image exporter renders the same option in Node.

import { escapeHtml, formatAxisTime, formatDuration, shortSite } from './format'
import { orderLanes } from './lane-order'
import { visibleMarkers, visibleSpans, visibleTicks, type MarkerItem, type SpanItem } from './lod'
import { MarkerKind, SpanFlag, SpanKind, type LaneRow } from './model-types'
import type { SwimlaneTheme } from './swimlane-theme'
import type { TraceModel } from './trace-model'

// Structural stand-ins for ECharts' types: src/shared may not import echarts (STYLE.md), and
// the option is plain data plus render functions either way.
interface RenderApi {
  value(dim: number): unknown
  coord(v: number[]): number[]
  size?(v: number[]): number | number[]
}
type CustomSeriesRenderItem = (params: { coordSys: unknown }, api: RenderApi) => unknown
/** An ECharts option object (pass to `setOption` as `EChartsOption`). */
export type ChartOption = Record<string, unknown> & { dataZoom?: Record<string, unknown>[] }

export const LANE_HEIGHT = 24
export const GRID_LEFT = 190
export const GRID_RIGHT = 22
export const GRID_TOP = 10
export const GRID_BOTTOM = 48

export interface SwimlaneView {
  /** Chart size in pixels. */
  width: number
  height: number
  /** Visible window (loop time); defaults to the whole trace. */
  window?: [number, number]
  /** First lane row shown (vertical scroll). */
  rowStart?: number
  collapsed?: ReadonlySet<number>
  cursorT?: number | null
  selectedSpan?: number | null
  selectedLane?: number | null
  showTicks?: boolean
  /** Draw arrows from a waiting task to the tasks it awaits. */
  showAwaits?: boolean
  /** The loop whose ticks are drawn. */
  tickLoop?: number | null
  /** Show the dataZoom sliders (off for exported images). */
  interactive?: boolean
  /**
   * Put x values in the option relative to the trace origin (so axis ticks land on round
   * times since the start); dataZoom events then report relative values. The frame's
   * `extent` and `window` stay in loop time either way.
   */
  relativeTime?: boolean
  theme: SwimlaneTheme
}

export interface SwimlaneFrame {
  option: ChartOption
  rows: LaneRow[]
  fitRows: number
  rowStart: number
  extent: [number, number]
  window: [number, number]
  spanCount: number
  markerCount: number
}

export function traceExtent(model: TraceModel): [number, number] {
  const lo = Number.isNaN(model.origin) ? 0 : model.origin
  const hi = Math.max(model.now, lo + 1e-3)
  return [lo, hi]
}

export function buildSwimlaneFrame(model: TraceModel, view: SwimlaneView): SwimlaneFrame {
  const rows = orderLanes(model, view.collapsed)
  const extent = traceExtent(model)
  const win: [number, number] = view.window ? [view.window[0], view.window[1]] : [extent[0], extent[1]]
  if (win[1] - win[0] < 1e-7) win[1] = win[0] + 1e-7
  const plotW = Math.max(10, view.width - GRID_LEFT - GRID_RIGHT)
  const plotH = Math.max(
    LANE_HEIGHT,
    view.height - GRID_TOP - (view.interactive === false ? 28 : GRID_BOTTOM)
  )
  const fitRows = Math.max(1, Math.floor(plotH / LANE_HEIGHT))
  const rowStart = Math.max(0, Math.min(view.rowStart ?? 0, Math.max(0, rows.length - fitRows)))
  const pxPerSec = plotW / (win[1] - win[0])
  const lod = { t0: win[0], t1: win[1], pxPerSec, minPx: 1, rowFrom: rowStart, rowTo: rowStart + fitRows }
  const spans = visibleSpans(model, rows, lod)
  const markers = visibleMarkers(model, rows, lod)
  const ticks = view.showTicks === false ? [] : visibleTicks(model, view.tickLoop ?? model.activeLoop, lod)
  const base = view.relativeTime ? extent[0] : 0
  if (base !== 0) {
    for (const it of spans) {
      it[1] -= base
      it[2] -= base
    }
    for (const it of markers) it[1] -= base
    for (let i = 0; i < ticks.length; i++) ticks[i] -= base
  }
  const awaits = view.showAwaits ? awaitArrows(model, rows, spans) : []
  const option = swimlaneOption(
    model,
    view,
    rows,
    fitRows,
    rowStart,
    extent,
    win,
    spans,
    markers,
    ticks,
    base,
    awaits
  )
  return {
    option,
    rows,
    fitRows,
    rowStart,
    extent,
    window: win,
    spanCount: spans.length,
    markerCount: markers.length
  }
}

/** [from row, to row, x]: one arrow per visible wait span on a task whose lane is visible. */
export function awaitArrows(model: TraceModel, rows: readonly LaneRow[], spans: SpanItem[]): number[][] {
  const rowOfLane = new Map(rows.map((r, i) => [r.lane, i]))
  const out: number[][] = []
  for (const it of spans) {
    if (it[3] !== SpanKind.Wait) continue
    const refs = model.awaitedBy.get(it[4])
    if (!refs) continue
    for (const ref of refs) {
      const lane = model.laneOfTask(ref)
      const to = lane === null ? undefined : rowOfLane.get(lane)
      if (to !== undefined && to !== it[0]) out.push([it[0], to, it[1]])
    }
  }
  return out
}

/**
 * Nesting deeper than this is not indented further: a chain of tasks each spawned by the last
 * would push its labels out of the label column (and cost a string as long as the chain).
 */
const MAX_INDENT = 8

export function laneLabel(row: LaneRow): string {
  const indent = '  '.repeat(Math.min(row.depth, MAX_INDENT))
  const twisty = row.hasChildren ? (row.collapsed ? '▸ ' : '▾ ') : row.kind === 'task' ? '  ' : ''
  const label = row.label.length > 26 ? `${row.label.slice(0, 25)}…` : row.label
  return `${indent}${twisty}${label}`
}

function swimlaneOption(
  model: TraceModel,
  view: SwimlaneView,
  rows: LaneRow[],
  fitRows: number,
  rowStart: number,
  extent: [number, number],
  win: [number, number],
  spans: SpanItem[],
  markers: MarkerItem[],
  ticks: number[],
  base: number,
  awaits: number[][]
): ChartOption {
  const th = view.theme
  const interactive = view.interactive !== false
  // Values in the option are loop time minus `base`; labels show time since the origin.
  const origin = extent[0] - base
  extent = [extent[0] - base, extent[1] - base]
  win = [win[0] - base, win[1] - base]
  const categories = rows.map(laneLabel)
  // Pad to a whole screen of lanes so lane height stays constant however few lanes exist.
  while (categories.length < rowStart + fitRows) categories.push('')
  const selectedSpan = view.selectedSpan ?? -1
  const selectedLane = view.selectedLane ?? -1
  const selectedRow = rows.findIndex((r) => r.lane === selectedLane)

  const renderSpan: CustomSeriesRenderItem = (params, api) => {
    const row = api.value(0) as number
    const s = api.value(1) as number
    const e = api.value(2) as number
    const kind = api.value(3) as number
    const spanIdx = api.value(4) as number
    const count = api.value(5) as number
    const busy = api.value(6) as number
    const flags = api.value(7) as number
    const cs = params.coordSys as unknown as { x: number; y: number; width: number; height: number }
    const p0 = api.coord([s, row])
    const p1 = api.coord([e, row])
    const band = (api.size!([0, 1]) as number[])[1]
    const x0 = Math.max(p0[0], cs.x)
    const x1 = Math.min(Math.max(p1[0], p0[0] + 1), cs.x + cs.width)
    if (x1 < x0) return null
    const w = Math.max(1, x1 - x0)
    const isWait = kind === SpanKind.Wait
    const isSelect = kind === SpanKind.Select
    const h = band * (isWait ? 0.62 : isSelect ? 0.5 : 0.62)
    const y = p0[1] - h / 2
    if (y + h < cs.y || y > cs.y + cs.height) return null
    let fill: string
    let opacity = 1
    if (flags & SpanFlag.Blocked && kind !== SpanKind.Merged) fill = th.blocked
    else if (kind === SpanKind.Run) fill = th.run
    else if (kind === SpanKind.Callback) fill = th.callback
    else if (kind === SpanKind.Wait) fill = flags & SpanFlag.Scheduled ? th.scheduled : th.wait
    else if (kind === SpanKind.Select) fill = th.select
    else if (kind === SpanKind.Executor) fill = th.executor
    else {
      fill = flags & SpanFlag.Blocked ? th.blocked : rows[row]?.kind === 'callbacks' ? th.callback : th.merged
      opacity = 0.25 + 0.75 * Math.min(1, busy * 4)
    }
    const selected = spanIdx === selectedSpan && kind !== SpanKind.Merged
    const children: Record<string, unknown>[] = [
      {
        type: 'rect',
        shape: { x: x0, y, width: w, height: h, r: w > 4 ? 2 : 0 },
        style: selected
          ? { fill, opacity, stroke: th.selection, lineWidth: 1.5 }
          : isWait && !(flags & SpanFlag.Scheduled)
            ? { fill, opacity, stroke: th.wait, lineWidth: 0 }
            : { fill, opacity }
      }
    ]
    if (w > 36 && count === 1 && kind !== SpanKind.Merged) {
      const text =
        kind === SpanKind.Run || kind === SpanKind.Callback
          ? model.spanLabel(spanIdx)
          : model.spanLabel(spanIdx)
      children.push({
        type: 'text',
        style: {
          x: x0 + 4,
          y: y + h / 2,
          text,
          fill: isWait || isSelect ? th.waitText : '#ffffff',
          font: th.font,
          verticalAlign: 'middle',
          width: w - 8,
          overflow: 'truncate',
          ellipsis: '…'
        },
        silent: true
      })
    }
    return { type: 'group', children } as never
  }

  const renderMarker: CustomSeriesRenderItem = (params, api) => {
    const row = api.value(0) as number
    const t = api.value(1) as number
    const kind = api.value(2) as number
    const cs = params.coordSys as unknown as { x: number; y: number; width: number; height: number }
    const p = api.coord([t, row])
    if (p[0] < cs.x - 4 || p[0] > cs.x + cs.width + 4 || p[1] < cs.y || p[1] > cs.y + cs.height) return null
    const band = (api.size!([0, 1]) as number[])[1]
    const top = p[1] - band * 0.31
    const bottom = p[1] + band * 0.31
    switch (kind) {
      case MarkerKind.TimerDue:
        return {
          type: 'polygon',
          shape: {
            points: [
              [p[0] - 3.5, top - 3],
              [p[0] + 3.5, top - 3],
              [p[0], top + 2]
            ]
          },
          style: { fill: th.timer }
        } as never
      case MarkerKind.IoReady:
        return { type: 'circle', shape: { cx: p[0], cy: p[1], r: 3 }, style: { fill: th.io } } as never
      case MarkerKind.Created:
        return {
          type: 'line',
          shape: { x1: p[0], y1: top, x2: p[0], y2: bottom },
          style: { stroke: th.created, lineWidth: 1 }
        } as never
      case MarkerKind.Problem:
        return {
          type: 'polygon',
          shape: {
            points: [
              [p[0], bottom - 8],
              [p[0] + 4.5, bottom + 1],
              [p[0] - 4.5, bottom + 1]
            ]
          },
          style: { fill: th.problem, stroke: th.background, lineWidth: 1 }
        } as never
      default: {
        const color =
          kind === MarkerKind.Done ? th.done : kind === MarkerKind.Failed ? th.failed : th.cancelled
        const r = 4
        if (kind === MarkerKind.Done) {
          return {
            type: 'rect',
            shape: { x: p[0] - 1, y: top, width: 3, height: bottom - top },
            style: { fill: color }
          } as never
        }
        return {
          type: 'group',
          children: [
            {
              type: 'line',
              shape: { x1: p[0] - r, y1: p[1] - r, x2: p[0] + r, y2: p[1] + r },
              style: { stroke: color, lineWidth: 2 }
            },
            {
              type: 'line',
              shape: { x1: p[0] - r, y1: p[1] + r, x2: p[0] + r, y2: p[1] - r },
              style: { stroke: color, lineWidth: 2 }
            }
          ]
        } as never
      }
    }
  }

  const renderRule =
    (color: string, width: number): CustomSeriesRenderItem =>
    (params, api) => {
      const cs = params.coordSys as unknown as { x: number; y: number; width: number; height: number }
      const x = api.coord([api.value(0) as number, 0])[0]
      if (x < cs.x || x > cs.x + cs.width) return null
      return {
        type: 'line',
        shape: { x1: x, y1: cs.y, x2: x, y2: cs.y + cs.height },
        style: { stroke: color, lineWidth: width },
        silent: true
      } as never
    }

  const renderAwait: CustomSeriesRenderItem = (params, api) => {
    const cs = params.coordSys as unknown as { x: number; y: number; width: number; height: number }
    const from = api.coord([api.value(2) as number, api.value(0) as number])
    const to = api.coord([api.value(2) as number, api.value(1) as number])
    const x = Math.max(cs.x + 2, Math.min(from[0] + 3, cs.x + cs.width - 2))
    const dir = to[1] > from[1] ? 1 : -1
    const band = (api.size!([0, 1]) as number[])[1]
    const y0 = from[1] + dir * band * 0.3
    const y1 = to[1] - dir * band * 0.3
    return {
      type: 'group',
      silent: true,
      children: [
        {
          type: 'line',
          shape: { x1: x, y1: y0, x2: x, y2: y1 },
          style: { stroke: th.waitText, lineWidth: 1, lineDash: [3, 2] }
        },
        {
          type: 'polygon',
          shape: {
            points: [
              [x - 3, y1 - dir * 5],
              [x + 3, y1 - dir * 5],
              [x, y1]
            ]
          },
          style: { fill: th.waitText }
        }
      ]
    } as never
  }

  const renderBands: CustomSeriesRenderItem = (params, api) => {
    const cs = params.coordSys as unknown as { x: number; y: number; width: number; height: number }
    const row = api.value(0) as number
    const p = api.coord([win[0], row])
    const band = (api.size!([0, 1]) as number[])[1]
    const y = p[1] - band / 2
    if (y + band < cs.y || y > cs.y + cs.height) return null
    const highlighted = row === selectedRow
    return {
      type: 'rect',
      shape: { x: cs.x, y, width: cs.width, height: band },
      style: { fill: highlighted ? th.sliderFill : th.laneAlt },
      silent: true
    } as never
  }
  const bandRows: number[][] = []
  for (let r = rowStart; r < Math.min(rows.length, rowStart + fitRows); r++)
    if (r % 2 === 1 || r === selectedRow) bandRows.push([r])

  const span = win[1] - win[0]
  const dataZoom: Record<string, unknown>[] = [
    {
      type: 'inside',
      id: 'x-inside',
      xAxisIndex: 0,
      filterMode: 'none',
      startValue: win[0],
      endValue: win[1],
      zoomOnMouseWheel: true,
      moveOnMouseMove: true,
      moveOnMouseWheel: false,
      minValueSpan: 1e-6,
      throttle: 16
    },
    {
      type: 'inside',
      id: 'y-inside',
      yAxisIndex: 0,
      filterMode: 'none',
      startValue: rowStart,
      endValue: rowStart + fitRows - 1,
      zoomLock: true,
      zoomOnMouseWheel: false,
      moveOnMouseMove: false,
      moveOnMouseWheel: 'shift'
    }
  ]
  if (interactive) {
    dataZoom.push({
      ...timeSliderStyle(th),
      startValue: win[0],
      endValue: win[1],
      textStyle: { color: th.textMuted },
      labelFormatter: (v: number) => formatAxisTime(v - origin, span),
      minValueSpan: 1e-6
    })
    if (rows.length > fitRows) {
      dataZoom.push({
        ...rowSliderStyle(th),
        startValue: rowStart,
        endValue: rowStart + fitRows - 1
      })
    }
  }

  return {
    backgroundColor: th.background,
    animation: false,
    textStyle: { fontFamily: th.font.replace(/^\d+px /, '') },
    grid: {
      left: GRID_LEFT,
      right: GRID_RIGHT,
      top: GRID_TOP,
      bottom: interactive ? GRID_BOTTOM : 28,
      containLabel: false
    },
    tooltip: {
      trigger: 'item',
      confine: true,
      appendTo: 'body',
      backgroundColor: th.name === 'dark' ? '#252526' : '#f8f8f8',
      borderColor: th.grid,
      textStyle: { color: th.text, fontSize: 12 },
      extraCssText: 'box-shadow: 0 2px 8px rgba(0,0,0,.35); max-width: 420px; white-space: normal;',
      formatter: ((p: { seriesId?: string; data?: unknown }) => {
        if (p.seriesId === 'spans') return describeSpanItem(model, p.data as SpanItem, origin)
        if (p.seriesId === 'markers') return describeMarkerItem(model, p.data as MarkerItem, origin)
        return ''
      }) as never
    },
    xAxis: {
      type: 'value',
      min: extent[0],
      max: extent[1],
      position: 'bottom',
      axisLine: { lineStyle: { color: th.grid } },
      axisTick: { lineStyle: { color: th.grid } },
      axisLabel: {
        color: th.textMuted,
        formatter: (v: number) => formatAxisTime(v - origin, span),
        hideOverlap: true
      },
      splitLine: { show: true, lineStyle: { color: th.grid } }
    },
    yAxis: {
      type: 'category',
      inverse: true,
      data: categories,
      triggerEvent: true,
      axisLine: { show: false },
      axisTick: { show: false },
      axisLabel: {
        color: th.text,
        align: 'left',
        margin: GRID_LEFT - 10,
        fontSize: 12,
        interval: 0,
        width: GRID_LEFT - 16,
        overflow: 'truncate'
      },
      splitLine: { show: false }
    },
    dataZoom,
    series: [
      {
        type: 'custom',
        id: 'bands',
        silent: true,
        renderItem: renderBands,
        data: bandRows,
        encode: { y: 0 },
        clip: true,
        z: 0,
        tooltip: { show: false }
      },
      {
        type: 'custom',
        id: 'ticks',
        silent: true,
        renderItem: renderRule(th.tick, 1),
        data: ticks.map((t) => [t]),
        encode: { x: 0 },
        clip: true,
        z: 1,
        tooltip: { show: false }
      },
      {
        type: 'custom',
        id: 'spans',
        renderItem: renderSpan,
        data: spans,
        encode: { x: [1, 2], y: 0 },
        clip: true,
        progressive: 0,
        z: 2
      },
      {
        type: 'custom',
        id: 'markers',
        renderItem: renderMarker,
        data: markers,
        encode: { x: 1, y: 0 },
        clip: true,
        progressive: 0,
        z: 3
      },
      {
        type: 'custom',
        id: 'awaits',
        silent: true,
        renderItem: renderAwait,
        data: awaits,
        encode: { x: 2, y: 0 },
        clip: true,
        z: 3,
        tooltip: { show: false }
      },
      {
        type: 'custom',
        id: 'cursor',
        silent: true,
        renderItem: renderRule(th.cursor, 1.5),
        data: view.cursorT !== null && view.cursorT !== undefined ? [[view.cursorT - base]] : [],
        encode: { x: 0 },
        clip: true,
        z: 4,
        tooltip: { show: false }
      }
    ]
  }
}

export function describeSpanItem(model: TraceModel, item: SpanItem, origin: number): string {
  const [, s, e, kind, spanIdx, count, busy] = item
  const when = `at ${formatAxisTime(s - origin, 1)}`
  if (kind === SpanKind.Merged) {
    return `<b>${count} spans</b> merged at this zoom<br>${when}, over ${formatDuration(e - s)}<br>busy ${(busy * 100).toFixed(0)}% · zoom in to see each`
  }
  const label = escapeHtml(model.spanLabel(spanIdx))
  const task = model.spans.task.data[spanIdx]
  const tick = model.spans.tick.data[spanIdx]
  const open = Number.isNaN(model.spans.end.data[spanIdx])
  const taskName = task >= 0 ? escapeHtml(model.tasks.get(task)?.name ?? `task #${task}`) : null
  const dur = `${formatDuration(e - s)}${open ? ' so far' : ''}`
  const lines: string[] = []
  switch (kind) {
    case SpanKind.Run:
      lines.push(`<b>${label}</b>`, `step of task <b>${taskName}</b>`)
      break
    case SpanKind.Callback:
      lines.push(`<b>${label}</b>`, 'callback')
      break
    case SpanKind.Wait:
      lines.push(
        `<b>${taskName}</b> ${model.spans.flags.data[spanIdx] & SpanFlag.Scheduled ? 'scheduled, not started' : 'waiting'}`,
        `on ${label}`
      )
      break
    case SpanKind.Select:
      lines.push(`<b>selector wait</b>`, label)
      break
    case SpanKind.Executor:
      lines.push(`<b>${label}</b>`, 'executor job')
      break
  }
  if (model.spans.flags.data[spanIdx] & SpanFlag.Blocked)
    lines.push('<span style="color:#f14c4c">blocked the loop</span>')
  const site =
    kind === SpanKind.Run || kind === SpanKind.Callback
      ? model.callbackSite(model.spans.ref.data[spanIdx])
      : null
  if (site) lines.push(escapeHtml(shortSite(site)))
  lines.push(`${dur} · ${when}${tick >= 0 ? ` · tick ${tick}` : ''}`)
  return lines.join('<br>')
}

export function describeMarkerItem(model: TraceModel, item: MarkerItem, origin: number): string {
  const [, t, kind, ref] = item
  const when = formatAxisTime(t - origin, 1)
  switch (kind) {
    case MarkerKind.TimerDue:
      return `<b>timer due</b><br>${escapeHtml(model.handleInfo(ref).label)}<br>at ${when}`
    case MarkerKind.IoReady:
      return `<b>fd ${ref} ready</b><br>at ${when}`
    case MarkerKind.Created:
      return `<b>task created</b><br>${escapeHtml(model.tasks.get(ref)?.name ?? '')}<br>at ${when}`
    case MarkerKind.Problem: {
      const p = model.problems[ref - 1]
      return `<b>problem</b><br>${escapeHtml(p?.message ?? '')}<br>at ${when}`
    }
    default: {
      const task = model.tasks.get(ref)
      const state = kind === MarkerKind.Done ? 'done' : kind === MarkerKind.Failed ? 'failed' : 'cancelled'
      const extra = task?.exc
        ? `<br>${escapeHtml(`${task.exc.type}: ${task.exc.message}`)}`
        : task?.result
          ? `<br>→ ${escapeHtml(task.result)}`
          : ''
      return `<b>${escapeHtml(task?.name ?? '')}</b> ${state}${extra}<br>at ${when}`
    }
  }
}

/** The time slider under the swimlanes (live chart and exported option alike). */
export function timeSliderStyle(th: SwimlaneTheme): Record<string, unknown> {
  return {
    type: 'slider',
    id: 'x-slider',
    xAxisIndex: 0,
    filterMode: 'none',
    height: 16,
    bottom: 6,
    left: GRID_LEFT,
    right: GRID_RIGHT,
    borderColor: th.grid,
    backgroundColor: 'transparent',
    fillerColor: th.sliderFill,
    dataBackground: { lineStyle: { opacity: 0 }, areaStyle: { opacity: 0 } },
    selectedDataBackground: { lineStyle: { opacity: 0 }, areaStyle: { opacity: 0 } },
    handleStyle: { color: th.run, borderColor: th.run },
    moveHandleSize: 0,
    showDetail: false,
    throttle: 16
  }
}

/** The row slider at the right of the swimlanes, when the lanes do not all fit. */
export function rowSliderStyle(th: SwimlaneTheme): Record<string, unknown> {
  return {
    type: 'slider',
    id: 'y-slider',
    yAxisIndex: 0,
    filterMode: 'none',
    zoomLock: true,
    orient: 'vertical',
    width: 8,
    right: 4,
    top: GRID_TOP,
    bottom: GRID_BOTTOM,
    showDetail: false,
    showDataShadow: false,
    borderColor: 'transparent',
    backgroundColor: 'transparent',
    fillerColor: th.sliderFill,
    handleSize: 0,
    moveHandleSize: 0,
    brushSelect: false
  }
}
