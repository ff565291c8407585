// Hostile input to the two readers of trace text: the live agent-stream parser and the saved
// trace reader. Whatever arrives, they never throw, every line is either an event or a
// counted error, and memory stays bounded by the line limit, not by the input.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AgentStreamParser } from '../../src/host/agent-stream-parser'
import { readTraceFile, parseTraceText } from '../../src/host/trace-reader'
import { toChromeTrace } from '../../src/shared/export/chrome-trace'
import { TraceModel } from '../../src/shared/trace-model/trace-model'
import { TRACE_EVENT_TYPES, type TraceEvent } from '../../src/shared/trace-types'
import { MINIMAL_HEADER, scratchDir } from '../fixtures/host-helpers'

const HEADER = JSON.stringify(MINIMAL_HEADER)

/** A line as the agent writes it (type, then t, then fields), or a hostile variant of one. */
const agentLine = fc
  .record({
    type: fc.oneof(fc.constantFrom(...TRACE_EVENT_TYPES), fc.string({ maxLength: 12 })),
    t: fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom('1', null, true, [], {}, '1e999'),
      fc.integer()
    ),
    loop: fc.oneof(fc.nat(), fc.string({ maxLength: 5 }), fc.constant(null)),
    task: fc.anything({ maxDepth: 2 })
  })
  .map(
    ({ type, t, loop, task }) =>
      `{"type":${JSON.stringify(type)},"t":${JSON.stringify(t)},"loop":${JSON.stringify(loop)},"task":${JSON.stringify(task) ?? 'null'}}`
  )

const hostileLine = fc
  .oneof(
    agentLine,
    // Cut short anywhere, as a crash or a full disk leaves it.
    fc.tuple(agentLine, fc.nat()).map(([l, n]) => l.slice(0, n % (l.length + 1))),
    fc.json({ maxDepth: 2 }),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.constantFrom(
      '{"type":"tick.begin","t":1e400}',
      '{"type":"tick.begin","t":-0}',
      '{"type":"__proto__","t":1}'
    ),
    fc.constantFrom(
      '{"type":"tick.begin","t":1,"x":}',
      '{"type":"tick.begin","t":1 garbage}',
      '{"type":"tick.begin","t":01}'
    )
  )
  .map((l) => l.replace(/\n/g, ' '))

function parse(text: Buffer, scan: boolean, maxLineBytes?: number) {
  const full: { type: string; t: number; line: string }[] = []
  const parser = new AgentStreamParser({
    maxLineBytes,
    onEvent: (e, line) => full.push({ type: e.type, t: e.t, line }),
    onEventLine: scan ? (line, type, t) => full.push({ type, t, line }) : undefined
  })
  parser.push(text)
  parser.end()
  return { parser, events: full }
}

describe('agent stream parser against hostile input', () => {
  it('accepts exactly the lines with a known type and a finite time, and counts every other (property)', () => {
    const known = new Set<string>(TRACE_EVENT_TYPES)
    fc.assert(
      fc.property(fc.array(hostileLine, { maxLength: 40 }), (lines) => {
        const { parser, events } = parse(Buffer.from(lines.join('\n') + '\n'), false)
        for (const e of events) {
          expect(known.has(e.type)).toBe(true)
          expect(Number.isFinite(e.t)).toBe(true)
          const obj = JSON.parse(e.line) as TraceEvent
          expect(obj.type).toBe(e.type)
        }
        const nonBlank = lines.filter((l) => l.trim() !== '').length
        expect(parser.stats.lines).toBe(nonBlank)
        expect(parser.stats.lines).toBe(parser.stats.events + parser.errors)
      }),
      { numRuns: 300 }
    )
  })

  it('the record path (lines unparsed) keeps every event the full parse keeps, with the same type and time (property)', () => {
    fc.assert(
      fc.property(fc.array(hostileLine, { maxLength: 40 }), (lines) => {
        const text = Buffer.from(lines.join('\n') + '\n')
        const full = parse(text, false)
        const scanned = parse(text, true)
        // Scanning reads type and time without checking the rest is JSON, so it may keep a
        // line the full parse refuses — the trace reader refuses it later — but never loses one.
        const kept = new Set(scanned.events.map((e) => `${e.line}\u0000${e.type}\u0000${e.t}`))
        for (const e of full.events) expect(kept.has(`${e.line}\u0000${e.type}\u0000${e.t}`)).toBe(true)
        for (const e of scanned.events) {
          expect(TRACE_EVENT_TYPES).toContain(e.type)
          expect(Number.isFinite(e.t)).toBe(true)
          expect(e.line.trimEnd().endsWith('}')).toBe(true)
        }
        expect(scanned.parser.stats.lines).toBe(full.parser.stats.lines)
      }),
      { numRuns: 300 }
    )
  })

  it('bounds a line by its UTF-8 bytes, not its length in characters', () => {
    const line = `{"type":"notice","t":1,"level":"info","message":"${'世'.repeat(400)}"}`
    expect(line.length).toBeLessThan(1024)
    const { parser, events } = parse(
      Buffer.from(line + '\n{"type":"loop.stop","t":2,"loop":1}\n'),
      false,
      1024
    )
    expect(parser.stats.oversized).toBe(1)
    expect(events.map((e) => e.type)).toEqual(['loop.stop'])
    const scanned = parse(Buffer.from(line + '\n'), true, 1024)
    expect(scanned.parser.stats.oversized).toBe(1)
  })

  it('holds at most one line limit of memory while a 64 MB line streams through', () => {
    const limit = 1024 * 1024
    const parser = new AgentStreamParser({ maxLineBytes: limit, onEvent: () => undefined })
    const chunk = Buffer.alloc(64 * 1024, 0x61)
    parser.push('{"type":"notice","t":0,"message":"')
    let most = 0
    const heapBefore = process.memoryUsage().heapUsed
    for (let i = 0; i < 1024; i++) {
      parser.push(chunk)
      most = Math.max(most, (parser as unknown as { pendingBytes: number }).pendingBytes)
    }
    parser.push('"}\n{"type":"loop.stop","t":1,"loop":1}\n')
    expect(most).toBeLessThanOrEqual(limit)
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(32 * 1024 * 1024)
    expect(parser.stats).toMatchObject({ oversized: 1, events: 1 })
  })
})

describe('saved trace reader against hostile input', () => {
  it('a trace cut at any byte opens with the events before the cut and names the broken line (property)', async () => {
    const dir = scratchDir()
    const path = join(dir, 'cut.ndjson')
    const lines = [HEADER]
    for (let i = 0; i < 40; i++)
      lines.push(
        `{"type":"task.state","t":${i / 10},"loop":1,"task":${i % 5},"state":"running","note":"é→${i}"}`
      )
    const text = Buffer.from(lines.join('\n') + '\n')
    const whole = parseTraceText(text.toString('utf8'))
    expect(whole.skipped).toBe(0)
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: text.length }), async (cut) => {
        writeFileSync(path, text.subarray(0, cut))
        const r = await readTraceFile(path)
        expect(whole.events.slice(0, r.events.length)).toEqual(r.events)
        const complete = text.subarray(0, cut).toString('utf8').split('\n').length - 1
        expect(r.events.length).toBeGreaterThanOrEqual(Math.max(0, complete - 1))
        expect(r.skipped).toBeLessThanOrEqual(1)
        if (r.skipped) expect(r.message).toMatch(/^Trace read with problems from line \d+/)
      }),
      { numRuns: 200 }
    )
  })

  it('never throws and never keeps more than asked, whatever the lines hold (property)', async () => {
    const dir = scratchDir()
    const path = join(dir, 'fuzz.ndjson')
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileLine, { maxLength: 60 }),
        fc.integer({ min: 1, max: 30 }),
        async (lines, max) => {
          writeFileSync(path, [HEADER, ...lines].join('\n'))
          const r = await readTraceFile(path, { maxEvents: max })
          expect(r.events.length).toBeLessThanOrEqual(max)
          expect(r.header).not.toBeNull()
          const unbounded = await readTraceFile(path)
          expect(unbounded.events.length + unbounded.skipped).toBe(
            lines.filter((l) => l.trim() !== '').length
          )
          if (unbounded.skipped > 0) expect(unbounded.message).toMatch(/line \d+/)
        }
      ),
      { numRuns: 150 }
    )
  })

  it('keeps events with times out of order in file order, and the model and exports take them', () => {
    const events = [
      '{"type":"loop.start","t":5,"loop":1,"thread":1,"threadName":"MainThread","cls":"X"}',
      '{"type":"task.create","t":3,"loop":1,"task":1,"name":"a","coro":"a","parent":null,"site":null}',
      '{"type":"tick.begin","t":9,"loop":1,"tick":1,"ready":[],"timers":[],"io":[]}',
      '{"type":"task.state","t":1,"loop":1,"task":1,"state":"running"}',
      '{"type":"tick.end","t":-4,"loop":1,"tick":1}'
    ]
    const r = parseTraceText([HEADER, ...events].join('\n'))
    expect(r.skipped).toBe(0)
    expect(r.events.map((e) => e.t)).toEqual([5, 3, 9, 1, -4])
    const model = new TraceModel()
    if (r.header) model.setHeader(r.header)
    expect(() => model.ingest(r.events)).not.toThrow()
    expect(() => JSON.stringify(toChromeTrace(r.events, r.header))).not.toThrow()
  })
})
