import { describe, expect, it } from 'vitest'
import { ReadProgress } from '../../src/renderer/src/trace-reading/read-progress'

describe('how far into a trace file the status bar says the views are', () => {
  it('follows the events the model has taken, through each piece in proportion to its bytes', () => {
    const p = new ReadProgress()
    // A 1,000-byte file in two pieces: 100 events from the first 400 bytes, 300 from the rest.
    p.piece(100, 400, 1000)
    p.piece(300, 1000, 1000)
    expect(p.fraction(400)).toBe(0)
    expect(p.fraction(350)).toBeCloseTo(0.2)
    expect(p.fraction(300)).toBeCloseTo(0.4)
    // Half of the second piece taken: 400 + 600 / 2 bytes.
    expect(p.fraction(150)).toBeCloseTo(0.7)
    expect(p.fraction(0)).toBe(1)
  })

  it('says nothing when the source gave no size, and never more than the whole', () => {
    const p = new ReadProgress()
    p.piece(10, 500, null)
    expect(p.fraction(0)).toBeNull()
    const q = new ReadProgress()
    // A reader that counts text units may read past a size that was wrong.
    q.piece(10, 1500, 1000)
    expect(q.fraction(0)).toBe(1)
    expect(new ReadProgress().fraction(0)).toBeNull()
  })

  it('counts a piece with no events (the header) as read, and a recording of few long lines line by line', () => {
    const p = new ReadProgress()
    p.piece(0, 100, 7000)
    // One piece of 59 lines, most of them batches of thousands of events.
    p.piece(59, 7000, 7000)
    expect(p.fraction(59)).toBeCloseTo(100 / 7000)
    expect(p.fraction(30)).toBeCloseTo((100 + (6900 * 29) / 59) / 7000)
  })
})
