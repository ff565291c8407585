// IPC arguments arrive through structured clone, so they can be anything the renderer
// builds. Measure them as the JSON the host will treat them as, and refuse what is too big
// or not plain data before any handler sees it.

import { MAX_CLIENT_MESSAGE_BYTES } from '../shared/ipc-channels'

export const MAX_IPC_PAYLOAD_BYTES = MAX_CLIENT_MESSAGE_BYTES

export type PayloadVerdict = { ok: true; bytes: number } | { ok: false; reason: string }

export function checkPayload(args: readonly unknown[], limit = MAX_IPC_PAYLOAD_BYTES): PayloadVerdict {
  let json: string | undefined
  try {
    json = JSON.stringify(args, rejectNonPlain)
  } catch (e) {
    return { ok: false, reason: `payload is not plain data (${(e as Error).message})` }
  }
  if (json === undefined) return { ok: false, reason: 'payload is not plain data' }
  const bytes = Buffer.byteLength(json, 'utf8')
  if (bytes > limit) return { ok: false, reason: `payload of ${bytes} bytes exceeds ${limit}` }
  return { ok: true, bytes }
}

function rejectNonPlain(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') {
    throw new Error(`${typeof value} value`)
  }
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) {
      throw new Error(`${proto?.constructor?.name ?? 'exotic'} object`)
    }
  }
  return value
}
