import { describe, expect, it } from 'vitest'
import { formatAxisTime, formatClock, formatDuration, shortLabel } from '../../src/shared/trace-model/format'

describe('formatting times for people', () => {
  it('labels axis ticks in a unit that suits the visible span', () => {
    expect(formatAxisTime(0.01, 0.05)).toBe('10 ms')
    expect(formatAxisTime(0.0125, 0.01)).toBe('12.5 ms')
    expect(formatAxisTime(0.0001234, 0.001)).toBe('123 µs')
    expect(formatAxisTime(1.5, 5)).toBe('1.5 s')
    expect(formatAxisTime(0, 5)).toBe('0 s')
  })

  it('formats durations from microseconds to minutes', () => {
    expect(formatDuration(0.000012)).toBe('12.0 µs')
    expect(formatDuration(0.0042)).toBe('4.20 ms')
    expect(formatDuration(0.6)).toBe('600.0 ms')
    expect(formatDuration(2.5)).toBe('2.500 s')
    expect(formatDuration(125)).toBe('2m 5.0s')
  })

  it('shows a running clock with the same decimals for each unit: milliseconds under a second', () => {
    expect(formatClock(1)).toBe('1.00 s')
    expect(formatClock(1.355)).toBe('1.35 s')
    expect(formatClock(0.0163)).toBe('16 ms')
    expect(formatClock(0.0042)).toBe('4.2 ms')
    expect(formatClock(0)).toBe('0.0 ms')
    expect(formatClock(250.25)).toBe('250.3 s')
    expect(formatClock(Number.NaN)).toBe('—')
  })

  it('shortens dotted callback labels to their last parts', () => {
    expect(shortLabel('asyncio.futures._set_result_unless_cancelled')).toBe(
      'futures._set_result_unless_cancelled'
    )
    expect(shortLabel('main')).toBe('main')
  })
})
