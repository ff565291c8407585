import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { parseNdjson } from '../../src/shared/trace-model/ndjson'
import { TraceModel } from '../../src/shared/trace-model/trace-model'
import { MarkerKind, SpanFlag, SpanKind } from '../../src/shared/trace-model/model-types'
import type { TraceEvent } from '../../src/shared/trace-types'
import { fixtureText, laneSpans, loadFixture } from './model-helpers'

describe('spans derived from trace events', () => {
  const model = loadFixture('model-basic.ndjson')
  const laneOf = (task: number): number => model.tasks.get(task)!.lane

  it('draws a task step as a running span followed by a wait span labelled with what it awaits', () => {
    const spans = laneSpans(model, laneOf(2))
    expect(spans.map((s) => [s.kind, s.label])).toEqual([
      [SpanKind.Wait, 'scheduled'],
      [SpanKind.Run, 'worker()'],
      [SpanKind.Wait, 'sleep(0.1)'],
      [SpanKind.Run, 'worker()']
    ])
    expect(spans[1].start).toBeCloseTo(100.0008, 9)
    expect(spans[1].end).toBeCloseTo(100.001, 9)
    // The wait lasts until the next step begins.
    expect(spans[2].start).toBeCloseTo(100.001, 9)
    expect(spans[2].end).toBeCloseTo(100.1012, 9)
  })

  it('labels a wait reported during the step with the awaited gather', () => {
    const spans = laneSpans(model, laneOf(1))
    expect(spans[2]).toMatchObject({ kind: SpanKind.Wait, label: 'gather(worker-a, worker-b)' })
  })

  it('puts plain callbacks on the loop callbacks lane, not on a task lane', () => {
    const loop = model.loops.get(1)!
    const labels = laneSpans(model, loop.callbacksLane).map((s) => s.label)
    expect(labels).toEqual([
      'hello',
      'futures._set_result_unless_cancelled',
      'futures._set_result_unless_cancelled'
    ])
    for (const task of model.tasks.values()) {
      expect(laneSpans(model, task.lane).some((s) => s.label === 'hello')).toBe(false)
    }
  })

  it('turns selector waits into spans covering the wait, with a marker per ready fd', () => {
    const loop = model.loops.get(1)!
    const waits = laneSpans(model, loop.selectLane).filter((s) => s.end - s.start > 0.01)
    expect(waits).toHaveLength(2)
    expect(waits[0].start).toBeCloseTo(100.0014, 9)
    expect(waits[0].end).toBeCloseTo(100.0514, 9)
    const io = []
    for (let i = 0; i < model.markers.length; i++)
      if (model.markers.kind.data[i] === MarkerKind.IoReady) io.push(model.markers.ref.data[i])
    expect(io).toEqual([7])
  })

  it('marks task ends as done or failed and leaves no open span behind', () => {
    const ends = new Map<number, number>()
    for (let i = 0; i < model.markers.length; i++) {
      const k = model.markers.kind.data[i]
      if (k === MarkerKind.Done || k === MarkerKind.Failed || k === MarkerKind.Cancelled)
        ends.set(model.markers.ref.data[i], k)
    }
    expect(ends).toEqual(
      new Map([
        [3, MarkerKind.Failed],
        [2, MarkerKind.Done],
        [1, MarkerKind.Done]
      ])
    )
    for (let i = 0; i < model.spans.length; i++) expect(Number.isNaN(model.spans.end.data[i])).toBe(false)
    expect(model.tasks.get(3)!.exc?.type).toBe('ValueError')
    expect(model.tasks.get(2)!.result).toBe('3')
  })

  it('counts steps and running time per task for the tasks table', () => {
    const main = model.tasks.get(1)!
    expect(main.steps).toBe(2)
    expect(main.runTime).toBeCloseTo(0.0005 + 0.35, 9)
    expect(model.tasks.get(2)!.steps).toBe(2)
    expect(main.parent).toBeNull()
    expect(model.tasks.get(2)!.parent).toBe(1)
    expect(model.taskHistory(main.id).map((h) => h.state)).toEqual([
      'created',
      'running',
      'waiting',
      'running',
      'done'
    ])
  })

  it('reports a blocked loop once, flags the blocking span and keeps the final duration', () => {
    const blocked = model.problems.filter((p) => p.kind === 'blocked')
    expect(blocked).toHaveLength(1)
    expect(blocked[0].elapsed).toBe(0.35)
    expect(blocked[0].message).toContain('0.35 s')
    expect(blocked[0].message).toContain('ex.py:25')
    expect(model.spans.flags.data[blocked[0].span!] & SpanFlag.Blocked).toBeTruthy()
  })

  it('lists a failed task as a problem', () => {
    const failed = model.problems.filter((p) => p.kind === 'task-failed')
    expect(failed.map((p) => p.task)).toEqual([3])
    expect(failed[0].message).toContain('ValueError: bad input')
  })

  it('draws executor jobs on a lane per worker thread', () => {
    const lane = model.lanes.find((l) => l.kind === 'executor')!
    expect(lane.label).toBe('ThreadPoolExecutor-0_0')
    const spans = laneSpans(model, lane.index)
    expect(spans).toHaveLength(1)
    expect(spans[0]).toMatchObject({ kind: SpanKind.Executor, label: 'hashlib.sha256', start: 100.005 })
    expect(spans[0].end).toBeCloseTo(100.025, 9)
  })

  it('skips and counts unknown event types and lines that are not JSON', () => {
    expect(model.skipped).toBe(2)
    expect(model.exit).toMatchObject({ code: 0, signal: null })
  })

  it('keeps program output and its stream for the console', () => {
    expect(model.console.map((c) => [c.stream, c.data])).toEqual([
      ['stdout', 'hello\n'],
      ['stderr', 'worker-b failed\n']
    ])
  })

  it('gives two tasks with one name two lanes', () => {
    const m = new TraceModel()
    const ev = (task: number): TraceEvent => ({
      type: 'task.create',
      t: 1,
      loop: 1,
      task,
      name: 'same',
      coro: 'c',
      parent: null,
      site: null
    })
    m.ingest([ev(1), ev(2)])
    expect(m.tasks.get(1)!.lane).not.toBe(m.tasks.get(2)!.lane)
  })

  it('derives a task state at any past time from its spans', () => {
    expect(model.taskStateAt(2, 100.0005)).toEqual({ state: 'created', label: 'scheduled' })
    expect(model.taskStateAt(2, 100.0009)).toEqual({ state: 'running', label: null })
    expect(model.taskStateAt(2, 100.05)).toEqual({ state: 'waiting', label: 'sleep(0.1)' })
    expect(model.taskStateAt(3, 100.2)).toEqual({ state: 'failed', label: null })
    expect(model.taskStateAt(3, 99)).toEqual({ state: null, label: null })
  })

  it('gives the same model whether events arrive at once or in any batches', () => {
    const { events } = parseNdjson(fixtureText('model-basic.ndjson'))
    const whole = new TraceModel()
    whole.ingest(events)
    const summary = (m: TraceModel): unknown => ({
      spans: Array.from(m.spans.start.data.subarray(0, m.spans.length)),
      ends: Array.from(m.spans.end.data.subarray(0, m.spans.length)),
      tasks: [...m.tasks.values()].map((t) => [t.id, t.state, t.steps, t.runTime]),
      problems: m.problems.map((p) => p.message),
      queues: m.queuesAtTick(1, 3)
    })
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: events.length - 1 }), { maxLength: 6 }), (cuts) => {
        const m = new TraceModel()
        const points = [0, ...[...new Set(cuts)].sort((a, b) => a - b), events.length]
        for (let i = 0; i + 1 < points.length; i++) m.ingest(events.slice(points[i], points[i + 1]))
        expect(summary(m)).toEqual(summary(whole))
      }),
      { numRuns: 50 }
    )
  })
})
