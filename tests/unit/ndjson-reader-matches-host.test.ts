// The page reads saved traces itself (a dropped file, or one the web host serves), so its
// reader must take exactly what the host's reader takes: the same events, the same lines
// skipped, the same first problem with its line number, however the text is cut in pieces.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { NdjsonTraceReader } from '../../src/shared/trace-model/ndjson-reader'
import { parseTraceText } from '../../src/host/trace-reader'
import { TRACE_HEADER_LINE } from '../fixtures/host-helpers'
import type { TraceEvent } from '../../src/shared/trace-types'

function readInPieces(
  text: string,
  cuts: number[]
): { events: TraceEvent[]; skipped: number; message: string | null } {
  const r = new NdjsonTraceReader()
  const events: TraceEvent[] = []
  let at = 0
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    events.push(...r.push(text.slice(at, Math.max(at, cut))).events)
    at = Math.max(at, cut)
  }
  events.push(...r.push(text.slice(at)).events)
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
  '{"type":"output","t":2,"stream":"stdout","data":"é ✓ \\ud83d\\ude00"}'
]

describe("the page's trace reader", () => {
  it('takes what the host takes, skips what it skips, and names the same first problem', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...LINES), { maxLength: 30 }),
        fc.array(fc.nat(4000), { maxLength: 6 }),
        fc.boolean(),
        (body, cuts, finalNewline) => {
          const text = [TRACE_HEADER_LINE, ...body].join('\n') + (finalNewline ? '\n' : '')
          const host = parseTraceText(text)
          const page = readInPieces(text, cuts)
          expect(page.events).toEqual(host.events)
          expect(page.skipped).toBe(host.skipped)
          expect(page.message).toBe(host.message)
        }
      ),
      { numRuns: 300 }
    )
  })

  it('skips a line longer than 8 MB, counts it, and reads on', () => {
    const huge = '{"type":"output","t":1,"stream":"stdout","data":"' + 'x'.repeat(9 * 1024 * 1024) + '"}'
    const text = [TRACE_HEADER_LINE, tick(1), huge, tick(2)].join('\n') + '\n'
    const page = readInPieces(text, [100, 5_000_000, 9_000_000])
    expect(page.events.map((e) => e.type === 'tick.begin' && e.tick)).toEqual([1, 2])
    expect(page.skipped).toBe(1)
    expect(page.message).toMatch(/^Trace read with problems from line 3: line longer than/)
  })
})
