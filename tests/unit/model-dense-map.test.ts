import { describe, expect, it } from 'vitest'
import { DenseNumberMap } from '../../src/shared/trace-model/columns'

describe('the handle map', () => {
  it('answers like a Map for small ids, large ids, negative and fractional ids', () => {
    const m = new DenseNumberMap()
    const keys = [1, 2, 5000, 1_000_000, 2 ** 40, -3, 1.5, 0]
    keys.forEach((k, i) => m.set(k, i * 10 - 5))
    keys.forEach((k, i) => expect(m.get(k)).toBe(i * 10 - 5))
    expect(m.get(3)).toBeUndefined()
    expect(m.get(2_000_000)).toBeUndefined()
    expect(m.get(2 ** 41)).toBeUndefined()
    m.set(2, 99)
    expect(m.get(2)).toBe(99)
  })

  it("keeps the anonymous runs' ids (from 2^40 + 2^32) apart from every other id", () => {
    const m = new DenseNumberMap()
    const r = 2 ** 40 + 2 ** 32
    const keys = [r + 5, r, r + 300_000, r - 1, r + 2 ** 24, 7, 2 ** 24, 2 ** 24 - 1, r + 2 ** 24 - 1]
    keys.forEach((k, i) => m.set(k, i + 0.5))
    keys.forEach((k, i) => expect(m.get(k)).toBe(i + 0.5))
    for (const k of [r + 1, r + 299_999, r + 2 ** 24 + 1, r - 2, 8, 2 ** 24 + 1])
      expect(m.get(k)).toBeUndefined()
    // A NaN value stays a value, as in a Map, also over a value before it.
    m.set(r + 9, NaN)
    expect(m.get(r + 9)).toBeNaN()
    m.set(r + 5, NaN)
    expect(m.get(r + 5)).toBeNaN()
    m.set(7, NaN)
    expect(m.get(7)).toBeNaN()
    m.set(7, 3)
    expect(m.get(7)).toBe(3)
  })
})
