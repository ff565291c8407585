// The saved-trace reader reads most lines straight from their bytes (json-bytes.ts) and
// leaves the rest to JSON.parse. Whatever a line holds, the value must be JSON.parse's, and
// a line JSON.parse refuses must be left to it (so its error is the one reported).
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { JsonBytesParser, NOT_FAST } from '../../src/shared/trace-model/json-bytes'

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

/** What JSON.parse makes of `text`, or 'throws'. */
function reference(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return 'throws'
  }
}

/** Deep equality that tells -0 from 0 and compares key order. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b)
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

function check(parser: JsonBytesParser, text: string): void {
  // A newline after the line, as in a file: it must end the line, never continue it.
  const bytes = utf8(text + '\n7')
  const fast = parser.parse(bytes, 0, bytes.length - 2)
  if (fast === NOT_FAST) return
  const ref = reference(text)
  expect(ref).not.toBe('throws')
  expect(same(fast, ref), `${text} read as ${JSON.stringify(fast)}`).toBe(true)
}

describe('JSON read from bytes', () => {
  it("gives JSON.parse's value for any JSON value, numbers of every shape included", () => {
    const parser = new JsonBytesParser()
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 2), (value, indent) => {
        check(parser, JSON.stringify(value, null, indent || undefined).replace(/\n/g, ' '))
      }),
      { numRuns: 2000 }
    )
    fc.assert(
      fc.property(fc.double(), fc.integer(), (d, i) => {
        check(parser, JSON.stringify({ d, i, s: String(d) }))
        check(parser, String(Math.abs(d)).replace('Infinity', '1'))
      }),
      { numRuns: 5000 }
    )
  })

  it('leaves to JSON.parse every text it refuses, and reads the rest as it does', () => {
    const parser = new JsonBytesParser()
    const alphabet = fc.constantFrom(
      ...'{}[]",:-+.0123456789eE truefalsnul\\ax\t\r'.split(''),
      '"a"',
      '1.25',
      'é'
    )
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), (chars) => check(parser, chars.join(''))),
      { numRuns: 20000 }
    )
  })

  it('reads trace lines fast, and leaves escapes, other bytes, deep values and __proto__ to JSON.parse', () => {
    const parser = new JsonBytesParser()
    const read = (text: string): unknown => {
      const bytes = utf8(text)
      return parser.parse(bytes, 0, bytes.length)
    }
    const line = '{"type":"handle.begin","t":1.849018,"loop":1,"handle":73931,"cb":1,"task":null,"tick":717}'
    expect(read(line)).toEqual(JSON.parse(line))
    expect(read('{"type":"task.state","t":0,"awaiting":{"kind":"sleep","ref":[1,2]},"ok":true}')).toEqual({
      type: 'task.state',
      t: 0,
      awaiting: { kind: 'sleep', ref: [1, 2] },
      ok: true
    })
    expect(read('{"label":"a\\\\b"}')).toBe(NOT_FAST)
    expect(read('{"label":"é"}')).toBe(NOT_FAST)
    expect(read('{"__proto__":{"x":1}}')).toBe(NOT_FAST)
    expect(read('['.repeat(65) + ']'.repeat(65))).toBe(NOT_FAST)
    expect(read('['.repeat(64) + ']'.repeat(64))).toEqual(JSON.parse('['.repeat(64) + ']'.repeat(64)))
    expect(read('{"a":1} {')).toBe(NOT_FAST)
    expect(Object.is(read('-0'), -0)).toBe(true)
    // Strings of every length class: interned, made from char codes, decoded whole.
    for (const n of [0, 32, 33, 8192, 8193, 300_000]) {
      const text = 'ab=+/'.repeat(n).slice(0, n)
      expect(read(JSON.stringify({ i: text }))).toEqual({ i: text })
    }
    // The same short string read twice is one string; a different one of the same length is not it.
    expect(read('["worker-1","worker-2","worker-1"]')).toEqual(['worker-1', 'worker-2', 'worker-1'])
  })

  it('reads every short string as its own text when far more of them than the table holds share its slots', () => {
    const parser = new JsonBytesParser()
    // 60,000 distinct short strings, seven times the table's slots: most slots are taken over
    // many times, and strings of one length and one hash land on one slot.
    const texts = Array.from({ length: 60_000 }, (_, i) => `w${(i * 7919).toString(36)}-${i % 97}`)
    const line = (from: number): string => JSON.stringify(texts.slice(from, from + 500))
    for (let round = 0; round < 2; round++)
      for (let from = 0; from < texts.length; from += 500) {
        const bytes = utf8(line(from))
        expect(parser.parse(bytes, 0, bytes.length)).toEqual(texts.slice(from, from + 500))
      }
    // Strings of one length whose bytes differ but whose hashes meet ("Aa" and "BB" hash alike).
    const bytes = utf8('["xAa","xBB","xAa","xBB"]')
    expect(parser.parse(bytes, 0, bytes.length)).toEqual(['xAa', 'xBB', 'xAa', 'xBB'])
  })
})
