import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setActivePinia } from 'pinia'
import { createTestingPinia } from '@pinia/testing'
import { useTraceStore } from '../../src/renderer/src/stores/trace'
import { parseNdjson } from '../../src/shared/trace-model/ndjson'
import type { TraceEvent } from '../../src/shared/trace-types'
import { fixtureText } from './model-helpers'

const recorded = parseNdjson(fixtureText('model-recorded-welcome.ndjson'))

/** `n` plain callbacks, each a handle begin and end: a flood is made of many of these. */
function callbacks(from: number, n: number): TraceEvent[] {
  const out: TraceEvent[] = []
  for (let i = 0; i < n; i++) {
    const t = (from + i) * 1e-4
    out.push({ type: 'handle.begin', t, loop: 1, handle: from + i + 100, cb: 1, tick: 0 })
    out.push({ type: 'handle.end', t: t + 5e-5, loop: 1, handle: from + i + 100, dur: 5e-5 })
  }
  return out
}

/** A live session in `store` that has started its loop: `send` hands it events in order, `sent` counts them. */
async function startedSession(
  store: ReturnType<typeof useTraceStore>
): Promise<{ send: (events: TraceEvent[]) => void; sent: () => number }> {
  let from = 0
  const send = (events: TraceEvent[]): void => {
    store.ingestBatch({ session: 1, from, events })
    from += events.length
  }
  send([
    { type: 'loop.start', t: 0, loop: 1, thread: 1, threadName: 'MainThread', cls: 'L' },
    { type: 'callback', t: 0, loop: 1, cb: 1, label: 'cb', site: null }
  ])
  await Promise.resolve()
  return { send, sent: () => from }
}

describe('when the trace store tells the views about new data', () => {
  let frames: FrameRequestCallback[]

  beforeEach(() => {
    setActivePinia(createTestingPinia({ stubActions: false, createSpy: vi.fn }))
    frames = []
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => frames.push(cb))
    vi.stubGlobal('cancelAnimationFrame', () => {})
  })
  afterEach(() => {
    vi.useRealTimers()
    vi.unstubAllGlobals()
  })

  it('shows a batch that follows a quiet spell at the end of the task that brought it, not a frame later', async () => {
    const store = useTraceStore()
    vi.advanceTimersByTime(1000)
    store.ingestBatch({ session: 1, from: 0, events: recorded.events.slice(0, 40) })
    expect(store.version).toBe(0)
    // The version counts events applied: the agent's batch lines count what they hold.
    const first = store.model.eventCount
    expect(first).toBeGreaterThan(40)
    await Promise.resolve()
    expect(store.version).toBe(first)
    expect(store.taskRows.length).toBeGreaterThan(0)
    // The frame asked for meanwhile takes whatever came after.
    store.ingestBatch({ session: 1, from: 40, events: recorded.events.slice(40, 60) })
    expect(store.model.eventCount).toBeGreaterThan(first)
    await Promise.resolve()
    expect(store.version).toBe(first)
    frames.shift()!(0)
    expect(store.version).toBe(store.model.eventCount)
  })

  it('updates the tables at most every 250 ms in a flood, and with the newest data at the end', async () => {
    const store = useTraceStore()
    const { send, sent } = await startedSession(store)
    const tablesAt: number[] = [store.tableVersion]
    // 60 frames of 500 events each, 16 ms apart.
    for (let f = 0; f < 60; f++) {
      send(callbacks(f * 500, 500))
      vi.advanceTimersByTime(16)
      frames.shift()?.(0)
      if (store.tableVersion !== tablesAt[tablesAt.length - 1]) tablesAt.push(store.tableVersion)
    }
    expect(store.version).toBe(sent())
    // 960 ms of flood: four or so table updates, not one per frame.
    expect(tablesAt.length).toBeLessThanOrEqual(6)
    expect(tablesAt.length).toBeGreaterThanOrEqual(3)
    vi.advanceTimersByTime(250)
    expect(store.tableVersion).toBe(store.version)
  })

  it('tells the views about a flood about ten times a second, not at every frame', async () => {
    const store = useTraceStore()
    const { send, sent } = await startedSession(store)
    const versions = new Set([store.version])
    // 120 frames 16 ms apart, 1,200 events each: about two seconds of flood. A flood is applied
    // in slices, tasks of their own (a message to a channel): waited for before the frame.
    for (let f = 0; f < 120; f++) {
      send(callbacks(f * 600, 600))
      for (let k = 0; k < 100 && store.model.eventCount < sent(); k++)
        await new Promise((r) => setImmediate(r))
      vi.advanceTimersByTime(16)
      // One frame: the callbacks asked for before it (those they ask for wait for the next).
      for (const cb of frames.splice(0)) cb(0)
      versions.add(store.version)
    }
    // At 60 Hz that would be 120 publishes; ten a second is about 20.
    expect(versions.size).toBeGreaterThanOrEqual(14)
    expect(versions.size).toBeLessThanOrEqual(24)
    for (let f = 0; f < 12; f++) {
      vi.advanceTimersByTime(16)
      for (const cb of frames.splice(0)) cb(0)
    }
    expect(store.version).toBe(sent())
  })

  it('updates the tables with every publish while events only trickle in', async () => {
    const store = useTraceStore()
    let from = 0
    for (let k = 0; k < 5; k++) {
      store.ingestBatch({ session: 1, from, events: recorded.events.slice(from, from + 10) })
      from += 10
      vi.advanceTimersByTime(16)
      frames.shift()?.(0)
      await Promise.resolve()
      expect(store.tableVersion).toBe(store.version)
    }
  })
  it('while a saved trace is read in, waits out the half second between publishes on a timer, asking for no frame meanwhile, and shows the whole trace at the next frame once it is in', async () => {
    const store = useTraceStore()
    vi.advanceTimersByTime(1000)
    const { send, sent } = await startedSession(store)
    expect(store.version).toBe(2)
    store.setLoading(true)
    frames.shift()!(0)
    send(callbacks(0, 100))
    // Neither the frame just run nor the batch asked for another: the wait is a timer.
    expect(frames).toHaveLength(0)
    vi.advanceTimersByTime(400)
    expect(frames).toHaveLength(0)
    expect(store.version).toBe(2)
    vi.advanceTimersByTime(100)
    expect(frames).toHaveLength(1)
    frames.shift()!(0)
    expect(store.version).toBe(sent())
    send(callbacks(100, 100))
    frames.shift()!(0)
    expect(frames).toHaveLength(0)
    expect(store.version).toBeLessThan(sent())
    // The last piece is in: shown at the next frame, not when the half second is over.
    store.setLoading(false)
    expect(frames).toHaveLength(1)
    frames.shift()!(0)
    expect(store.version).toBe(sent())
  })
})
