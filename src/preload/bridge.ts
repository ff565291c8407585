// LoopscopeApi over Electron IPC, written against a minimal ipcRenderer shape so it can be
// tested in Node. Every call goes to a channel built by invokeChannel() and checked against
// the prefix; subscriptions strip the IPC event so the page never holds it.

import { API_METHODS, type ApiMethod, type LoopscopeApi, type Unsubscribe } from '../shared/api'
import { CHANNEL_PREFIX, INVOKE_CHANNELS, PUSH_CHANNELS, invokeChannel } from '../shared/ipc-channels'

export type IpcListener = (event: unknown, ...args: unknown[]) => void

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: IpcListener): unknown
  removeListener(channel: string, listener: IpcListener): unknown
}

export const MENU_CHANNEL = PUSH_CHANNELS.menu
const PUSH_NAMES: readonly string[] = [...Object.values(PUSH_CHANNELS), MENU_CHANNEL]

export type BridgeApi = LoopscopeApi & {
  /** Commands from the application menu (Run, Export…), as plain objects. */
  onMenu(cb: (cmd: unknown) => void): Unsubscribe
  /** The filesystem path of a File dropped on the window, or null when it has none. */
  pathForFile(file: unknown): string | null
}

export function createBridge(ipc: IpcRendererLike, getPathForFile: (file: never) => string): BridgeApi {
  const invoke = (method: ApiMethod, args: unknown[]): Promise<unknown> => {
    const channel = invokeChannel(method)
    if (!channel.startsWith(CHANNEL_PREFIX) || !INVOKE_CHANNELS.includes(channel)) {
      return Promise.reject(new Error(`Loopscope: not an API channel: ${channel}`))
    }
    return ipc.invoke(channel, ...args)
  }

  const subscribe = (channel: string, cb: (payload: never) => void): Unsubscribe => {
    if (!channel.startsWith(CHANNEL_PREFIX) || !PUSH_NAMES.includes(channel)) {
      throw new Error(`Loopscope: not a push channel: ${channel}`)
    }
    if (typeof cb !== 'function') throw new TypeError('Loopscope: a callback function is required')
    const listener: IpcListener = (_event, payload) => cb(payload as never)
    ipc.on(channel, listener)
    let active = true
    return () => {
      if (!active) return
      active = false
      ipc.removeListener(channel, listener)
    }
  }

  const calls = Object.fromEntries(
    API_METHODS.map((m) => [m, (...args: unknown[]) => invoke(m, args)] as const)
  ) as unknown as Omit<LoopscopeApi, 'onBatch' | 'onStatus'>

  return {
    ...calls,
    onBatch: (cb) => subscribe(PUSH_CHANNELS.batch, cb),
    onStatus: (cb) => subscribe(PUSH_CHANNELS.status, cb),
    onReplay: (cb) => subscribe(PUSH_CHANNELS.replay, cb),
    onMenu: (cb) => subscribe(MENU_CHANNEL, cb),
    pathForFile: (file) => {
      try {
        return getPathForFile(file as never) || null
      } catch {
        // Not a File (or one built in the page, with no path behind it).
        return null
      }
    }
  }
}
