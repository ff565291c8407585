import { describe, expect, it } from 'vitest'
import { Batcher, batchJson } from '../../src/host/batcher'
import type { Clock } from '../../src/host/clock'
import type { TraceBatch } from '../../src/shared/api'
import type { TraceEvent } from '../../src/shared/trace-types'
import { MINIMAL_HEADER } from '../fixtures/host-helpers'

class FakeClock implements Clock {
  time = 0
  private timers: { at: number; fn: () => void; id: number }[] = []
  private nextId = 1
  now() {
    return this.time
  }
  setTimeout(fn: () => void, ms: number) {
    const id = this.nextId++
    this.timers.push({ at: this.time + ms, fn, id })
    return id
  }
  clearTimeout(h: unknown) {
    this.timers = this.timers.filter((t) => t.id !== h)
  }
  advance(ms: number) {
    this.time += ms
    for (;;) {
      const due = this.timers.filter((t) => t.at <= this.time).sort((a, b) => a.at - b.at)[0]
      if (!due) return
      this.timers = this.timers.filter((t) => t !== due)
      due.fn()
    }
  }
}

const header = MINIMAL_HEADER
const tick = (n: number) => ({ type: 'tick.begin' as const, t: n, loop: 1, tick: n })

describe('batcher', () => {
  it('sends one message per interval, not one per event', () => {
    const clock = new FakeClock()
    const batches: TraceBatch[] = []
    const b = new Batcher({ session: 7, flush: (x) => batches.push(x), clock, intervalMs: 16 })
    for (let i = 0; i < 100; i++) b.push(tick(i))
    expect(batches).toHaveLength(0)
    clock.advance(15)
    expect(batches).toHaveLength(0)
    clock.advance(1)
    expect(batches).toHaveLength(1)
    expect(batches[0]).toMatchObject({ session: 7, from: 0 })
    expect(batches[0].events).toHaveLength(100)
  })

  it('without a timer, sends only full batches and what is left on close', () => {
    const clock = new FakeClock()
    const batches: TraceBatch[] = []
    const b = new Batcher({ session: 1, flush: (x) => batches.push(x), clock, maxEvents: 10, timed: false })
    for (let i = 0; i < 25; i++) b.push(tick(i))
    clock.advance(1000)
    expect(batches.map((x) => [x.from, x.events.length])).toEqual([
      [0, 10],
      [10, 10]
    ])
    b.close()
    expect(batches.map((x) => [x.from, x.events.length])).toEqual([
      [0, 10],
      [10, 10],
      [20, 5]
    ])
  })

  it('flushes early at the event limit and numbers batches continuously', () => {
    const clock = new FakeClock()
    const batches: TraceBatch[] = []
    const b = new Batcher({ session: 1, flush: (x) => batches.push(x), clock, maxEvents: 10 })
    for (let i = 0; i < 25; i++) b.push(tick(i))
    expect(batches.map((x) => [x.from, x.events.length])).toEqual([
      [0, 10],
      [10, 10]
    ])
    clock.advance(16)
    expect(batches.map((x) => [x.from, x.events.length])).toEqual([
      [0, 10],
      [10, 10],
      [20, 5]
    ])
    expect(batches.flatMap((x) => x.events.map((e) => e.t))).toEqual([...Array(25).keys()])
  })

  it('attaches the header to the first batch only', () => {
    const clock = new FakeClock()
    const batches: TraceBatch[] = []
    const b = new Batcher({ session: 1, flush: (x) => batches.push(x), clock })
    b.setHeader(header)
    b.push(tick(1))
    clock.advance(16)
    b.push(tick(2))
    clock.advance(16)
    expect(batches[0].header).toEqual(header)
    expect(batches[1].header).toBeUndefined()
  })

  it('merges consecutive output of one stream but keeps streams apart', () => {
    const clock = new FakeClock()
    const batches: TraceBatch[] = []
    const b = new Batcher({ session: 1, flush: (x) => batches.push(x), clock })
    b.push({ type: 'output', t: 0, stream: 'stdout', data: 'a' })
    b.push({ type: 'output', t: 0, stream: 'stdout', data: 'b' })
    b.push({ type: 'output', t: 0, stream: 'stderr', data: 'c' })
    b.push({ type: 'output', t: 0, stream: 'stdout', data: 'd' })
    b.close()
    expect(batches[0].events).toEqual([
      { type: 'output', t: 0, stream: 'stdout', data: 'ab' },
      { type: 'output', t: 0, stream: 'stderr', data: 'c' },
      { type: 'output', t: 0, stream: 'stdout', data: 'd' }
    ])
  })

  it('sends nothing after close', () => {
    const clock = new FakeClock()
    const batches: TraceBatch[] = []
    const b = new Batcher({ session: 1, flush: (x) => batches.push(x), clock })
    b.close()
    b.push(tick(1))
    clock.advance(100)
    expect(batches).toHaveLength(0)
  })

  it('sends a flood of output in messages of about a million characters, before the interval ends', () => {
    const clock = new FakeClock()
    const batches: TraceBatch[] = []
    const b = new Batcher({ session: 1, flush: (x) => batches.push(x), clock })
    const chunk = 'x'.repeat(64 * 1024)
    for (let i = 0; i < 160; i++)
      b.push({ type: 'output', t: 0, stream: i % 2 ? 'stderr' : 'stdout', data: chunk })
    // No time has passed: only the size limit can have sent these.
    const sizes = batches.map((x) =>
      x.events.reduce((n, e) => n + (e.type === 'output' ? e.data.length : 0), 0)
    )
    expect(batches.length).toBeGreaterThanOrEqual(9)
    for (const size of sizes) expect(size).toBeLessThanOrEqual(1024 * 1024 + chunk.length)
    b.close()
    const total = batches
      .flatMap((x) => x.events)
      .reduce((n, e) => n + (e.type === 'output' ? e.data.length : 0), 0)
    expect(total).toBe(160 * chunk.length)
  })

  it('counts a line that packs many events (an agent batch) as the events it holds', () => {
    const clock = new FakeClock()
    const batches: TraceBatch[] = []
    const b = new Batcher({ session: 1, flush: (x) => batches.push(x), clock, maxEvents: 2000 })
    const packed = { type: 'batch', t: 0, loop: 1, ops: Array.from({ length: 1500 }, (_, i) => [0, i]) }
    b.push(packed as unknown as TraceEvent)
    expect(batches).toHaveLength(0)
    b.push(packed as unknown as TraceEvent)
    expect(batches).toHaveLength(1)
    expect(batches[0].events).toHaveLength(2)
  })

  it('writes a batch as JSON from the lines its events arrived as, and the same value as serializing it', () => {
    const batches: TraceBatch[] = []
    const b = new Batcher({ session: 4, flush: (x) => batches.push(x), timed: false, maxEvents: 100 })
    b.setHeader(header)
    // Received text written differently from JSON.stringify (spacing, key order, escapes):
    // batchJson must use it, and it must still be the same value.
    const line = '{ "t": 1, "type": "tick.begin", "loop": 1, "tick": 1, "note": "\\u00e9" }'
    b.push(JSON.parse(line) as TraceEvent, line)
    b.push(tick(2))
    b.push(
      { type: 'output', t: 3, stream: 'stdout', data: 'a' },
      '{"type":"output","t":3,"stream":"stdout","data":"a"}'
    )
    // Merged into the previous output event: that event's text no longer describes it.
    b.push(
      { type: 'output', t: 3, stream: 'stdout', data: 'b' },
      '{"type":"output","t":3,"stream":"stdout","data":"b"}'
    )
    b.close()
    expect(batches).toHaveLength(1)
    const json = batchJson(batches[0]).toString('utf8')
    expect(json).toContain(line)
    expect(json).not.toContain('"data":"a"}')
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(batches[0])))
    expect(JSON.parse(json).events[2].data).toBe('ab')
    // A batch the batcher did not make (or made without texts) is simply serialized.
    const plain: TraceBatch = { session: 1, from: 0, events: [tick(1)] }
    expect(batchJson(plain).toString('utf8')).toBe(JSON.stringify(plain))
  })
})
