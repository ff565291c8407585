import { beforeEach, describe, expect, it, vi } from 'vitest'
import { setActivePinia } from 'pinia'
import { createTestingPinia } from '@pinia/testing'
import { isProxy, isReactive } from 'vue'
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
    expect(store.version).toBe(recorded.events.length)
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

  it('exports the trace it received as NDJSON that reads back to the same events', () => {
    const store = useTraceStore()
    store.ingestBatch({ session: 1, from: 0, events: recorded.events, header: recorded.header! })
    const back = parseNdjson(store.exportTraceText())
    expect(back.header).toEqual(recorded.header)
    expect(back.events).toEqual(recorded.events)
  })
})
