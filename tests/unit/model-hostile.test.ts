import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { TraceModel } from '../../src/shared/trace-model/trace-model'
import type { TraceEvent } from '../../src/shared/trace-types'
import { fixtureText } from './model-helpers'
import { parseNdjson } from '../../src/shared/trace-model/ndjson'

// A trace file is input we did not write: fields of the wrong type must cost the event
// they sit in, counted as skipped, never the model or the events after them.
describe('the trace model on hostile events', () => {
  it('skips an event whose id is an object and keeps ingesting', () => {
    const model = new TraceModel()
    const bad = { type: 'task.create', t: 0, loop: '', task: { toString: '' } } as unknown as TraceEvent
    expect(() => model.ingest([bad])).not.toThrow()
    const { events } = parseNdjson(fixtureText('model-basic.ndjson'))
    model.ingest(events)
    expect(model.skipped).toBeGreaterThanOrEqual(1)
    expect(model.tasks.size).toBeGreaterThan(0)
  })

  it('never throws on events with arbitrary fields of arbitrary types', () => {
    const types = [
      'task.create',
      'task.state',
      'handle.begin',
      'handle.end',
      'tick.begin',
      'batch',
      'timer.schedule',
      'paused',
      'output',
      'exit'
    ]
    const event = fc.record({
      type: fc.constantFrom(...types),
      t: fc.oneof(fc.double(), fc.string(), fc.constant(null)),
      loop: fc.anything(),
      task: fc.anything(),
      handle: fc.anything(),
      ops: fc.anything(),
      state: fc.anything(),
      tick: fc.anything()
    })
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), (events) => {
        const model = new TraceModel()
        model.ingest(events as unknown as TraceEvent[])
        return model.eventCount >= 0
      }),
      { numRuns: 300 }
    )
  })
})
