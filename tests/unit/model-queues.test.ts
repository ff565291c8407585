import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { TraceModel, KEYFRAME_EVERY } from '../../src/shared/trace-model/trace-model'
import type { TraceEvent } from '../../src/shared/trace-types'
import { loadFixture } from './model-helpers'

describe('queues rebuilt at any tick', () => {
  const model = loadFixture('model-basic.ndjson')

  it('shows the ready queue in FIFO order at the start of a tick', () => {
    expect(model.queuesAtTick(1, 1).ready).toEqual([2, 3, 4])
    expect(model.queuesAtTick(1, 3).ready).toEqual([7])
    expect(model.queuesAtTick(1, 5).ready).toEqual([8])
  })

  it('shows the timer heap by deadline, not by scheduling order', () => {
    expect(model.queuesAtTick(1, 2).timers).toEqual([
      [6, 100.051],
      [5, 100.1008]
    ])
    expect(model.queuesAtTick(1, 3).timers).toEqual([[5, 100.1008]])
  })

  it('shows I/O watchers added and removed between ticks', () => {
    expect(model.queuesAtTick(1, 1).io).toEqual([])
    expect(model.queuesAtTick(1, 2).io).toEqual([{ fd: 7, dir: 'read', cb: 6 }])
    expect(model.queuesAtTick(1, 5).io).toEqual([])
  })

  it('labels queued handles with their callback and task', () => {
    const info = model.handleInfo(3)
    expect(info).toMatchObject({ label: 'worker()', task: 3, taskName: 'worker-b', site: '/tmp/ex.py:10' })
  })

  it('maps a loop time to the tick in effect then', () => {
    expect(model.tickIndexAt(1, 100.0008)).toBe(1)
    expect(model.tickIndexAt(1, 100.0014)).toBe(2)
    expect(model.tickIndexAt(1, 99)).toBe(-1)
  })

  it('replaces rebuilt state with the agent keyframe on a tick that carries one', () => {
    const m = new TraceModel()
    m.ingest([
      { type: 'tick.begin', t: 1, loop: 1, tick: 0 },
      { type: 'handle.schedule', t: 1, loop: 1, handle: 1, cb: 1 },
      { type: 'tick.begin', t: 2, loop: 1, tick: 1, ready: [9, 8], timers: [[5, 3]], io: [[4, 'w', 2]] },
      { type: 'handle.begin', t: 2, loop: 1, handle: 9, cb: 1, tick: 1 },
      { type: 'tick.begin', t: 3, loop: 1, tick: 2 }
    ])
    expect(m.queuesAtTick(1, 1)).toEqual({
      ready: [9, 8],
      timers: [[5, 3]],
      io: [{ fd: 4, dir: 'write', cb: 2 }]
    })
    expect(m.queuesAtTick(1, 2).ready).toEqual([8])
  })

  it('rebuilds any past tick from keyframes exactly as a replay from the start would', () => {
    // A random stream of queue operations over many ticks (more than one keyframe interval).
    const op = fc.oneof(
      fc.record({ k: fc.constant('soon' as const) }),
      fc.record({ k: fc.constant('timer' as const), when: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ k: fc.constant('run' as const) }),
      fc.record({ k: fc.constant('due' as const) }),
      fc.record({ k: fc.constant('cancel' as const), pick: fc.nat() }),
      fc.record({ k: fc.constant('tick' as const) })
    )
    fc.assert(
      fc.property(fc.array(op, { minLength: 200, maxLength: 1500 }), fc.nat(), (ops, probe) => {
        const events: TraceEvent[] = []
        const ready: number[] = []
        const timers = new Map<number, number>()
        const expected: { ready: number[]; timers: [number, number][] }[] = []
        let handle = 0
        let tick = 0
        let t = 0
        const beginTick = (): void => {
          expected.push({ ready: ready.slice(), timers: [...timers.entries()].sort((a, b) => a[1] - b[1]) })
          events.push({ type: 'tick.begin', t: ++t, loop: 1, tick: tick++ })
        }
        beginTick()
        for (const o of ops) {
          if (o.k === 'soon') {
            ready.push(++handle)
            events.push({ type: 'handle.schedule', t, loop: 1, handle, cb: 1 })
          } else if (o.k === 'timer') {
            timers.set(++handle, o.when)
            events.push({ type: 'timer.schedule', t, loop: 1, handle, cb: 1, when: o.when })
          } else if (o.k === 'run' && ready.length) {
            const h = ready.shift()!
            events.push({ type: 'handle.begin', t, loop: 1, handle: h, cb: 1, tick })
            events.push({ type: 'handle.end', t, loop: 1, handle: h, dur: 0 })
          } else if (o.k === 'due' && timers.size) {
            const [h] = [...timers.entries()].sort((a, b) => a[1] - b[1])[0]
            timers.delete(h)
            ready.push(h)
            events.push({ type: 'timer.due', t, loop: 1, handle: h })
          } else if (o.k === 'cancel' && timers.size) {
            const keys = [...timers.keys()]
            const h = keys[o.pick % keys.length]
            timers.delete(h)
            events.push({ type: 'timer.cancel', t, loop: 1, handle: h })
          } else if (o.k === 'tick') {
            for (let i = 0; i < KEYFRAME_EVERY / 64; i++) beginTick()
          }
        }
        const m = new TraceModel()
        m.ingest(events)
        expect(m.tickCount(1)).toBe(expected.length)
        const idx = probe % expected.length
        const got = m.queuesAtTick(1, idx)
        expect(got.ready).toEqual(expected[idx].ready)
        expect(got.timers).toEqual(expected[idx].timers)
        const last = m.queuesAtTick(1, expected.length - 1)
        expect(last.ready).toEqual(expected[expected.length - 1].ready)
      }),
      { numRuns: 40 }
    )
  })
})
