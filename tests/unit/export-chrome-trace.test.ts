import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseTraceText } from '../../src/host/trace-reader'
import { toChromeTrace, type ChromeTraceEvent } from '../../src/shared/export/chrome-trace'
import type { TraceEvent, TraceHeader } from '../../src/shared/trace-types'

const fixture = parseTraceText(readFileSync(join(__dirname, '../fixtures/export-welcome.ndjson'), 'utf8'))
const header = fixture.header as TraceHeader

const threadNames = (events: ChromeTraceEvent[]): Map<number, string> =>
  new Map(
    events.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [e.tid, String(e.args?.name)])
  )

describe('Chrome trace export', () => {
  const trace = toChromeTrace(fixture.events, header)
  const events = trace.traceEvents

  it('survives a JSON round trip with the object format Perfetto expects', () => {
    const back = JSON.parse(JSON.stringify(trace))
    expect(Array.isArray(back.traceEvents)).toBe(true)
    expect(back.displayTimeUnit).toBe('ms')
    for (const e of back.traceEvents) {
      expect(typeof e.name).toBe('string')
      expect(['X', 'M', 'C', 'i', 's', 'f']).toContain(e.ph)
      expect(Number.isInteger(e.pid)).toBe(true)
      expect(Number.isInteger(e.tid)).toBe(true)
      if (e.ph !== 'M') expect(e.ts).toBeGreaterThanOrEqual(0)
    }
  })

  it('gives every task its own named thread', () => {
    const names = threadNames(events)
    const tasks = fixture.events.filter((e) => e.type === 'task.create')
    expect(tasks).toHaveLength(5)
    for (const t of tasks) expect(names.get(t.task)).toBe(`${t.name} ${t.coro}`)
    const taskTids = new Set(tasks.map((t) => t.task))
    expect([...names.keys()].filter((tid) => taskTids.has(tid))).toHaveLength(5)
  })

  it('writes each task step as a complete event in microseconds with a positive duration', () => {
    const begins = fixture.events.filter((e) => e.type === 'handle.begin' && e.task != null)
    const steps = events.filter((e) => e.ph === 'X' && e.cat === 'task')
    expect(steps).toHaveLength(begins.length)
    for (const s of steps) expect(s.dur).toBeGreaterThan(0)
    // The first step of Task-1 starts at the first handle.begin, relative to the first event.
    const t0 = fixture.events[0].t
    const firstBegin = begins[0] as Extract<TraceEvent, { type: 'handle.begin' }>
    const firstEnd = fixture.events.find(
      (e) => e.type === 'handle.end' && e.handle === firstBegin.handle
    ) as Extract<TraceEvent, { type: 'handle.end' }>
    const first = steps.find((s) => s.args?.handle === firstBegin.handle)!
    expect(first.ts).toBeCloseTo((firstBegin.t - t0) * 1e6, 3)
    expect(first.dur).toBeCloseTo(firstEnd.dur * 1e6, 3)
    expect(first.tid).toBe(firstBegin.task)
  })

  it('counts the ready queue and timer heap at every tick', () => {
    const ticks = fixture.events.filter((e) => e.type === 'tick.begin')
    const ready = events.filter((e) => e.ph === 'C' && e.name === 'ready queue')
    const heap = events.filter((e) => e.ph === 'C' && e.name === 'timer heap')
    expect(ready).toHaveLength(ticks.length)
    expect(heap).toHaveLength(ticks.length)
    // Keyframes carry the truth; the counter there must equal the snapshot's sizes.
    ticks.forEach((tick, i) => {
      if (tick.type !== 'tick.begin' || !tick.ready || !tick.timers) return
      expect(ready[i].args?.size).toBe(tick.ready.length)
      expect(heap[i].args?.size).toBe(tick.timers.length)
    })
    expect(Math.max(...heap.map((c) => Number(c.args?.size)))).toBeGreaterThan(1)
  })

  it('turns program output into instant events with the text', () => {
    const outputs = fixture.events.filter((e) => e.type === 'output')
    const instants = events.filter((e) => e.ph === 'i' && e.cat === 'stdout')
    expect(instants).toHaveLength(outputs.length)
    expect(instants.map((e) => e.name)).toContain('all done: 12 items handled')
  })

  it('draws an await as a flow from the step that woke a task to the step it resumed in', () => {
    const starts = events.filter((e) => e.ph === 's')
    const finishes = events.filter((e) => e.ph === 'f')
    expect(starts.length).toBeGreaterThan(5)
    expect(finishes).toHaveLength(starts.length)
    const byId = new Map(finishes.map((f) => [f.id, f]))
    for (const s of starts) {
      const f = byId.get(s.id)!
      expect(f.bp).toBe('e')
      expect(f.ts!).toBeGreaterThanOrEqual(s.ts!)
      expect(f.tid).not.toBe(s.tid)
    }
    // A consumer blocked on Queue.get() is woken by the producer's put.
    const names = threadNames(events)
    const queueWake = starts.find((s) => s.name === 'Queue.get()' && names.get(s.tid)?.includes('producer'))
    expect(queueWake).toBeDefined()
  })

  it('closes a step left open by a truncated trace at the last event', () => {
    const cut = fixture.events.findIndex(
      (e) => e.type === 'handle.begin' && e.task === 3 && e.t > fixture.events[0].t + 0.5
    )
    const partial = fixture.events.slice(0, cut + 2)
    const open = events.length
    const out = toChromeTrace(partial, header).traceEvents
    const unfinished = out.filter((e) => e.cat === 'unfinished')
    expect(unfinished).toHaveLength(1)
    expect(unfinished[0].tid).toBe(3)
    expect(unfinished[0].dur).toBeGreaterThan(0)
    expect(out.length).toBeLessThan(open)
  })

  it('names counters by loop when a trace has several loops', () => {
    const two: TraceEvent[] = [
      { type: 'loop.start', t: 1, loop: 1, thread: 1, threadName: 'MainThread', cls: 'L' },
      { type: 'loop.start', t: 1, loop: 2, thread: 2, threadName: 'worker', cls: 'L' },
      { type: 'tick.begin', t: 1, loop: 1, tick: 1, ready: [], timers: [], io: [] },
      { type: 'tick.begin', t: 1.1, loop: 2, tick: 1, ready: [7], timers: [], io: [] }
    ]
    const counters = toChromeTrace(two).traceEvents.filter((e) => e.ph === 'C')
    expect(counters.map((c) => c.name)).toEqual([
      'ready queue (loop 1)',
      'timer heap (loop 1)',
      'ready queue (loop 2)',
      'timer heap (loop 2)'
    ])
    expect(counters[2].args?.size).toBe(1)
  })
})
