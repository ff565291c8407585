// A cheap scan of a trace line for a consumer that only passes lines on. The rules every
// line must meet are in src/shared/trace-line-rules.ts (the page applies them too).

import type { TraceEventType } from '@shared/trace-types'
import { KNOWN_TYPES } from '@shared/trace-line-rules'

export interface ScannedEvent {
  type: TraceEventType
  t: number
}

const PREFIX = '{"type":"'
const TIME_KEY = '","t":'
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/

/**
 * Reads `type` and `t` from a line in the shape the agent writes (`{"type":"…","t":N,…}`)
 * without building the object, for a consumer that only passes lines on (the headless
 * recorder). It checks the line is one object with a known type and a finite time; it does
 * not check the rest is valid JSON — the reader does that when the trace is opened. Returns
 * false for any other shape: the caller then parses the line in full.
 */
export function scanEventLine(line: string, into: ScannedEvent): boolean {
  if (!line.startsWith(PREFIX)) return false
  const typeEnd = line.indexOf(TIME_KEY, PREFIX.length)
  if (typeEnd === -1 || typeEnd - PREFIX.length > 40) return false
  const type = line.slice(PREFIX.length, typeEnd)
  if (!KNOWN_TYPES.has(type)) return false
  const tStart = typeEnd + TIME_KEY.length
  let tEnd = tStart
  for (; tEnd < line.length; tEnd++) {
    const c = line.charCodeAt(tEnd)
    if (c === 0x2c /* , */ || c === 0x7d /* } */) break
  }
  const text = line.slice(tStart, tEnd)
  if (!NUMBER.test(text)) return false
  const t = Number(text)
  if (!Number.isFinite(t)) return false
  let end = line.length - 1
  while (end > tEnd && line.charCodeAt(end) <= 0x20) end--
  if (line.charCodeAt(end) !== 0x7d) return false
  into.type = type as TraceEventType
  into.t = t
  return true
}
