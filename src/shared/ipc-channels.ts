// Every channel between renderer and host, defined once. Electron IPC uses these names
// directly; the web host's WebSocket carries the same names in its messages.

import { API_METHODS, type ApiMethod } from './api'

export const CHANNEL_PREFIX = 'loopscope:' as const

/** Renderer → host calls: one channel per LoopscopeApi method. */
export const invokeChannel = (method: ApiMethod): string => `${CHANNEL_PREFIX}invoke:${method}`

export const INVOKE_CHANNELS: readonly string[] = API_METHODS.map(invokeChannel)

/** Host → renderer pushes. */
export const PUSH_CHANNELS = {
  batch: `${CHANNEL_PREFIX}push:batch`,
  status: `${CHANNEL_PREFIX}push:status`,
  replay: `${CHANNEL_PREFIX}push:replay`,
  menu: `${CHANNEL_PREFIX}push:menu`
} as const

export const isLoopscopeChannel = (name: string): boolean =>
  INVOKE_CHANNELS.includes(name) || Object.values(PUSH_CHANNELS).includes(name as never)

/** WebSocket frames of the web host: the same calls and pushes, as JSON. */
export type WsClientMessage = { id: number; method: ApiMethod; params: unknown[] }
export type WsServerMessage =
  { id: number; result?: unknown; error?: string } | { push: keyof typeof PUSH_CHANNELS; payload: unknown }

/** Largest frame the web host accepts from a client, in bytes. */
export const MAX_CLIENT_MESSAGE_BYTES = 8 * 1024 * 1024
