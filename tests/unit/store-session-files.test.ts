import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { setActivePinia } from 'pinia'
import { createTestingPinia } from '@pinia/testing'
import { useSessionStore } from '../../src/renderer/src/stores/session'
import { useTraceStore } from '../../src/renderer/src/stores/trace'
import { useUiStore } from '../../src/renderer/src/stores/ui'
import { useSettingsStore } from '../../src/renderer/src/stores/settings'
import { ReplayApi } from './store-fake-api'
import { fixtureText } from './model-helpers'

const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0))
const welcome = fixtureText('model-recorded-welcome.ndjson')

function notices(): string[] {
  return useTraceStore()
    .model.console.filter((c) => c.stream === 'notice')
    .map((c) => c.data)
}

describe('files dropped on the window, menus, settings and breakpoints', () => {
  let session: ReturnType<typeof useSessionStore>

  beforeEach(() => {
    setActivePinia(createTestingPinia({ stubActions: false, createSpy: vi.fn }))
    session = useSessionStore()
  })
  afterEach(() => session.dispose())

  it('replays a trace dropped on a browser window into the views, keeping it for export', async () => {
    const api = new ReplayApi()
    await session.init(api)
    const file = new File([welcome], 'saved.ndjson')
    await session.openDropped(file)
    const trace = useTraceStore()
    expect(api.calls).toEqual([])
    expect(trace.model.tasks.size).toBe(11)
    expect(trace.taskRows.map((r) => r.name)).toContain('ticker')
    expect(trace.header?.python).toBe('3.11.7')
    expect(trace.model.console.some((c) => c.stream === 'stdout' && c.data.includes('produced item 0'))).toBe(
      true
    )
    expect(trace.localSource).toBe(file)
    expect(session.state).toBe('exited')
    // The next run of the host is newer than the replayed trace and replaces it.
    session.scriptPath = '/x/00_welcome.py'
    await session.run()
    await flush()
    expect(trace.sessionId).toBe(1)
    expect(trace.localSource).toBeNull()
    expect(trace.model.tasks.size).toBe(11)
  })

  it('opens a corrupt dropped trace as far as it is valid and says on which line it broke', async () => {
    await session.init(new ReplayApi())
    const lines = welcome.trimEnd().split('\n')
    const broken = [...lines.slice(0, 40), '{"type": "tick.begin", "t": 1.0, "loo', ...lines.slice(40)].join(
      '\n'
    )
    await session.openDropped(new File([broken], 'broken.ndjson'))
    expect(useTraceStore().model.tasks.size).toBe(11)
    expect(notices().some((n) => /^Trace read with problems from line 41: /.test(n))).toBe(true)
  })

  it('stops reading a big dropped trace on Stop, keeping what was read and saying so; pausing it is refused', async () => {
    const api = new ReplayApi()
    await session.init(api)
    const lines = welcome.trimEnd().split('\n')
    const ticks: string[] = []
    for (let i = 1; i <= 200_000; i++)
      ticks.push(JSON.stringify({ type: 'tick.begin', t: 100 + i / 1000, loop: 1, tick: 1000 + i }))
    // Read as a browser reads a big file: a piece at a time.
    const text = new TextEncoder().encode([...lines, ...ticks].join('\n') + '\n')
    let at = 0
    const pieces = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((r) => setImmediate(r))
        if (at >= text.length) return controller.close()
        controller.enqueue(text.subarray(at, at + 64 * 1024))
        at += 64 * 1024
      }
    })
    const file = { name: 'big.ndjson', stream: () => pieces } as unknown as File
    const opening = session.openDropped(file)
    const trace0 = useTraceStore()
    while (trace0.model.eventCount === 0) await new Promise((r) => setImmediate(r))
    expect(session.state).toBe('running')
    // Nothing runs while a trace is read in: pausing and stepping say so and ask nothing of the host.
    expect(session.replaying).toBe(true)
    expect(await session.pause()).toBe(false)
    await session.stepTick()
    expect(notices().some((n) => /^Pause: a saved trace is being read/.test(n))).toBe(true)
    expect(notices().some((n) => /^Step: a saved trace is being read/.test(n))).toBe(true)
    await session.stop()
    await opening
    expect(session.replaying).toBe(false)
    const trace = useTraceStore()
    expect(api.calls).toEqual([])
    expect(session.state).toBe('exited')
    expect(trace.model.tasks.size).toBe(11)
    expect(trace.model.eventCount).toBeLessThan(200_000)
    expect(notices().some((n) => /^Stopped reading big\.ndjson/.test(n))).toBe(true)
  })

  it('says a dropped file that is no trace is not one', async () => {
    await session.init(new ReplayApi())
    await session.openDropped(new File(['hello\nworld\n'], 'notes.ndjson'))
    expect(session.lastError).toMatch(
      /^notes\.ndjson is not a Loopscope trace \(Trace read with problems from line 1/
    )
  })

  it('asks for the path of a script dropped on a browser, which cannot tell it', async () => {
    const api = new ReplayApi()
    await session.init(api)
    await session.openDropped(new File(['print(1)\n'], 'app.py'))
    expect(api.calls).toEqual([])
    expect(session.lastError).toContain('type the path of app.py in "Script path"')
  })

  it('opens a dropped trace through the host, and loads a dropped script ready to run, in Electron', async () => {
    const api = new ReplayApi('model-recorded-welcome.ndjson', { kind: 'electron' })
    await session.init(api)
    const traceFile = new File([''], 'run.ndjson')
    const script = new File([''], 'app.py')
    api.droppedPaths.set(traceFile, '/home/me/run.ndjson')
    api.droppedPaths.set(script, '/home/me/app.py')
    await session.openDropped(traceFile)
    expect(api.calls).toEqual([{ method: 'openTrace', args: ['/home/me/run.ndjson'] }])
    await session.openDropped(script)
    expect(session.scriptPath).toBe('/home/me/app.py')
    expect(api.calls.map((c) => c.method)).toEqual(['openTrace'])
  })

  it('opens the export dialog from the menu on the format asked for, as the toolbar does', async () => {
    const api = new ReplayApi()
    await session.init(api)
    const ui = useUiStore()
    api.emitMenu({ action: 'export-image', format: 'svg' })
    expect(ui.exportOpen).toBe(true)
    expect(ui.exportKind).toBe('svg')
    ui.exportOpen = false
    api.emitMenu({ action: 'export-trace' })
    expect(ui.exportKind).toBe('ndjson')
    expect(ui.exportOpen).toBe(true)
  })

  it("exports the trace from the host's recording of the current session", async () => {
    const api = new ReplayApi()
    await session.init(api)
    session.scriptPath = '/x/00_welcome.py'
    await session.run()
    await flush()
    const saved = await session.exportTraceFile('chrome')
    expect(api.calls.at(-1)).toEqual({ method: 'exportTrace', args: [1, 'chrome'] })
    expect(saved?.data).toBeTruthy()
  })

  it("shows the host's settings notice in the console and leaves pause-at-start and shims to the host", async () => {
    const api = new ReplayApi()
    api.settingsNotice = 'settings.json was not valid JSON; it was saved as settings.json.bak and reset'
    await session.init(api)
    expect(notices()).toContain(
      'settings.json was not valid JSON; it was saved as settings.json.bak and reset'
    )
    expect(useSettingsStore().notice).toContain('settings.json.bak')
    session.scriptPath = '/x/app.py'
    await session.run()
    const req = api.calls[0].args[0] as Record<string, unknown>
    expect(req.script).toBe('/x/app.py')
    // Nothing typed: the remembered run configuration's arguments apply, and the settings
    // decide pause-at-start and the legacy shims.
    expect(req.args).toBeUndefined()
    expect(req.pauseAtStart).toBeUndefined()
    expect('compat' in req).toBe(false)
  })

  it("saves only the settings that changed, and keeps the host's reason when it refuses", async () => {
    const api = new ReplayApi()
    await session.init(api)
    const settings = useSettingsStore()
    expect(await settings.save({ ...settings.settings, theme: 'light' })).toBe(true)
    expect(api.calls.at(-1)).toEqual({ method: 'updateSettings', args: [{ theme: 'light' }] })
    expect(settings.settings.theme).toBe('light')
    api.failWith = 'consoleScrollback: must be at least 100'
    expect(await settings.save({ ...settings.settings, consoleScrollback: 5 })).toBe(false)
    expect(settings.error).toBe('consoleScrollback: must be at least 100')
    expect(settings.settings.consoleScrollback).toBe(10_000)
  })

  it('sends breakpoints to the host and counts them for the toolbar', async () => {
    const api = new ReplayApi()
    await session.init(api)
    await session.setBreakpoints({ taskStep: ['producer'], timerFires: true, blockedMs: 250 })
    expect(api.calls).toEqual([
      { method: 'setBreakpoints', args: [{ taskStep: ['producer'], timerFires: true, blockedMs: 250 }] }
    ])
    expect(session.breakpointCount).toBe(3)
  })
})

describe('a saved trace that broke part-way', () => {
  beforeEach(() => {
    setActivePinia(createTestingPinia({ stubActions: false, createSpy: vi.fn }))
  })

  it('says where it broke once, though the host sends it as a notice and with the status', async () => {
    const session = useSessionStore()
    const api = new ReplayApi()
    await session.init(api)
    const message = 'Trace read with problems from line 12: Unexpected end of JSON input'
    api.emitBatch({ session: 4, from: 0, events: [{ type: 'notice', t: 0, level: 'warning', message }] })
    api.emitStatus({ session: 4, state: 'exited', exitCode: null, signal: null, message })
    expect(notices().filter((n) => n === message)).toHaveLength(1)
    session.dispose()
  })
})
