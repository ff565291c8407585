// Applying queued events a slice at a time (TraceModel.drain) ends in exactly the model that
// taking them in at once gives, however the slices fall: inside an agent `batch` line,
// between lines, with more queued while a slice is pending.
import { describe, expect, it } from 'vitest'
import { parseNdjson } from '../../src/shared/trace-model/ndjson'
import { TraceModel } from '../../src/shared/trace-model/trace-model'
import { fixtureText } from './model-helpers'

const recorded = parseNdjson(fixtureText('model-recorded-welcome.ndjson')).events

function summary(m: TraceModel): unknown {
  return {
    events: m.eventCount,
    skipped: m.skipped,
    spans: m.spans.length,
    tasks: [...m.tasks.values()].map((t) => [t.id, t.name, t.state, t.steps, t.runTime]),
    console: m.console.map((c) => c.data),
    now: m.now,
    problems: m.problems.length
  }
}

describe('sliced ingest', () => {
  const once = new TraceModel()
  once.ingest(recorded)

  it('holds batch lines (so slices fall inside them)', () => {
    expect(recorded.some((e) => e.type === 'batch')).toBe(true)
    expect(once.eventCount).toBeGreaterThan(recorded.length)
  })

  for (const budget of [1, 3, 40]) {
    it(`gives the same model in slices of ${budget} clock ticks, fed in three parts`, () => {
      const m = new TraceModel()
      let clock = 0
      const tick = (): number => ++clock
      const parts = [recorded.slice(0, 10), recorded.slice(10, 40), recorded.slice(40)]
      let slices = 0
      m.enqueue(parts[0])
      for (const part of parts.slice(1)) {
        // A slice that stops early leaves the rest queued, in order, ahead of what comes next.
        if (!m.drain(clock + budget, tick)) slices++
        m.enqueue(part)
      }
      while (!m.drain(clock + budget, tick)) slices++
      expect(m.drained).toBe(true)
      expect(summary(m)).toEqual(summary(once))
      if (budget < 40) expect(slices).toBeGreaterThan(1)
    })
  }
})
