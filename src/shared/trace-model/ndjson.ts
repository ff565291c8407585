// Reads a trace file's text (NDJSON) into its header and events; malformed lines are
// counted and skipped, as docs/trace-format.md asks of every reader.

import type { TraceEvent, TraceHeader } from '../trace-types'

export interface ParsedTrace {
  header: TraceHeader | null
  events: TraceEvent[]
  skipped: number
}

export function parseNdjson(text: string): ParsedTrace {
  let header: TraceHeader | null = null
  const events: TraceEvent[] = []
  let skipped = 0
  let start = 0
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end < 0) end = text.length
    const line = text.slice(start, end).trim()
    start = end + 1
    if (!line) continue
    let obj: unknown
    try {
      obj = JSON.parse(line)
    } catch {
      skipped++
      continue
    }
    if (!obj || typeof obj !== 'object' || typeof (obj as { type?: unknown }).type !== 'string') {
      skipped++
      continue
    }
    if ((obj as { type: string }).type === 'header') {
      if (!header) header = obj as TraceHeader
      continue
    }
    events.push(obj as TraceEvent)
  }
  return { header, events, skipped }
}

export function toNdjson(header: TraceHeader | null, events: readonly TraceEvent[]): string {
  const lines: string[] = []
  if (header) lines.push(JSON.stringify(header))
  for (const e of events) lines.push(JSON.stringify(e))
  return lines.join('\n') + '\n'
}
