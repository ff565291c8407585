// Readers of big traces take an event through a quick check before the full one: the two
// must agree on every value, or a line the full check would skip could slip in.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { checkTraceValue, isTraceEvent } from '../../src/shared/trace-line-rules'
import { TRACE_EVENT_TYPES } from '../../src/shared/trace-types'

const field = fc.oneof(
  fc.constantFrom(...TRACE_EVENT_TYPES, 'header', 'no.such', ''),
  fc.double(),
  fc.constantFrom(Infinity, -Infinity, NaN, 0, 1.5),
  fc.jsonValue(),
  fc.constant(undefined)
)
const candidate = fc.oneof(
  fc.record(
    { type: field, t: field, ops: field, v: fc.oneof(fc.constant(2), field), i: field },
    { requiredKeys: [] }
  ),
  fc.jsonValue()
)

describe('the quick event check', () => {
  it('takes exactly the values the full check takes as events', () => {
    fc.assert(
      fc.property(candidate, (value) => {
        expect(isTraceEvent(value)).toBe(checkTraceValue(value).kind === 'event')
      }),
      { numRuns: 2000 }
    )
  })
})
