import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setActivePinia } from 'pinia'
import { createTestingPinia } from '@pinia/testing'
import { useSessionStore } from '../../src/renderer/src/stores/session'
import { ReplayApi } from './store-fake-api'

const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0))

describe('keeping the session trace from the store', () => {
  let session: ReturnType<typeof useSessionStore>

  beforeEach(() => {
    setActivePinia(createTestingPinia({ stubActions: false, createSpy: vi.fn }))
    session = useSessionStore()
  })
  afterEach(() => session.dispose())

  it('has no keep state before a session with a trace, then toggles it through the host', async () => {
    const api = new ReplayApi()
    await session.init(api)
    expect(session.traceKept).toBeNull()
    expect(await session.toggleKeep()).toBe(false)
    session.scriptPath = '/x/00_welcome.py'
    await session.run()
    await flush()
    expect(session.traceKept).toBe(false)
    expect(await session.toggleKeep()).toBe(true)
    expect(api.calls.at(-1)).toEqual({ method: 'keepTrace', args: [1, true] })
    expect(session.traceKept).toBe(true)
    await session.toggleKeep()
    expect(api.calls.at(-1)).toEqual({ method: 'keepTrace', args: [1, false] })
    expect(session.traceKept).toBe(false)
  })

  it('a refused toggle leaves the state as it was and says why', async () => {
    const api = new ReplayApi()
    await session.init(api)
    session.scriptPath = '/x/00_welcome.py'
    await session.run()
    await flush()
    api.failWith = 'disk full'
    expect(await session.toggleKeep()).toBe(false)
    expect(session.traceKept).toBe(false)
    expect(session.lastError).toMatch(/Keep trace failed: disk full/)
  })

  it('a new run starts unkept, whatever the last one was', async () => {
    const api = new ReplayApi()
    await session.init(api)
    session.scriptPath = '/x/00_welcome.py'
    await session.run()
    await flush()
    await session.toggleKeep()
    await session.run()
    await flush()
    expect(session.status.session).toBe(2)
    expect(session.traceKept).toBe(false)
  })
})
