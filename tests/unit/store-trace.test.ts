import { beforeEach, describe, expect, it, vi } from 'vitest'
import { setActivePinia } from 'pinia'
import { createTestingPinia } from '@pinia/testing'
import { isProxy, isReactive, watchSyncEffect } from 'vue'
import { useTraceStore } from '../../src/renderer/src/stores/trace'
import { parseNdjson } from '../../src/shared/trace-model/ndjson'
import { TraceModel } from '../../src/shared/trace-model/trace-model'
import type { TraceEvent } from '../../src/shared/trace-types'
import { fixtureText } from './model-helpers'

const recorded = parseNdjson(fixtureText('model-recorded-welcome.ndjson'))
const basic = parseNdjson(fixtureText('model-basic.ndjson'))

function feed(store: ReturnType<typeof useTraceStore>, events: TraceEvent[], session = 1, size = 50): void {
  for (let from = 0; from < events.length; from += size)
    store.ingestBatch({ session, from, events: events.slice(from, from + size) })
}

describe('the trace store', () => {
  beforeEach(() => {
    setActivePinia(createTestingPinia({ stubActions: false, createSpy: vi.fn }))
  })

  it('ingests batches into the model and says how far the data goes, without deep reactivity', () => {
    const store = useTraceStore()
    feed(store, recorded.events)
    // What the data goes up to counts events as applied: an agent `batch` line counts the
    // events it holds.
    expect(store.version).toBe(store.model.eventCount)
    expect(store.version).toBeGreaterThan(recorded.events.length)
    expect(isReactive(store.model)).toBe(false)
    expect(isProxy(store.model.spans)).toBe(false)
    expect(store.model.tasks.size).toBe(11)
    expect(store.taskRows.map((r) => r.name)).toContain('ticker')
  })

  it('keeps only the new part of a batch re-sent after a reconnect', () => {
    const store = useTraceStore()
    const events = basic.events
    store.ingestBatch({ session: 1, from: 0, events: events.slice(0, 30) })
    store.ingestBatch({ session: 1, from: 20, events: events.slice(20, 50) })
    store.ingestBatch({ session: 1, from: 50, events: events.slice(50) })
    expect(store.version).toBe(events.length)
    expect(store.model.tasks.get(1)!.steps).toBe(2)
    const once = new TraceModel()
    once.ingest(events)
    expect(store.model.spans.length).toBe(once.spans.length)
    expect(store.model.console.length).toBe(once.console.length)
  })

  it('counts events lost between batches and tells the user in the console', () => {
    const store = useTraceStore()
    store.ingestBatch({ session: 1, from: 0, events: basic.events.slice(0, 10) })
    store.ingestBatch({ session: 1, from: 15, events: basic.events.slice(15, 20) })
    expect(store.gaps).toBe(5)
    expect(store.model.console.some((c) => c.stream === 'notice' && /5 events were lost/.test(c.data))).toBe(
      true
    )
  })

  it('starts afresh on a new session and ignores late batches of an older one', () => {
    const store = useTraceStore()
    feed(store, basic.events, 1)
    const first = store.model
    feed(store, recorded.events, 2)
    expect(store.model).not.toBe(first)
    expect(store.sessionId).toBe(2)
    const count = store.version
    store.ingestBatch({ session: 1, from: basic.events.length, events: basic.events.slice(0, 5) })
    expect(store.version).toBe(count)
  })

  it('shows the queues and task states of a past tick, then of now again', () => {
    const store = useTraceStore()
    feed(store, basic.events, 1, 7)
    store.setCursor(1)
    expect(store.queues.ready).toEqual([2, 3, 4])
    expect(store.cursorTickNumber).toBe(1)
    expect(store.taskRows.find((r) => r.id === 2)!.state).toBe('created')
    store.stepCursor(1)
    expect(store.queues.timers.map(([h]) => h)).toEqual([6, 5])
    expect(store.taskRows.find((r) => r.id === 2)).toMatchObject({ state: 'waiting', awaiting: 'sleep(0.1)' })
    store.setCursor(null)
    expect(store.queues).toEqual(store.model.liveQueues(1))
    expect(store.taskRows.find((r) => r.id === 3)!.state).toBe('failed')
  })

  it("follows the loop picked in the loop picker, and the newest tick's loop again when unpicked", () => {
    const store = useTraceStore()
    feed(store, recorded.events)
    const loops = store.loopList.map((l) => l.id)
    expect(loops.length).toBeGreaterThan(0)
    const newest = store.followedLoop
    store.setCursor(0)
    store.selectLoop(loops[0])
    expect(store.followedLoop).toBe(loops[0])
    // Picking a loop returns the views to "now" on it.
    expect(store.cursorTick).toBeNull()
    store.selectLoop(null)
    expect(store.followedLoop).toBe(newest)
  })

  it("folds and unfolds a task's child lanes, and forgets the folds on a new session", () => {
    const store = useTraceStore()
    feed(store, recorded.events)
    store.setCollapsed(1)
    expect([...store.collapsed]).toEqual([1])
    store.setCollapsed(1, true)
    expect([...store.collapsed]).toEqual([1])
    store.setCollapsed(1, false)
    expect(store.collapsed.size).toBe(0)
    store.setCollapsed(1)
    feed(store, basic.events, 2)
    expect(store.collapsed.size).toBe(0)
  })

  it('tells the views about new data once per animation frame, however many batches arrived in it', () => {
    const frames: FrameRequestCallback[] = []
    vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => frames.push(cb))
    vi.stubGlobal('cancelAnimationFrame', () => {})
    // With frames to keep, events are applied in 3 ms slices, and a slice that runs out
    // continues in a task of its own. A clock that stands still keeps every batch within its
    // slice, as on an unloaded machine: what is under test is the announcing, not the slicing
    // (the next test covers that).
    const clock = vi.spyOn(performance, 'now').mockReturnValue(0)
    try {
      const store = useTraceStore()
      let seen = 0
      const stop = watchSyncEffect(() => {
        void store.version
        seen++
      })
      const before = seen
      feed(store, recorded.events, 1, 20)
      // Ingested already, but not yet announced: one frame is pending for all those batches.
      expect(store.model.tasks.size).toBe(11)
      expect(store.version).toBe(0)
      expect(frames).toHaveLength(1)
      frames.shift()!(0)
      expect(store.version).toBe(store.model.eventCount)
      expect(seen - before).toBe(1)
      stop()
    } finally {
      clock.mockRestore()
      vi.unstubAllGlobals()
    }
  })

  it('applies a big batch a slice at a time, each in a task of its own, and announces all of it', async () => {
    vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) =>
      setTimeout(() => cb(performance.now()), 16)
    )
    vi.stubGlobal('cancelAnimationFrame', (h: number) => clearTimeout(h))
    try {
      const store = useTraceStore()
      // 200,000 events in one batch: far more than one slice applies.
      const events: TraceEvent[] = []
      for (let tick = 1; tick <= 200_000; tick++)
        events.push({ type: 'tick.begin', t: tick / 1000, loop: 1, tick })
      store.ingestBatch({ session: 1, from: 0, events })
      // Not in the task that brought it (that one parsed it): the slices come after.
      expect(store.model.eventCount).toBe(0)
      await Promise.resolve()
      expect(store.model.eventCount).toBe(0)
      const deadline = Date.now() + 20_000
      while (store.model.eventCount < events.length && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 5))
      expect(store.model.eventCount).toBe(events.length)
      await new Promise((r) => setTimeout(r, 50))
      expect(store.version).toBe(events.length)
      // Same model as taking them in at once.
      const once = new TraceModel()
      once.ingest(events)
      expect(store.model.now).toBe(once.now)
    } finally {
      vi.unstubAllGlobals()
    }
  })
})
