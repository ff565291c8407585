// A model built in one thread and handed to another (model-transfer.ts): what arrives is the
// same model — same data, same classes — and goes on taking events exactly as one that never
// moved; its typed arrays are moved, not copied; and what cannot be carried is refused at
// the sender instead of lost on the way.
import { describe, expect, it } from 'vitest'
import { parseNdjson } from '../../src/shared/trace-model/ndjson'
import { packModel, unpackModel } from '../../src/shared/trace-model/model-transfer'
import { TraceModel } from '../../src/shared/trace-model/trace-model'
import type { TraceEvent } from '../../src/shared/trace-types'
import { fixtureText } from './model-helpers'

/** `model` as postMessage would carry it to another thread. */
function carry(model: TraceModel): TraceModel {
  const { packed, transfer } = packModel(model)
  return unpackModel(structuredClone(packed, { transfer }))
}

function modelOf(name: string, events?: readonly TraceEvent[]): TraceModel {
  const parsed = parseNdjson(fixtureText(name))
  const m = new TraceModel()
  if (parsed.header) m.setHeader(parsed.header)
  m.ingest(events ?? parsed.events)
  return m
}

const FIXTURES = [
  'model-basic.ndjson',
  'model-recorded-welcome.ndjson',
  'model-recorded-blocking.ndjson',
  // The agent's packed batches (bench/workloads/mixed.py, recorded small): the expander's
  // memory of earlier batches has to arrive too.
  'model-recorded-mixed-packed.ndjson'
]

describe('a model handed to another thread', () => {
  for (const name of FIXTURES) {
    it(`is the model it was, and takes the rest of the trace as if it had never moved (${name})`, () => {
      const { header, events } = parseNdjson(fixtureText(name))
      const whole = modelOf(name)
      for (const cut of [
        1,
        Math.floor(events.length / 3),
        Math.floor(events.length / 2),
        events.length - 1
      ]) {
        const first = new TraceModel()
        if (header) first.setHeader(header)
        first.ingest(events.slice(0, cut))
        const reference = new TraceModel()
        if (header) reference.setHeader(header)
        reference.ingest(events.slice(0, cut))

        const moved = carry(first)
        expect(moved).toStrictEqual(reference)
        moved.ingest(events.slice(cut))
        expect(moved).toStrictEqual(whole)
      }
    })
  }

  it('answers the views as the model it came from', () => {
    const name = 'model-recorded-welcome.ndjson'
    const model = modelOf(name)
    const moved = carry(modelOf(name))
    const loop = [...model.loops.keys()][0]
    expect(moved.tickCount(loop)).toBe(model.tickCount(loop))
    expect(moved.queuesAtTick(loop, 3)).toEqual(model.queuesAtTick(loop, 3))
    expect(moved.spanLabel(5)).toBe(model.spanLabel(5))
    expect(moved.columnBytes).toBe(model.columnBytes)
  })

  it('moves its typed arrays rather than copying them', () => {
    const model = modelOf('model-recorded-welcome.ndjson')
    const spans = model.spans.start.data
    expect(spans.byteLength).toBeGreaterThan(0)
    carry(model)
    // A moved buffer is detached on the side it left.
    expect(spans.byteLength).toBe(0)
  })

  it('refuses a function or an object of a class it does not know, naming where', () => {
    const withFn = modelOf('model-basic.ndjson')
    ;(withFn.tasks.values().next().value as unknown as Record<string, unknown>).hook = () => 1
    expect(() => packModel(withFn)).toThrow(/a function at model\.tasks\.get\(\d+\)\.hook/)

    class Stranger {
      x = 1
    }
    const withStranger = modelOf('model-basic.ndjson')
    withStranger.problems.push(new Stranger() as never)
    expect(() => packModel(withStranger)).toThrow(/model\.problems\[\d+\] is a Stranger/)
  })

  it('refuses to unpack what is not a packed model', () => {
    const { packed, transfer } = packModel(modelOf('model-basic.ndjson'))
    const clone = structuredClone(packed, { transfer })
    expect(() => unpackModel({ ...clone, classes: clone.classes.slice(1) })).toThrow(/damaged/)
    expect(() => unpackModel({ ...clone, model: {}, objects: [], classes: [] })).toThrow(/not a model/)
  })
})
