// The reducers fed traces recorded from the bundled examples by the real agent
// (`loopscope record`), so the model is checked against what the agent really writes.
import { describe, expect, it } from 'vitest'
import { orderLanes } from '../../src/shared/trace-model/lane-order'
import { SpanFlag, SpanKind } from '../../src/shared/trace-model/model-types'
import { buildSwimlaneFrame } from '../../src/shared/trace-model/swimlane-option'
import { DARK_THEME } from '../../src/shared/trace-model/swimlane-theme'
import { loadFixture } from './model-helpers'

describe('a recorded trace of 00_welcome.py', () => {
  const model = loadFixture('model-recorded-welcome.ndjson')

  it('has a lane per task, each under its parent', () => {
    const rows = orderLanes(model)
    const tasks = rows.filter((r) => r.kind === 'task')
    expect(tasks).toHaveLength(model.tasks.size)
    const main = tasks.find((r) => r.label === 'Task-1')!
    expect(main.depth).toBe(0)
    expect(tasks.filter((r) => r.depth === 1).map((r) => r.label)).toEqual(
      expect.arrayContaining(['ticker', 'Task-3', 'Task-4', 'Task-5'])
    )
  })

  it('ends every task in a final state and leaves no span open after the exit', () => {
    expect(model.exit).not.toBeNull()
    for (const t of model.tasks.values()) expect(['done', 'failed', 'cancelled']).toContain(t.state)
    for (let i = 0; i < model.spans.length; i++) expect(Number.isNaN(model.spans.end.data[i])).toBe(false)
  })

  it('labels the waits of the producer with what it awaited', () => {
    const producer = [...model.tasks.values()].find((t) => t.coro === 'producer')!
    const lane = model.lanes[producer.lane].spans
    const labels = new Set<string>()
    for (let k = 0; k < lane.length; k++) {
      const i = lane.data[k]
      if (model.spans.kind.data[i] === SpanKind.Wait) labels.add(model.spanLabel(i))
    }
    expect([...labels].some((l) => /sleep/.test(l))).toBe(true)
    expect(labels.has('suspended')).toBe(false)
  })

  it('counts steps equal to the handle.begin events that stepped each task', () => {
    const total = [...model.tasks.values()].reduce((n, t) => n + t.steps, 0)
    let stepping = 0
    for (let i = 0; i < model.spans.length; i++) if (model.spans.kind.data[i] === SpanKind.Run) stepping++
    expect(total).toBe(stepping)
    expect(total).toBeGreaterThan(20)
  })

  it('rebuilds the queues at every tick without going negative or losing handles', () => {
    const loop = model.loops.get(1)!
    for (let i = 0; i < loop.ticksT.length; i++) {
      const q = model.queuesAtTick(1, i)
      expect(new Set(q.ready).size).toBe(q.ready.length)
      for (const [, when] of q.timers) expect(Number.isFinite(when)).toBe(true)
    }
    // At the first tick the ready queue holds main's first step.
    expect(model.queuesAtTick(1, 0).ready.map((h) => model.handleInfo(h).taskName)).toEqual(['Task-1'])
  })

  it('builds a chart option with the task lanes and some spans for the whole trace', () => {
    const frame = buildSwimlaneFrame(model, { width: 1200, height: 600, theme: DARK_THEME })
    expect(frame.spanCount).toBeGreaterThan(10)
    const y = (frame.option.yAxis as { data: string[] }).data
    expect(y.join('\n')).toContain('ticker')
  })

  it('can put the chart on time since the start of the run, keeping the frame in loop time', () => {
    const frame = buildSwimlaneFrame(model, {
      width: 1200,
      height: 600,
      theme: DARK_THEME,
      relativeTime: true
    })
    const xAxis = frame.option.xAxis as { min: number; max: number }
    expect(xAxis.min).toBe(0)
    expect(xAxis.max).toBeCloseTo(model.now - model.origin, 9)
    expect(frame.extent[0]).toBe(model.origin)
    const spans = (frame.option.series as { id: string; data: number[][] }[]).find(
      (s) => s.id === 'spans'
    )!.data
    for (const it of spans) expect(it[1]).toBeGreaterThanOrEqual(0)
  })
})

describe('a recorded trace of 07_blocking_callback.py', () => {
  const model = loadFixture('model-recorded-blocking.ndjson')

  it('reports the block once, on the task that blocked, with its final duration and source line', () => {
    const blocked = model.problems.filter((p) => p.kind === 'blocked')
    expect(blocked).toHaveLength(1)
    const p = blocked[0]
    expect(model.tasks.get(p.task!)!.coro).toBe('slow_handler')
    expect(p.elapsed).toBeGreaterThan(0.5)
    expect(p.ended).toBe(true)
    expect(p.message).toMatch(/07_blocking_callback\.py:19/)
    expect(model.spans.flags.data[p.span!] & SpanFlag.Blocked).toBeTruthy()
  })
})

describe('a recorded trace of runs a little past the blocked threshold (slow_callbacks.py)', () => {
  const model = loadFixture('model-recorded-slow.ndjson')

  it('reports each long run once: blocked where the watchdog saw it, else a slow callback on its span', () => {
    const kinds = model.problems.map((p) => p.kind).sort()
    expect(kinds).toEqual(['blocked', 'slow-callback', 'slow-callback'])
    for (const p of model.problems.filter((q) => q.kind === 'slow-callback')) {
      expect(p.ended).toBe(true)
      expect(p.elapsed).toBeGreaterThanOrEqual(0.1)
      expect(p.span).not.toBeNull()
      const span = p.span!
      expect(model.spans.start.data[span]).toBe(p.t)
      expect(model.spans.end.data[span] - p.t).toBeCloseTo(p.elapsed!, 2)
      expect(model.spans.flags.data[span] & SpanFlag.Blocked).toBeTruthy()
    }
    const step = model.problems.find((p) => p.kind === 'slow-callback' && p.task !== null)!
    expect(model.tasks.get(step.task!)!.coro).toBe('stepper')
    expect(step.message).toMatch(/^a step of task Task-\d+ \(stepper\) took 0\.1\d\d s/)
    const timer = model.problems.find((p) => p.kind === 'slow-callback' && p.task === null)!
    expect(timer.message).toMatch(/^time\.sleep took 0\.1\d\d s/)
  })
})
