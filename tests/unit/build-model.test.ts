// A saved trace read into a model of its own (what the reader worker does before handing the
// model to the page): the model is the one the page would have built, a Stop ends it with
// what was read, a limit cuts it, a failing read keeps what came before, and progress is
// reported on the way.
import { describe, expect, it } from 'vitest'
import { buildModel, type BuildOptions } from '../../src/renderer/src/trace-reading/build-model'
import { readHere, type PieceSource } from '../../src/renderer/src/trace-reading/read-here'
import { Column } from '../../src/shared/trace-model/columns'
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

/** A one-task trace of `steps` steps, each a run and a sleep (about 330 bytes a step). */
function busyTrace(steps: number): string {
  const lines = [
    JSON.stringify({
      type: 'header',
      format: 'loopscope-trace',
      version: 1,
      python: '3.11.7',
      argv: ['x.py']
    }),
    JSON.stringify({ type: 'loop.start', t: 0, loop: 1, thread: 1, threadName: 'MainThread', cls: 'L' }),
    JSON.stringify({ type: 'callback', t: 0, cb: 1, label: 'work', site: 'x.py:1' }),
    JSON.stringify({
      type: 'task.create',
      t: 0,
      loop: 1,
      task: 7,
      name: 'worker',
      coro: 'work',
      cb: 1,
      parent: null,
      site: null
    })
  ]
  for (let i = 1; i <= steps; i++) {
    const t = i / 1000
    lines.push(
      JSON.stringify({ type: 'handle.begin', t, loop: 1, handle: i, cb: 1, task: 7, tick: i }),
      JSON.stringify({
        type: 'timer.schedule',
        t,
        loop: 1,
        handle: steps + i,
        cb: 1,
        when: t + 0.001,
        task: 7
      }),
      JSON.stringify({ type: 'handle.end', t: t + 0.0002, loop: 1, handle: i, dur: 0.0002 })
    )
  }
  return lines.join('\n') + '\n'
}

/** The model with each column cut to what it holds: models that differ only in spare room compare equal. */
function contents(model: TraceModel): unknown {
  const seen = new Map<object, unknown>()
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v
    if (seen.has(v)) return seen.get(v)
    if (v instanceof Column) return Array.from(v.data.subarray(0, v.length))
    if (ArrayBuffer.isView(v)) return v
    if (v instanceof Map) {
      const m = new Map()
      seen.set(v, m)
      for (const [k, x] of v) m.set(k, copy(x))
      return m
    }
    const o: Record<string, unknown> = Array.isArray(v) ? ([] as unknown as Record<string, unknown>) : {}
    seen.set(v, o)
    for (const k of Object.keys(v)) o[k] = copy((v as Record<string, unknown>)[k])
    return o
  }
  return copy(model)
}

describe('a trace read into a model of its own', () => {
  it('sizes the columns of a big file from its first tenth, and builds the same model', async () => {
    const text = busyTrace(6000)
    expect(text.length).toBeGreaterThan(1 << 20)
    const r = await buildModel(source(text, 500), options())
    const page = pageModel(text)
    expect(contents(r.model)).toStrictEqual(contents(page))
    const spans = r.model.spans.start
    const runs = r.model.lanes.find((l) => l.task === 7)!.spans
    // Sized once, about 5 % over what came (doubling leaves up to twice), for the store's
    // columns and for a lane's alike.
    for (const column of [spans, r.model.spans.task, r.model.history.t, runs]) {
      expect(column.data.length).toBeGreaterThanOrEqual(column.length)
      expect(column.data.length).toBeLessThan(column.length * 1.15)
    }
    expect(page.spans.start.data.length).toBeGreaterThan(page.spans.start.length * 1.15)
  })

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
