import { describe, expect, it } from 'vitest'
import { TraceModel } from '../../src/shared/trace-model/trace-model'
import { SpanKind, MarkerKind } from '../../src/shared/trace-model/model-types'
import {
  LaneRowCache,
  TextFitter,
  axisTicks,
  buildLayerFrame,
  hitTestLayer,
  lanesChartOption,
  layerElements,
  sliderPositions,
  type LayerElement,
  type LayerView,
  type TextMeasure
} from '../../src/shared/trace-model/swimlane-paint'
import {
  RECTS,
  SHAPE_RECTS,
  SWIMLANE_SHAPES,
  type PathSink
} from '../../src/shared/trace-model/swimlane-shapes'
import { DARK_THEME } from '../../src/shared/trace-model/swimlane-theme'
import type { TraceEvent } from '../../src/shared/trace-types'
import { loadFixture } from './model-helpers'

/** Measures 6 px per character, whatever the font. */
const measure: TextMeasure = { font: '', measureText: (text) => ({ width: text.length * 6 }) }

interface Drawn {
  x: number
  y: number
  w: number
  h: number
  fill: string
  alpha: number
  element: string
}

/** Records each subpath a shape's buildPath makes (a rect, or the box around a moveTo's points). */
class RecordingPath implements PathSink {
  readonly boxes: { x: number; y: number; w: number; h: number }[] = []
  private pts: number[][] | null = null
  rect(x: number, y: number, w: number, h: number): void {
    this.end()
    this.boxes.push({ x, y, w, h })
  }
  moveTo(x: number, y: number): void {
    this.end()
    this.pts = [[x, y]]
  }
  lineTo(x: number, y: number): void {
    this.pts?.push([x, y])
  }
  arc(x: number, y: number): void {
    this.pts?.push([x, y])
  }
  closePath(): void {}
  end(): void {
    if (!this.pts) return
    const xs = this.pts.map((p) => p[0])
    const ys = this.pts.map((p) => p[1])
    const x = Math.min(...xs)
    const y = Math.min(...ys)
    this.boxes.push({ x, y, w: Math.max(...xs) - x, h: Math.max(...ys) - y })
    this.pts = null
  }
}

/** Walks the elements as the chart would draw them: every subpath of a batch, every text. */
function flatten(
  els: readonly LayerElement[],
  out: { rects: Drawn[]; texts: { text: string; x: number; y: number; fill: string }[] } = {
    rects: [],
    texts: []
  }
): typeof out {
  for (const el of els) {
    if (el.children) flatten(el.children, out)
    else if (el.type === 'text')
      out.texts.push({ text: String(el.style!.text), x: el.x!, y: el.y!, fill: String(el.style!.fill) })
    else if (SWIMLANE_SHAPES[el.type]) {
      const sink = new RecordingPath()
      SWIMLANE_SHAPES[el.type].buildPath(sink, el.shape as never)
      sink.end()
      const fill = String(el.style!.fill)
      const alpha = (el.style!.opacity as number | undefined) ?? 1
      for (const b of sink.boxes) out.rects.push({ ...b, fill, alpha, element: el.name })
    }
  }
  return out
}

/** One loop: n callbacks of `dur` seconds every `every` seconds, and one task stepping once. */
function trace(n: number, dur: number, every: number): TraceModel {
  const m = new TraceModel()
  const events: TraceEvent[] = [
    { type: 'loop.start', t: 0, loop: 1, thread: 1, threadName: 'MainThread', cls: 'L' },
    { type: 'callback', t: 0, loop: 1, cb: 1, label: 'on_timer', site: null },
    { type: 'callback', t: 0, loop: 1, cb: 2, label: 'Task.__step', site: null },
    { type: 'task.create', t: 0, loop: 1, task: 7, name: 'worker', coro: 'worker', parent: null, site: null }
  ]
  for (let i = 0; i < n; i++) {
    const t = i * every
    events.push({ type: 'tick.begin', t, loop: 1, tick: i })
    events.push({ type: 'handle.begin', t, loop: 1, handle: i + 10, cb: 1, tick: i })
    events.push({ type: 'handle.end', t: t + dur, loop: 1, handle: i + 10, dur })
  }
  const t = n * every
  events.push({ type: 'handle.begin', t, loop: 1, handle: 1, cb: 2, task: 7, tick: n })
  events.push({ type: 'task.state', t: t + 0.5, task: 7, state: 'done', result: 'None' })
  events.push({ type: 'handle.end', t: t + 0.5, loop: 1, handle: 1, dur: 0.5 })
  m.ingest(events)
  return m
}

const view = (window: [number, number], extra: Partial<LayerView> = {}): LayerView => ({
  width: 1212,
  height: 400,
  window,
  rowStart: 0,
  showTicks: false,
  showAwaits: false,
  tickLoop: null,
  ...extra
})

function paint(
  m: TraceModel,
  v: LayerView
): {
  canvas: ReturnType<typeof flatten>
  elements: LayerElement[]
  frame: ReturnType<typeof buildLayerFrame>
} {
  const cache = new LaneRowCache()
  const rows = cache.get(m, new Set())
  const frame = buildLayerFrame(m, rows, v)
  const elements = layerElements(
    m,
    frame,
    { theme: DARK_THEME, labels: cache.labels, selectedSpan: null, selectedLane: null, cursorT: null },
    new TextFitter(measure)
  )
  return { canvas: flatten(elements), elements, frame }
}

describe('the swimlanes custom series', () => {
  it('paints a thousand sub-pixel callbacks as one merged block in the callback colour', () => {
    const m = trace(1000, 0.0001, 0.001)
    const { canvas, frame } = paint(m, view([0, 1]))
    const callbacksRow = frame.rows.findIndex((r) => r.kind === 'callbacks')
    const g = frame.geometry
    const rowTop = g.plotY + (callbacksRow - g.rowStart) * g.band
    const inRow = canvas.rects.filter(
      (r) => r.y >= rowTop && r.y + r.h <= rowTop + g.band && r.fill === DARK_THEME.callback
    )
    expect(frame.spans.filter((s) => s[0] === callbacksRow)).toHaveLength(1)
    expect(inRow).toHaveLength(1)
    // Busy 10% of the time: a faint block, not a solid one.
    expect(inRow[0].alpha).toBeGreaterThan(0.25)
    expect(inRow[0].alpha).toBeLessThan(1)
  })

  it('draws every span of one look with one element, clipped to the plot', () => {
    const m = trace(50, 0.005, 0.01)
    const { canvas, elements, frame } = paint(m, view([0, 0.5]))
    const g = frame.geometry
    const plot = elements.find((e) => e.name === 'plot')!
    expect(plot.type).toBe('group')
    expect(plot.clipPath?.shape).toEqual({ x: g.plotX, y: g.plotY, width: g.plotW, height: g.plotH })
    const callbackEls = plot.children!.filter(
      (e) => e.type === SHAPE_RECTS && e.style?.fill === DARK_THEME.callback
    )
    expect(callbackEls).toHaveLength(1)
    const drawn = canvas.rects.filter((r) => r.element === callbackEls[0].name)
    expect(drawn).toHaveLength(frame.spans.filter((sp) => sp[3] === SpanKind.Callback).length)
    expect(drawn.length).toBeGreaterThanOrEqual(49)
    // 10 px wide each, a window of 0.5 s over the plot's width.
    expect(drawn[0].w).toBeCloseTo((0.005 / 0.5) * g.plotW, 6)
    // Names are unique, so the chart updates each element in place from frame to frame.
    const names = plot.children!.map((e) => e.name)
    expect(new Set(names).size).toBe(names.length)
  })

  it('labels lanes in the label column and a wide step with its callback', () => {
    const m = trace(10, 0.0001, 0.001)
    const { canvas } = paint(m, view([0, 0.6]))
    const texts = canvas.texts.map((t) => t.text)
    expect(texts).toEqual(expect.arrayContaining(['selector wait', 'callbacks', '  worker', 'Task.__step']))
    expect(canvas.texts.find((t) => t.text === 'worker' || t.text === '  worker')!.x).toBe(10)
  })

  it('draws only the rows that fit, from the first row shown', () => {
    const m = trace(10, 0.0001, 0.001)
    const { canvas, frame } = paint(m, view([0, 0.6], { height: 48 + 10 + 24, rowStart: 1 }))
    expect(frame.geometry.fitRows).toBe(1)
    expect(frame.geometry.rowStart).toBe(1)
    const labels = canvas.texts.filter((t) => t.x === 10).map((t) => t.text)
    expect(labels).toEqual(['callbacks'])
  })

  it('finds what is under the pointer: a step, a task end marker, a lane label', () => {
    const m = trace(10, 0.0001, 0.001)
    const { frame } = paint(m, view([0, 0.6]))
    const g = frame.geometry
    const workerRow = frame.rows.findIndex((r) => r.kind === 'task')
    const y = g.plotY + (workerRow - g.rowStart + 0.5) * g.band
    const px = (t: number): number =>
      g.plotX + ((t - frame.window[0]) / (frame.window[1] - frame.window[0])) * g.plotW
    const step = hitTestLayer(frame, px(0.3), y)
    expect(step?.kind).toBe('span')
    expect(step?.kind === 'span' && step.item[3]).toBe(SpanKind.Run)
    const end = hitTestLayer(frame, px(0.51), y)
    expect(end?.kind === 'marker' && end.item[2]).toBe(MarkerKind.Done)
    expect(hitTestLayer(frame, 20, y)).toEqual({ kind: 'label', row: workerRow })
    expect(hitTestLayer(frame, px(0.3), g.plotY + g.plotH + 5)).toBeNull()
  })

  it('puts the sliders where the window and the rows are, in percent of the whole', () => {
    const m = trace(10, 0.0001, 0.001)
    const whole = buildLayerFrame(m, new LaneRowCache().get(m, new Set()), view([0, 0.51]))
    expect(sliderPositions(whole)).toEqual({ x: [0, 100], y: null })
    const half = buildLayerFrame(
      m,
      new LaneRowCache().get(m, new Set()),
      view([0.255, 0.51], { height: 48 + 10 + 48 })
    )
    const at = sliderPositions(half)
    expect(at.x[0]).toBeCloseTo(50, 6)
    expect(at.x[1]).toBeCloseTo(100, 6)
    expect(at.y).toEqual([0, (2 / 3) * 100])
  })

  it('paints a recorded trace without throwing, with every lane of the screen labelled', () => {
    const m = loadFixture('model-recorded-welcome.ndjson')
    const [lo, hi] = [m.origin, m.now]
    const { canvas, frame } = paint(m, view([lo, hi], { height: 1000, showTicks: true, showAwaits: true }))
    const labels = canvas.texts.filter((t) => t.x === 10)
    expect(labels).toHaveLength(Math.min(frame.rows.length, frame.geometry.fitRows))
    expect(frame.spans.length).toBeGreaterThan(5)
  })
})

describe('the batch shapes and the chart they are drawn in', () => {
  it('rounds only the rectangles wide enough for their corners', () => {
    const sink = new RecordingPath()
    let arcs = 0
    sink.arc = () => void arcs++
    RECTS.buildPath(sink, { d: [0, 0, 3, 10, 10, 0, 20, 10], r: 2 })
    sink.end()
    expect(arcs).toBe(4)
    expect(sink.boxes[0]).toEqual({ x: 0, y: 0, w: 3, h: 10 })
  })

  it('is one custom series outside any axis, drawing what renderItem returns', () => {
    const renderItem = (): unknown => null
    const option = lanesChartOption(renderItem) as { series: Record<string, unknown>[] }
    expect(option.series).toHaveLength(1)
    expect(option.series[0]).toMatchObject({ type: 'custom', coordinateSystem: 'none', silent: true })
    expect(option.series[0].renderItem).toBe(renderItem)
  })
})

describe('lane rows for the live chart', () => {
  it('are reordered when a lane is added, at most once per interval while lanes stream in', () => {
    const m = trace(2, 0.0001, 0.001)
    const cache = new LaneRowCache(100)
    const none = new Set<number>()
    const first = cache.get(m, none, 1000)
    m.ingest([
      { type: 'task.create', t: 1, loop: 1, task: 8, name: 'late', coro: 'late', parent: null, site: null }
    ])
    expect(cache.get(m, none, 1050)).toBe(first)
    expect(cache.stale).toBe(true)
    // A longer interval asked for (a flood) holds the old order longer.
    expect(cache.get(m, none, 1100, 250)).toBe(first)
    const next = cache.get(m, none, 1100)
    expect(next.map((r) => r.label)).toContain('late')
    expect(cache.stale).toBe(false)
    // Folding is the person's own action: it shows at once.
    const folded = new Set([7])
    expect(cache.get(m, folded, 1101)).not.toBe(next)
  })

  it('indent deep nesting only so far, so a long chain of tasks keeps its labels readable', () => {
    const m = new TraceModel()
    const events: TraceEvent[] = [{ type: 'loop.start', t: 0, loop: 1, thread: 1, threadName: 'M', cls: 'L' }]
    for (let i = 1; i <= 50; i++)
      events.push({
        type: 'task.create',
        t: i,
        loop: 1,
        task: i,
        name: `t${i}`,
        coro: 'c',
        parent: i > 1 ? i - 1 : null,
        site: null
      })
    m.ingest(events)
    const cache = new LaneRowCache()
    cache.get(m, new Set())
    const deepest = cache.labels[cache.labels.length - 1]
    expect(deepest.trim()).toBe('t50')
    expect(deepest.length).toBeLessThan(30)
  })
})

describe('the time axis', () => {
  it('steps by 1, 2 or 5 times a power of ten, about a hundred pixels apart', () => {
    expect(axisTicks(0, 6.17, 720)).toMatchObject({ step: 1 })
    expect(axisTicks(0, 6.17, 720).ticks).toEqual([0, 1, 2, 3, 4, 5, 6])
    const fine = axisTicks(2.4431, 2.4752, 720)
    expect(fine.step).toBeCloseTo(0.005, 12)
    expect(fine.ticks[0]).toBeCloseTo(2.445, 12)
    expect(axisTicks(0, 1, 1000).step).toBeCloseTo(0.1, 12)
  })
})

describe('text fitting', () => {
  it('shortens text with an ellipsis to the width given, and leaves short text alone', () => {
    const f = new TextFitter(measure)
    expect(f.fit('abc', 40, '11px x')).toBe('abc')
    // 6 px a character: 'abcde…' is 36 px, 'abcdef…' would be 42.
    expect(f.fit('abcdefghij', 40, '11px x')).toBe('abcde…')
    expect(f.fit('abcdefghij', 2, '11px x')).toBe('')
  })
})

describe('model counters the views read instead of scanning', () => {
  it('counts live tasks as they are created and end', () => {
    const m = trace(3, 0.0001, 0.001)
    expect(m.liveTaskCount).toBe(0)
    m.ingest([
      { type: 'task.create', t: 1, loop: 1, task: 20, name: 'a', coro: 'a', parent: null, site: null },
      { type: 'task.create', t: 1, loop: 1, task: 21, name: 'b', coro: 'b', parent: null, site: null },
      { type: 'task.state', t: 2, task: 20, state: 'cancelled' }
    ])
    const live = [...m.tasks.values()].filter((t) => !['done', 'failed', 'cancelled'].includes(t.state))
    expect(m.liveTaskCount).toBe(live.length)
    expect(m.liveTaskCount).toBe(1)
  })

  it('bumps the lane version when a lane is added, not when a task only changes state', () => {
    const m = trace(3, 0.0001, 0.001)
    const v = m.laneVersion
    m.ingest([
      { type: 'task.create', t: 1, loop: 1, task: 30, name: 'c', coro: 'c', parent: null, site: null }
    ])
    expect(m.laneVersion).toBe(v + 1)
    m.ingest([{ type: 'task.state', t: 2, task: 30, state: 'done', result: 'None' }])
    expect(m.laneVersion).toBe(v + 1)
  })
})
