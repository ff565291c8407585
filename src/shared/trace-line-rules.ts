// The rules every trace line must meet, wherever it is read: the host's agent-stream parser
// and saved-trace reader, and the page when it reads a trace itself (a dropped file, or one
// the web host serves). Input we did not write: each line is checked, never trusted.

import { TRACE_EVENT_TYPES, TRACE_FORMAT, type TraceEvent, type TraceHeader } from './trace-types'

/** The event types a trace may hold (trace-types.ts). */
export const KNOWN_TYPES: ReadonlySet<string> = new Set(TRACE_EVENT_TYPES)

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

/** Readers iterate a batch's ops (a list, or packed columns): anything else would stop them. */
const batchHasOps = (obj: Record<string, unknown>): boolean =>
  Array.isArray(obj.ops) || (obj.v === 2 && typeof obj.i === 'string')

/**
 * True when checkTraceValue would take `value` as an event: the common case, checked without
 * building a result, for readers that take a million lines at a time.
 */
export function isTraceEvent(value: unknown): value is TraceEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const obj = value as Record<string, unknown>
  const type = obj.type
  return (
    typeof type === 'string' &&
    type !== 'header' &&
    KNOWN_TYPES.has(type) &&
    typeof obj.t === 'number' &&
    Number.isFinite(obj.t) &&
    (type !== 'batch' || batchHasOps(obj))
  )
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
  if (obj.type === 'batch' && !batchHasOps(obj)) {
    return {
      kind: 'error',
      problem: 'not-an-object',
      detail: 'batch event without an "ops" list or packed ops'
    }
  }
  return { kind: 'event', event: obj as unknown as TraceEvent }
}
