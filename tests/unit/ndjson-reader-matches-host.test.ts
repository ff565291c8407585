// The page reads saved traces itself (a dropped file, or one the web host serves), so its
// reader must take exactly what the host's reader takes: the same events, the same lines
// skipped, the same first problem with its line number, however the text is cut in pieces.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { NdjsonTraceReader } from '../../src/shared/trace-model/ndjson-reader'
import { parseTraceText } from '../../src/host/trace-reader'
import { TRACE_HEADER_LINE } from '../fixtures/host-helpers'
import type { TraceEvent } from '../../src/shared/trace-types'

/**
 * Reads `text`'s bytes cut at `cuts` (inside a character as well), each piece pushed whole
 * or, given `takes`, fed and then parsed a few lines at a time (`next`), as the page's
 * replay does.
 */
function readInPieces(
  text: string,
  cuts: number[],
  takes?: number[]
): { events: TraceEvent[]; skipped: number; message: string | null } {
  const r = new NdjsonTraceReader()
  const events: TraceEvent[] = []
  let k = 0
  const bytes = new TextEncoder().encode(text)
  const read = (piece: Uint8Array): void => {
    if (!takes) {
      events.push(...r.push(piece).events)
      return
    }
    r.feed(piece)
    while (r.hasLines) events.push(...r.next(takes[k++ % takes.length]).events)
  }
  let at = 0
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    read(bytes.subarray(at, Math.max(at, cut)))
    at = Math.max(at, cut)
  }
  read(bytes.subarray(at))
  events.push(...r.end().events)
  return { events, skipped: r.skipped, message: r.message }
}

const tick = (n: number) => JSON.stringify({ type: 'tick.begin', t: n / 1000, loop: 1, tick: n })
const LINES = [
  tick(1),
  '',
  '{"type":"tick.begin", broken',
  '[1,2]',
  '{"type":"no.such.event","t":1}',
  '{"type":"tick.end","loop":1,"tick":1}',
  '{"type":"batch","t":1,"loop":1,"ops":"not a list"}',
  '{"type":"batch","t":1,"loop":1,"ops":[]}',
  TRACE_HEADER_LINE,
  '   ',
  tick(2) + '\r',
  '{"type":"output","t":2,"stream":"stdout","data":"é ✓ \\ud83d\\ude00"}',
  // Read straight from the bytes, or left to JSON.parse: the same either way.
  '{"type":"tick.begin","t":-0.0,"loop":1,"tick":3}',
  '{"type":"tick.begin","t":1.5e3,"loop":1,"tick":4}',
  '{"type":"tick.begin","t":12345678901234567890.5,"loop":1,"tick":5}',
  '{"type":"notice","t":3,"__proto__":{"x":1},"message":"p"}',
  '{"type":"tick.begin","t":01,"loop":1,"tick":6}',
  '{"type":"tick.begin","t":1,"loop":1,"tick":7,}',
  '{"type":"tick.begin","t":1,"loop":1,"tick":8} x',
  '\ufeff' + tick(9),
  ' \t{ "type" : "tick.begin" , "t" : 0.000011 , "loop" : 1 , "tick" : 10 } '
]

describe("the page's trace reader", () => {
  it('takes what the host takes, skips what it skips, and names the same first problem', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...LINES), { maxLength: 30 }),
        fc.array(fc.nat(4000), { maxLength: 6 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 }),
        (body, cuts, finalNewline, takes) => {
          const text = [TRACE_HEADER_LINE, ...body].join('\n') + (finalNewline ? '\n' : '')
          const host = parseTraceText(text)
          for (const page of [readInPieces(text, cuts), readInPieces(text, cuts, takes)]) {
            expect(page.events).toEqual(host.events)
            expect(page.skipped).toBe(host.skipped)
            expect(page.message).toBe(host.message)
          }
        }
      ),
      { numRuns: 300 }
    )
  })

  it('reads a byte order mark at the start of the file as a decoder of the whole file does', () => {
    const text = '\ufeff' + TRACE_HEADER_LINE + '\n' + tick(1) + '\n'
    const page = readInPieces(text, [1, 2])
    expect(page.events).toEqual(
      parseTraceText(new TextDecoder().decode(new TextEncoder().encode(text))).events
    )
    expect(page.events).toHaveLength(1)
    expect(page.message).toBeNull()
  })

  it('skips a line too long to decode (over 24 MB) whether its end comes in the piece that passes the limit or later', () => {
    const MB = 1024 * 1024
    for (const size of [25 * MB, 24 * MB - 10]) {
      const huge = '{"type":"output","t":1,"stream":"stdout","data":"' + 'x'.repeat(size) + '"}'
      const text = [TRACE_HEADER_LINE, tick(1), huge, tick(2)].join('\n') + '\n'
      // Pieces of 1 MB: the line's start is kept, then its end arrives with the next event.
      const cuts = Array.from({ length: Math.floor(text.length / MB) }, (_, k) => (k + 1) * MB)
      const page = readInPieces(text, cuts, [3])
      expect(page.events.map((e) => e.type === 'tick.begin' && e.tick)).toEqual([1, 2])
      expect(page.skipped).toBe(1)
      expect(page.message).toMatch(/^Trace read with problems from line 3: line longer than/)
    }
  })

  it('feeds bytes only once what was fed before is parsed', () => {
    const r = new NdjsonTraceReader()
    const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
    r.feed(utf8(TRACE_HEADER_LINE + '\n' + tick(1) + '\n'))
    expect(() => r.feed(utf8(tick(2) + '\n'))).toThrow(/not parsed yet/)
    expect(r.next(1).header).not.toBeNull()
    expect(r.next(5).events).toHaveLength(1)
    expect(r.hasLines).toBe(false)
    r.feed(utf8(tick(2) + '\n'))
    expect(r.next(5).events).toHaveLength(1)
  })

  it('skips a line longer than 8 MB, counts it, and reads on', () => {
    const huge = '{"type":"output","t":1,"stream":"stdout","data":"' + 'x'.repeat(9 * 1024 * 1024) + '"}'
    const text = [TRACE_HEADER_LINE, tick(1), huge, tick(2)].join('\n') + '\n'
    for (const page of [
      readInPieces(text, [100, 5_000_000, 9_000_000]),
      readInPieces(text, [100, 5_000_000, 9_000_000], [1])
    ]) {
      expect(page.events.map((e) => e.type === 'tick.begin' && e.tick)).toEqual([1, 2])
      expect(page.skipped).toBe(1)
      expect(page.message).toMatch(/^Trace read with problems from line 3: line longer than/)
    }
  })
})
