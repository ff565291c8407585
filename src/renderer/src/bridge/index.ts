// The renderer's one way to the host: the Electron preload's `window.loopscope`, or else the
// web host's WebSocket bridge. Both are the same LoopscopeApi.

import type { LoopscopeApi } from '@shared/api'
import { WebBridge, webSocketUrl, type ConnectionStatus } from './web-bridge'

declare global {
  interface Window {
    loopscope?: LoopscopeApi
  }
}

let api: LoopscopeApi | null = null
let bridge: WebBridge | null = null

export function getApi(): LoopscopeApi {
  if (api) return api
  if (window.loopscope) {
    api = window.loopscope
  } else {
    bridge = new WebBridge(webSocketUrl(location))
    api = bridge.api
  }
  return api
}

/** Connection state of the web bridge; Electron's IPC is always connected. */
export function onConnection(cb: (c: ConnectionStatus) => void): () => void {
  getApi()
  if (!bridge) {
    cb({ state: 'open', message: null, opens: 1 })
    return () => {}
  }
  return bridge.onConnection(cb)
}

export type { ConnectionStatus }
