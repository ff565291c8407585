// Parsed lines handed from the trace-reading worker to the page as columns must come back
// exactly as JSON.parse made them: same values, same key order, nothing turned into a
// prototype, whatever the line held.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ColumnEncoder, decodeColumns } from '../../src/shared/trace-model/event-columns'

function roundTrip(values: unknown[]): unknown[] {
  const enc = new ColumnEncoder()
  for (const v of values) enc.add(v)
  const cols = enc.finish()
  // As postMessage hands them over.
  return decodeColumns(structuredClone(cols))
}

/** Equal as JSON.parse would see it, key order included. */
function expectSame(a: unknown[], b: unknown[]): void {
  expect(a).toEqual(b)
  expect(JSON.stringify(a)).toBe(JSON.stringify(b))
}

describe('event columns', () => {
  it('round-trip any JSON value, key order included', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 20 }), (values) => {
        const parsed = values.map((v) => JSON.parse(JSON.stringify(v)) as unknown)
        expectSame(roundTrip(parsed), parsed)
      }),
      { numRuns: 300 }
    )
  })

  it('build the shapes the agent writes, whatever their values hold', () => {
    const value = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.string(),
      fc.constant(null),
      fc.jsonValue()
    )
    const shapes = [
      ['type', 't', 'loop', 'handle', 'cb', 'task', 'tick'],
      ['type', 't', 'loop', 'handle', 'dur'],
      ['type', 't', 'loop', 'handle', 'cb', 'task'],
      ['type', 't', 'loop', 'handle', 'cb', 'when', 'task'],
      ['type', 't', 'loop', 'handle'],
      ['type', 't', 'task', 'state', 'awaiting'],
      ['type', 't', 'task', 'state', 'result'],
      ['type', 't', 'task', 'state'],
      ['type', 't', 'loop', 'tick'],
      ['type', 't', 'loop', 'timeout', 'waited', 'fds'],
      ['type', 't', 'loop', 'task', 'name', 'coro', 'parent', 'site'],
      ['type', 't', 'stream', 'data'],
      ['kind', 'label'],
      ['kind', 'label', 'ref'],
      // Near misses: built key by key.
      ['type', 't', 'loop', 'handle', 'cb', 'tick', 'task'],
      ['type', 't', 'loop\u0000handle', 'cb'],
      ['type\u0000t', 'loop', 'handle']
    ]
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...shapes), fc.array(value, { minLength: 8, maxLength: 8 })), {
          maxLength: 30
        }),
        (rows) => {
          const objs = rows.map(([keys, vals]) => {
            const o: Record<string, unknown> = {}
            keys.forEach((k, i) => (o[k] = vals[i]))
            return JSON.parse(JSON.stringify(o)) as unknown
          })
          expectSame(roundTrip(objs), objs)
        }
      ),
      { numRuns: 300 }
    )
  })

  it('keep an own "__proto__" key as a key, as JSON.parse does', () => {
    const parsed = [JSON.parse('{"type":"output","__proto__":{"polluted":1},"t":1}') as unknown]
    const back = roundTrip(parsed) as Record<string, unknown>[]
    expect(Object.keys(back[0])).toEqual(['type', '__proto__', 't'])
    expect(Object.getPrototypeOf(back[0])).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expectSame(back, parsed)
  })

  it('keep -0 and numbers beyond 32 bits, and hand out a fresh encoder after finish', () => {
    const enc = new ColumnEncoder()
    enc.add([-0, 2 ** 53, 1e-300, 0.1 + 0.2])
    const first = decodeColumns(enc.finish())
    expect(Object.is((first[0] as number[])[0], -0)).toBe(true)
    expect(first).toEqual([[-0, 2 ** 53, 1e-300, 0.1 + 0.2]])
    enc.add('again')
    expect(enc.size).toBe(1)
    expect(decodeColumns(enc.finish())).toEqual(['again'])
  })

  it('grow past their first buffers', () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ({
      type: 'timer.due',
      t: i / 7,
      loop: 1,
      handle: i
    }))
    expectSame(roundTrip(many), many)
  })
})
