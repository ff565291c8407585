import { describe, expect, it } from 'vitest'
import { TraceModel } from '../../src/shared/trace-model/trace-model'
import { orderLanes } from '../../src/shared/trace-model/lane-order'
import { visibleMarkers, visibleSpans, visibleTicks } from '../../src/shared/trace-model/lod'
import { SpanKind } from '../../src/shared/trace-model/model-types'
import type { TraceEvent } from '../../src/shared/trace-types'

/** One loop, one callback lane, n callbacks of `dur` seconds every `every` seconds. */
function callbackTrace(n: number, dur: number, every: number): TraceModel {
  const m = new TraceModel()
  const events: TraceEvent[] = [
    { type: 'loop.start', t: 0, loop: 1, thread: 1, threadName: 'MainThread', cls: 'L' }
  ]
  for (let i = 0; i < n; i++) {
    const t = i * every
    events.push({ type: 'tick.begin', t, loop: 1, tick: i })
    events.push({ type: 'handle.begin', t, loop: 1, handle: i + 1, cb: 1, tick: i })
    events.push({ type: 'handle.end', t: t + dur, loop: 1, handle: i + 1, dur })
  }
  m.ingest(events)
  return m
}

describe('level of detail and culling', () => {
  it('merges runs of spans narrower than a pixel into one block per lane', () => {
    const m = callbackTrace(1000, 0.0001, 0.001)
    const rows = orderLanes(m)
    // 1 s of trace across 100 px: each callback is 0.01 px wide and 0.1 px apart.
    const items = visibleSpans(m, rows, { t0: 0, t1: 1, pxPerSec: 100 })
    expect(items).toHaveLength(1)
    const [row, start, end, kind, , count, busy] = items[0]
    expect(rows[row].kind).toBe('callbacks')
    expect(kind).toBe(SpanKind.Merged)
    expect(count).toBe(1000)
    expect(start).toBe(0)
    expect(end).toBeCloseTo(0.9991, 6)
    expect(busy).toBeCloseTo(0.1, 2)
  })

  it('keeps spans wider than a pixel individually when zoomed in', () => {
    const m = callbackTrace(1000, 0.0001, 0.001)
    const rows = orderLanes(m)
    // 10 ms across 1000 px: each callback is 10 px wide.
    const items = visibleSpans(m, rows, { t0: 0.1, t1: 0.11, pxPerSec: 100_000 })
    expect(items.every((i) => i[3] === SpanKind.Callback && i[5] === 1)).toBe(true)
    expect(items.map((i) => i[1])).toEqual(Array.from({ length: 11 }, (_, k) => m.spans.start.data[100 + k]))
  })

  it('culls spans outside the window but keeps one crossing its edge', () => {
    const m = new TraceModel()
    m.ingest([
      { type: 'loop.start', t: 0, loop: 1, thread: 1, threadName: 'MainThread', cls: 'L' },
      { type: 'handle.begin', t: 0, loop: 1, handle: 1, cb: 1, tick: 0 },
      { type: 'handle.end', t: 5, loop: 1, handle: 1, dur: 5 },
      { type: 'handle.begin', t: 6, loop: 1, handle: 2, cb: 1, tick: 1 },
      { type: 'handle.end', t: 7, loop: 1, handle: 2, dur: 1 },
      { type: 'handle.begin', t: 20, loop: 1, handle: 3, cb: 1, tick: 2 },
      { type: 'handle.end', t: 21, loop: 1, handle: 3, dur: 1 }
    ])
    const rows = orderLanes(m)
    const items = visibleSpans(m, rows, { t0: 4, t1: 10, pxPerSec: 100 })
    expect(items.map((i) => [i[1], i[2]])).toEqual([
      [0, 5],
      [6, 7]
    ])
  })

  it('bounds what is drawn by pixels, not by trace size', () => {
    const m = callbackTrace(100_000, 0.00002, 0.0001)
    const rows = orderLanes(m)
    const items = visibleSpans(m, rows, { t0: 0, t1: 10, pxPerSec: 1000 / 10, minPx: 1 })
    expect(items.length).toBeLessThanOrEqual(1000)
    const zoomed = visibleSpans(m, rows, { t0: 5, t1: 5.01, pxPerSec: 1000 / 0.01 })
    expect(zoomed.length).toBe(100)
  })

  it('emits markers at most once per kind per pixel column', () => {
    const m = new TraceModel()
    const events: TraceEvent[] = [
      { type: 'loop.start', t: 0, loop: 1, thread: 1, threadName: 'MainThread', cls: 'L' }
    ]
    for (let i = 0; i < 500; i++) {
      events.push({ type: 'timer.schedule', t: i * 0.001, loop: 1, handle: i + 1, cb: 1, when: i * 0.001 })
      events.push({ type: 'timer.due', t: i * 0.001, loop: 1, handle: i + 1 })
    }
    m.ingest(events)
    const rows = orderLanes(m)
    expect(visibleMarkers(m, rows, { t0: 0, t1: 0.5, pxPerSec: 20 }).length).toBeLessThanOrEqual(11)
    expect(visibleMarkers(m, rows, { t0: 0, t1: 0.5, pxPerSec: 10_000 })).toHaveLength(500)
  })

  it('hides tick rules when they would be denser than a few pixels apart', () => {
    const m = callbackTrace(1000, 0.0001, 0.001)
    expect(visibleTicks(m, 1, { t0: 0, t1: 1, pxPerSec: 1000 })).toEqual([])
    expect(visibleTicks(m, 1, { t0: 0, t1: 0.0095, pxPerSec: 100_000 })).toHaveLength(10)
  })
})

describe('await arrows', () => {
  it('point from a task waiting on a gather to each awaited task lane', async () => {
    const { loadFixture } = await import('./model-helpers')
    const { buildSwimlaneFrame } = await import('../../src/shared/trace-model/swimlane-option')
    const { DARK_THEME } = await import('../../src/shared/trace-model/swimlane-theme')
    const m = loadFixture('model-basic.ndjson')
    const frame = buildSwimlaneFrame(m, { width: 1400, height: 600, theme: DARK_THEME, showAwaits: true })
    const arrows = (frame.option.series as { id: string; data: number[][] }[]).find(
      (s) => s.id === 'awaits'
    )!.data
    const label = (row: number): string => frame.rows[row].label
    expect(arrows.map(([from, to]) => `${label(from)}→${label(to)}`)).toEqual([
      'main→worker-a',
      'main→worker-b'
    ])
    const off = buildSwimlaneFrame(m, { width: 1400, height: 600, theme: DARK_THEME })
    expect(
      (off.option.series as { id: string; data: number[][] }[]).find((s) => s.id === 'awaits')!.data
    ).toEqual([])
  })
})
