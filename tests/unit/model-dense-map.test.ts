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
})
