// Validation of one trace line, shared by the live agent-stream parser and the saved-trace
// reader: both take input we did not write, so both apply the same rules.

import {
  TRACE_EVENT_TYPES,
  TRACE_FORMAT,
  type TraceEvent,
  type TraceEventType,
  type TraceHeader
} from '@shared/trace-types'

const KNOWN_TYPES: ReadonlySet<string> = new Set(TRACE_EVENT_TYPES)

export type LineProblem = 'invalid-json' | 'not-an-object' | 'unknown-type' | 'bad-time' | 'bad-header'

export type ParsedLine =
  | { kind: 'header'; header: TraceHeader }
  | { kind: 'event'; event: TraceEvent }
  | { kind: 'blank' }
  | { kind: 'error'; problem: LineProblem; detail: string }

export function isBlankLine(line: string): boolean {
  // Most lines start with '{': only a line starting with whitespace pays for trim().
  return line.length === 0 || (line.charCodeAt(0) <= 0x20 && line.trim() === '')
}

export function parseTraceLine(line: string): ParsedLine {
  if (isBlankLine(line)) return { kind: 'blank' }
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (err) {
    return { kind: 'error', problem: 'invalid-json', detail: (err as Error).message }
  }
  return checkTraceValue(value)
}

/** The rules a parsed line must meet: an object, a known type, a finite numeric `t`. */
export function checkTraceValue(value: unknown): ParsedLine {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'error', problem: 'not-an-object', detail: 'a trace line must be a JSON object' }
  }
  const obj = value as Record<string, unknown>
  if (obj.type === 'header') {
    if (obj.format !== TRACE_FORMAT || typeof obj.version !== 'number') {
      return {
        kind: 'error',
        problem: 'bad-header',
        detail: `header without format "${TRACE_FORMAT}" and a version`
      }
    }
    return { kind: 'header', header: obj as unknown as TraceHeader }
  }
  if (typeof obj.type !== 'string' || !KNOWN_TYPES.has(obj.type)) {
    return {
      kind: 'error',
      problem: 'unknown-type',
      detail: `unknown event type ${JSON.stringify(obj.type)?.slice(0, 100)}`
    }
  }
  if (typeof obj.t !== 'number' || !Number.isFinite(obj.t)) {
    return { kind: 'error', problem: 'bad-time', detail: `event ${obj.type} without a numeric "t"` }
  }
  // Readers iterate a batch's ops: anything but a list would stop them.
  if (obj.type === 'batch' && !Array.isArray(obj.ops)) {
    return { kind: 'error', problem: 'not-an-object', detail: 'batch event without an "ops" list' }
  }
  return { kind: 'event', event: obj as unknown as TraceEvent }
}

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
