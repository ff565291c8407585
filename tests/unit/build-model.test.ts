// A saved trace read into a model of its own (what the reader worker does before handing the
// model to the page): the model is the one the page would have built, a Stop ends it with
// what was read, a limit cuts it, a failing read keeps what came before, and progress is
// reported on the way.
import { describe, expect, it } from 'vitest'
import { buildModel, type BuildOptions } from '../../src/renderer/src/trace-reading/build-model'
import { readHere, type PieceSource } from '../../src/renderer/src/trace-reading/read-here'
import { TraceModel } from '../../src/shared/trace-model/trace-model'
import { parseTraceText } from '../../src/host/trace-reader'
import { fixtureText } from './model-helpers'

const NAME = 'model-recorded-mixed-packed.ndjson'

function source(text = fixtureText(NAME), lines = 3): PieceSource {
  return readHere({ file: new Blob([text]) }, lines)
}

const options = (o: Partial<BuildOptions> = {}): BuildOptions => ({
  maxEvents: Infinity,
  stopped: () => false,
  pause: async () => {},
  everyMs: 0,
  ...o
})

/** The model the page builds applying the host reader's events. */
function pageModel(text: string, limit = Infinity): TraceModel {
  const read = parseTraceText(text)
  const m = new TraceModel()
  if (read.header) m.setHeader(read.header)
  m.ingest(read.events.slice(0, limit))
  return m
}

describe('a trace read into a model of its own', () => {
  it('is the model the page builds from the same file, and says how far it got on the way', async () => {
    const text = fixtureText(NAME)
    const seen: number[] = []
    const r = await buildModel(source(text), options({ pause: async (m) => void seen.push(m.eventCount) }))
    expect(r.error).toBeNull()
    expect(r.cut).toBe(false)
    expect(r.stopped).toBe(false)
    expect(r.header?.python).toBe('3.11.7')
    expect(r.model).toStrictEqual(pageModel(text))
    // A report between pieces (everyMs 0: after each), each further on than the last.
    expect(seen.length).toBeGreaterThan(3)
    expect(seen).toEqual([...seen].sort((a, b) => a - b))
    expect(seen.at(-1)).toBeLessThanOrEqual(r.model.eventCount)
  })

  it('ends at a Stop with what was read before it', async () => {
    const text = fixtureText(NAME)
    let pauses = 0
    const r = await buildModel(
      source(text),
      options({ stopped: () => pauses >= 2, pause: async () => void pauses++ })
    )
    expect(r.stopped).toBe(true)
    expect(r.error).toBeNull()
    // Two pieces of three events each.
    expect(r.model).toStrictEqual(pageModel(text, 6))
  })

  it('leaves out what is over the limit and says so', async () => {
    const text = fixtureText(NAME)
    const r = await buildModel(source(text), options({ maxEvents: 7 }))
    expect(r.cut).toBe(true)
    expect(r.model).toStrictEqual(pageModel(text, 7))
  })

  it('keeps what was read before a read failed, and says why it failed', async () => {
    const text = fixtureText(NAME)
    const inner = source(text)
    let pieces = 0
    const failing: PieceSource = {
      get header() {
        return inner.header
      },
      get message() {
        return inner.message
      },
      get progress() {
        return inner.progress
      },
      cancel: () => inner.cancel(),
      next: async () => {
        if (++pieces > 2) throw new Error('the connection was reset')
        return inner.next()
      }
    }
    const r = await buildModel(failing, options())
    expect(r.error).toBe('the connection was reset')
    expect(r.model).toStrictEqual(pageModel(text, 6))
  })

  it('reads a file that is not a trace into an empty model, with the reader’s word on it', async () => {
    const r = await buildModel(source('hello\nworld\n'), options())
    expect(r.header).toBeNull()
    expect(r.model.eventCount).toBe(0)
    expect(r.message).toMatch(/./)
  })
})
