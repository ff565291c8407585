// Validation of one trace line, shared by the live agent-stream parser and the saved-trace
// reader: both take input we did not write, so both apply the same rules.

import { TRACE_EVENT_TYPES, TRACE_FORMAT, type TraceEvent, type TraceHeader } from '@shared/trace-types'

const KNOWN_TYPES: ReadonlySet<string> = new Set(TRACE_EVENT_TYPES)

export type LineProblem = 'invalid-json' | 'not-an-object' | 'unknown-type' | 'bad-time' | 'bad-header'

export type ParsedLine =
  | { kind: 'header'; header: TraceHeader }
  | { kind: 'event'; event: TraceEvent }
  | { kind: 'blank' }
  | { kind: 'error'; problem: LineProblem; detail: string }

export function parseTraceLine(line: string): ParsedLine {
  if (line.trim() === '') return { kind: 'blank' }
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (err) {
    return { kind: 'error', problem: 'invalid-json', detail: (err as Error).message }
  }
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
      detail: `unknown event type ${JSON.stringify(obj.type)}`
    }
  }
  if (typeof obj.t !== 'number' || !Number.isFinite(obj.t)) {
    return { kind: 'error', problem: 'bad-time', detail: `event ${obj.type} without a numeric "t"` }
  }
  return { kind: 'event', event: obj as unknown as TraceEvent }
}
