import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setActivePinia } from 'pinia'
import { createTestingPinia } from '@pinia/testing'
import { useSessionStore } from '../../src/renderer/src/stores/session'
import { useTraceStore } from '../../src/renderer/src/stores/trace'
import { ReplayApi } from './store-fake-api'

const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0))

describe('the session store', () => {
  let session: ReturnType<typeof useSessionStore>

  beforeEach(() => {
    setActivePinia(createTestingPinia({ stubActions: false, createSpy: vi.fn }))
    session = useSessionStore()
  })
  afterEach(() => session.dispose())

  it('runs the script and fills the trace from the session batches until it exits', async () => {
    const api = new ReplayApi()
    await session.init(api)
    session.scriptPath = '/x/00_welcome.py'
    session.argsText = `one "two words"`
    await session.run()
    await flush()
    expect(api.calls[0]).toEqual({
      method: 'run',
      args: [{ script: '/x/00_welcome.py', args: ['one', 'two words'], pauseAtStart: undefined }]
    })
    const trace = useTraceStore()
    expect(trace.model.tasks.size).toBe(11)
    expect(session.state).toBe('exited')
    expect(session.status.exitCode).toBe(0)
    expect(session.pythonVersion).toBe('3.11.7')
  })

  it('starts a script that is not running held at its first tick when asked to step', async () => {
    const api = new ReplayApi()
    await session.init(api)
    session.scriptPath = '/x/script.py'
    await session.stepTick()
    expect(api.calls[0].method).toBe('run')
    expect((api.calls[0].args[0] as { pauseAtStart: boolean }).pauseAtStart).toBe(true)
  })

  it('sends step commands to a live session instead of starting another', async () => {
    const api = new ReplayApi()
    await session.init(api)
    api.emitStatus({ session: 1, state: 'paused' })
    await session.stepTick()
    await session.stepCallback()
    expect(api.calls.map((c) => c.method)).toEqual(['stepTick', 'stepCallback'])
  })

  it('ignores statuses of an older session', async () => {
    const api = new ReplayApi()
    await session.init(api)
    api.emitStatus({ session: 2, state: 'running' })
    api.emitStatus({ session: 1, state: 'exited', exitCode: 3 })
    expect(session.state).toBe('running')
  })

  it('counts events per second as the model applies them, not as the views are told of them', async () => {
    // As in a page: frames exist (these never come), and the clock stands still, so each
    // batch is applied whole at once while the views wait for a frame.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] })
    vi.stubGlobal('requestAnimationFrame', () => 1)
    vi.stubGlobal('cancelAnimationFrame', () => {})
    try {
      const api = new ReplayApi()
      await session.init(api)
      const trace = useTraceStore()
      trace.setLoading(true)
      const ticks = (from: number, n: number) =>
        Array.from({ length: n }, (_, i) => ({
          type: 'tick.begin' as const,
          t: from + i,
          loop: 1,
          tick: from + i
        }))
      trace.ingestBatch({ session: 1, from: 0, events: ticks(0, 300) })
      vi.advanceTimersByTime(1000)
      expect(session.eventsPerSec).toBe(trace.model.eventCount)
      const first = trace.model.eventCount
      trace.ingestBatch({ session: 1, from: 300, events: ticks(300, 500) })
      vi.advanceTimersByTime(1000)
      expect(session.eventsPerSec).toBe(trace.model.eventCount - first)
      expect(session.eventsPerSec).toBe(500)
    } finally {
      vi.useRealTimers()
      vi.unstubAllGlobals()
    }
  })

  it('reports a failing command as a Loopscope notice in the console', async () => {
    const api = new ReplayApi()
    await session.init(api)
    api.failWith = 'no session is running'
    await session.pause()
    expect(session.lastError).toBe('Pause failed: no session is running')
    const notices = useTraceStore().model.console.filter((c) => c.stream === 'notice')
    expect(notices.map((n) => n.data)).toContain('Pause failed: no session is running')
  })

  it('fills in the script the host was started with and runs it when told to', async () => {
    const api = new ReplayApi('model-recorded-welcome.ndjson', { initialScript: '/x/auto.py', autoRun: true })
    await session.init(api)
    expect(session.scriptPath).toBe('/x/auto.py')
    expect(api.calls.map((c) => c.method)).toEqual(['run'])
  })

  it('opens a saved trace instead of running it when the path is an .ndjson file', async () => {
    const api = new ReplayApi()
    await session.init(api)
    session.scriptPath = '/tmp/saved.ndjson'
    await session.run()
    await flush()
    expect(api.calls.map((c) => c.method)).toEqual(['openTrace'])
    expect(useTraceStore().model.tasks.size).toBe(11)
  })

  it('shows how far into the file a trace the host replays is, from its batches, until it ends', async () => {
    const api = new ReplayApi()
    await session.init(api)
    session.scriptPath = '/tmp/saved.ndjson'
    api.emitStatus({ session: 7, state: 'running' })
    expect(session.readFraction).toBeNull()
    api.emitBatch({ session: 7, from: 0, events: [], progress: { read: 250, total: 1000 } })
    await flush()
    expect(session.readFraction).toBe(0.25)
    api.emitBatch({ session: 7, from: 0, events: [], progress: { read: 1000, total: 1000 } })
    await flush()
    expect(session.readFraction).toBe(1)
    // A file whose size the host could not know: no share.
    api.emitBatch({ session: 7, from: 0, events: [], progress: { read: 1000, total: null } })
    await flush()
    expect(session.readFraction).toBeNull()
    api.emitBatch({ session: 7, from: 0, events: [], progress: { read: 500, total: 1000 } })
    api.emitStatus({ session: 7, state: 'exited', exitCode: 0, signal: null })
    await flush()
    expect(session.readFraction).toBeNull()
  })
})

describe('application-menu commands', () => {
  beforeEach(() => {
    setActivePinia(createTestingPinia({ stubActions: false, createSpy: vi.fn }))
  })

  it('open a script from the menu and run it, and step through the menu too', async () => {
    const session = useSessionStore()
    const api = new ReplayApi()
    await session.init(api)
    api.emitMenu({ action: 'open-script', path: '/x/menu.py', args: ['a b', 'c'], autoRun: true })
    await flush()
    expect(session.scriptPath).toBe('/x/menu.py')
    expect(api.calls[0]).toMatchObject({
      method: 'run',
      args: [{ script: '/x/menu.py', args: ['a b', 'c'] }]
    })
    api.emitStatus({ session: 9, state: 'paused' })
    api.emitMenu({ action: 'step-callback' })
    await flush()
    expect(api.calls.map((c) => c.method)).toContain('stepCallback')
    session.dispose()
  })
})
