// The columns that grow together (a span store's nine, a marker store's four, a delta log's
// three) are copied into bigger arrays at different pushes, never all in one: nine copies in
// one push held a frame for ~60 ms at a million spans.
import { describe, expect, it } from 'vitest'
import { staggered } from '../../src/shared/trace-model/columns'
import { DeltaLog, DeltaOp } from '../../src/shared/trace-model/queue-state'
import { MarkerStore, SpanStore } from '../../src/shared/trace-model/span-store'

/** For `pushes` pushes, how many of `columns` got a new array in each push; the most seen. */
function mostGrownInOnePush(
  columns: { data: ArrayLike<number> }[],
  push: () => void,
  pushes: number
): number {
  let most = 0
  let before = columns.map((c) => c.data)
  for (let i = 0; i < pushes; i++) {
    push()
    let grown = 0
    for (let k = 0; k < columns.length; k++) if (columns[k].data !== before[k]) grown++
    if (grown) before = columns.map((c) => c.data)
    most = Math.max(most, grown)
  }
  return most
}

describe('column growth', () => {
  it('spreads first capacities over one doubling', () => {
    const caps = Array.from({ length: 9 }, (_, k) => staggered(k, 9))
    expect(new Set(caps).size).toBe(9)
    expect(Math.min(...caps)).toBe(1024)
    expect(Math.max(...caps)).toBeLessThan(2048)
  })

  it('never copies two span columns in one push', () => {
    const s = new SpanStore()
    const cols = [s.start, s.end, s.lane, s.kind, s.flags, s.ref, s.handle, s.tick, s.task]
    expect(mostGrownInOnePush(cols, () => s.add(1, 0, 0, 0), 300_000)).toBe(1)
    expect(s.length).toBe(300_000)
  })

  it('never copies two marker or delta-log columns in one push', () => {
    const m = new MarkerStore()
    expect(mostGrownInOnePush([m.t, m.lane, m.kind, m.ref], () => m.add(1, 0, 0, 0), 100_000)).toBe(1)
    const d = new DeltaLog()
    expect(mostGrownInOnePush([d.op, d.a, d.b], () => d.push(DeltaOp.Schedule, 1), 100_000)).toBe(1)
  })
})
