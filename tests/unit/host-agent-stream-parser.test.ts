import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { AgentStreamParser } from '../../src/host/agent-stream-parser'
import type { TraceEvent, TraceHeader } from '../../src/shared/trace-types'
import { MINIMAL_HEADER } from '../fixtures/host-helpers'

const header = MINIMAL_HEADER

function collect(maxLineBytes?: number) {
  const events: TraceEvent[] = []
  const headers: TraceHeader[] = []
  const parser = new AgentStreamParser({
    onEvent: (e) => events.push(e),
    onHeader: (h) => headers.push(h),
    maxLineBytes
  })
  return { parser, events, headers }
}

describe('agent stream parser', () => {
  it('delivers the header and each event of complete lines', () => {
    const { parser, events, headers } = collect()
    parser.push(JSON.stringify(header) + '\n{"type":"tick.begin","t":0.5,"loop":1,"tick":1}\n')
    expect(headers).toHaveLength(1)
    expect(events).toEqual([{ type: 'tick.begin', t: 0.5, loop: 1, tick: 1 }])
    expect(parser.errors).toBe(0)
  })

  it('joins a line split across chunks, including inside a multi-byte character', () => {
    const { parser, events } = collect()
    const bytes = Buffer.from('{"type":"notice","t":1,"level":"info","message":"héllo → 世界"}\n', 'utf8')
    for (let i = 0; i < bytes.length; i++) parser.push(bytes.subarray(i, i + 1))
    expect(events).toEqual([{ type: 'notice', t: 1, level: 'info', message: 'héllo → 世界' }])
  })

  it('counts and skips invalid JSON, unknown types, missing times and non-objects', () => {
    const { parser, events } = collect()
    parser.push(
      '{not json\n{"type":"made.up","t":1}\n{"type":"tick.end","t":"soon"}\n[1,2]\n{"type":"loop.stop","t":2,"loop":1}\n'
    )
    expect(events.map((e) => e.type)).toEqual(['loop.stop'])
    expect(parser.stats).toMatchObject({
      invalidJson: 1,
      unknownType: 1,
      badTime: 1,
      notAnObject: 1,
      events: 1
    })
    expect(parser.errors).toBe(4)
    expect(parser.lastError).toMatch(/non-object|object/)
  })

  it('skips a line longer than the bound without holding it, and keeps going', () => {
    const { parser, events } = collect(1024)
    parser.push('{"type":"notice","t":0,"level":"info","message":"')
    for (let i = 0; i < 100; i++) parser.push('x'.repeat(1000))
    parser.push('"}\n{"type":"loop.stop","t":1,"loop":1}\n')
    expect(parser.stats.oversized).toBe(1)
    expect(events.map((e) => e.type)).toEqual(['loop.stop'])
    expect((parser as unknown as { pendingBytes: number }).pendingBytes).toBe(0)
  })

  it('parses a last line without a newline at end of stream', () => {
    const { parser, events } = collect()
    parser.push('{"type":"loop.stop","t":1,"loop":1}')
    expect(events).toHaveLength(0)
    parser.end()
    expect(events).toHaveLength(1)
  })

  it('reads a chunk of megabytes as it reads its lines one by one: short lines, lines longer than the 64 KB decoding window, multi-byte characters across its edges', () => {
    const lines: string[] = []
    for (let i = 0; i < 4000; i++) {
      // Lengths that put line ends, and the 2-, 3- and 4-byte characters, at every offset.
      const message = 'ä→😀'.repeat(i % 37) + 'x'.repeat((i * 7919) % 300)
      lines.push(JSON.stringify({ type: 'notice', t: i, level: 'info', message }))
      if (i % 1000 === 500)
        lines.push(JSON.stringify({ type: 'notice', t: i, level: 'info', message: '世'.repeat(40_000) }))
    }
    const text = lines.join('\n') + '\n'
    expect(Buffer.byteLength(text)).toBeGreaterThan(1_000_000)
    const whole = collect()
    whole.parser.push(Buffer.from(text, 'utf8'))
    const oneByOne = collect()
    for (const line of lines) oneByOne.parser.push(line + '\n')
    expect(whole.events).toHaveLength(lines.length)
    expect(whole.events).toEqual(oneByOne.events)
    expect(whole.parser.errors).toBe(0)
  })

  it('gives the same events however the stream is cut (property)', () => {
    const eventArb = fc.record({
      type: fc.constantFrom('tick.begin', 'notice', 'output'),
      t: fc.double({ noNaN: true, noDefaultInfinity: true }),
      message: fc.string({ unit: 'grapheme' })
    })
    const lineArb = fc.oneof(
      eventArb.map((e) => JSON.stringify(e)),
      fc.string({ unit: 'grapheme' }).map((s) => s.replace(/\n/g, ' '))
    )
    fc.assert(
      fc.property(
        fc.array(lineArb, { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (lines, cuts) => {
          const text = Buffer.from(lines.join('\n') + '\n', 'utf8')
          const whole = collect()
          whole.parser.push(text)
          const pieces = collect()
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b)
          let prev = 0
          for (const p of [...points, text.length]) {
            pieces.parser.push(text.subarray(prev, p))
            prev = p
          }
          expect(pieces.events).toEqual(whole.events)
          expect(pieces.parser.stats).toEqual(whole.parser.stats)
          expect(whole.parser.stats.lines).toBe(whole.events.length + whole.parser.errors)
        }
      )
    )
  })

  it('never throws on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 20 }), (chunks) => {
        const { parser, events } = collect(64)
        for (const c of chunks) parser.push(c)
        parser.end()
        for (const e of events) expect(typeof e.t).toBe('number')
      })
    )
  })
})
