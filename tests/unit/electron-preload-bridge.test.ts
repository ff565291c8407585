import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { API_METHODS } from '../../src/shared/api'
import { PUSH_CHANNELS, invokeChannel } from '../../src/shared/ipc-channels'
import { createBridge, MENU_CHANNEL } from '../../src/preload/bridge'

// An in-memory ipcRenderer: invoke records, pushes go through a real EventEmitter the way
// Electron delivers them (event first, then the payload).
class MemoryIpc extends EventEmitter {
  invoked: [string, unknown[]][] = []
  async invoke(channel: string, ...args: unknown[]) {
    this.invoked.push([channel, args])
    return `result of ${channel}`
  }
  push(channel: string, payload: unknown) {
    this.emit(channel, { sender: 'the ipc event', ports: [] }, payload)
  }
}

// Electron's webUtils.getPathForFile returns '' for a File with no path and throws for a non-File.
const pathOf = (file: { path?: string } | null): string => {
  if (typeof file !== 'object' || file === null) throw new TypeError('not a File')
  return file.path ?? ''
}

describe('preload bridge', () => {
  it('exposes exactly the LoopscopeApi methods plus subscriptions', () => {
    const api = createBridge(new MemoryIpc() as never, pathOf)
    expect(Object.keys(api).sort()).toEqual(
      [...API_METHODS, 'onBatch', 'onMenu', 'onReplay', 'onStatus', 'pathForFile'].sort()
    )
    for (const v of Object.values(api)) expect(typeof v).toBe('function')
  })

  it('sends each call on its own prefixed channel with the arguments unchanged', async () => {
    const ipc = new MemoryIpc()
    const api = createBridge(ipc as never, pathOf)
    await expect(api.run({ script: '/a.py', args: ['1'] })).resolves.toBe(`result of ${invokeChannel('run')}`)
    await api.saveFile('t.ndjson', 'application/x-ndjson', 'AAAA')
    await api.stepTick()
    expect(ipc.invoked).toEqual([
      ['loopscope:invoke:run', [{ script: '/a.py', args: ['1'] }]],
      ['loopscope:invoke:saveFile', ['t.ndjson', 'application/x-ndjson', 'AAAA']],
      ['loopscope:invoke:stepTick', []]
    ])
  })

  it('hands subscribers the payload without the IPC event, until they unsubscribe', () => {
    const ipc = new MemoryIpc()
    const api = createBridge(ipc as never, pathOf)
    const seen: unknown[][] = []
    const off = api.onBatch((...args: unknown[]) => seen.push(args))
    api.onStatus((...args: unknown[]) => seen.push(['status', ...args]))
    api.onMenu((...args: unknown[]) => seen.push(['menu', ...args]))
    ipc.push(PUSH_CHANNELS.batch, { session: 1, from: 0, events: [] })
    ipc.push(PUSH_CHANNELS.status, { session: 1, state: 'running' })
    ipc.push(MENU_CHANNEL, { action: 'run' })
    off()
    off()
    ipc.push(PUSH_CHANNELS.batch, { session: 1, from: 5, events: [] })
    expect(seen).toEqual([
      [{ session: 1, from: 0, events: [] }],
      ['status', { session: 1, state: 'running' }],
      ['menu', { action: 'run' }]
    ])
    expect(ipc.listenerCount(PUSH_CHANNELS.batch)).toBe(0)
  })

  it('refuses a subscription without a callback', () => {
    const api = createBridge(new MemoryIpc() as never, pathOf)
    expect(() => api.onBatch(undefined as never)).toThrow(TypeError)
  })

  it('gives the path of a dropped file, and null for anything without one', () => {
    const api = createBridge(new MemoryIpc() as never, pathOf)
    expect(api.pathForFile({ path: '/home/me/demo.py' })).toBe('/home/me/demo.py')
    expect(api.pathForFile({})).toBeNull()
    expect(api.pathForFile('not a file')).toBeNull()
  })
})
