// Reads a trace's NDJSON text piece by piece (as a browser streams a dropped file), so a big
// trace is replayed into the model in batches instead of being held whole as text. It applies
// the saved-trace reader's rules (docs/trace-format.md): malformed lines are skipped and
// counted, and the first one is reported with its line number, so a corrupt trace opens as
// far as it is valid and says where it broke.

import { TRACE_EVENT_TYPES, TRACE_FORMAT, type TraceEvent, type TraceHeader } from '../trace-types'

const KNOWN_TYPES: ReadonlySet<string> = new Set(TRACE_EVENT_TYPES)

export interface NdjsonPiece {
  /** Set once, when the first line (the header) is read. */
  header: TraceHeader | null
  events: TraceEvent[]
}

export class NdjsonTraceReader {
  private rest = ''
  private lineNo = 0
  private seenAny = false
  private headerValue: TraceHeader | null = null
  skipped = 0
  firstProblem: string | null = null

  get header(): TraceHeader | null {
    return this.headerValue
  }

  /** Feeds the next piece of text; returns what its complete lines hold. */
  push(text: string): NdjsonPiece {
    const out: NdjsonPiece = { header: null, events: [] }
    let start = 0
    const data = this.rest + text
    for (;;) {
      const nl = data.indexOf('\n', start)
      if (nl < 0) break
      this.line(data.slice(start, nl), out)
      start = nl + 1
    }
    this.rest = data.slice(start)
    return out
  }

  /** The last line, if the text did not end with a newline (a trace cut short mid-write). */
  end(): NdjsonPiece {
    const out: NdjsonPiece = { header: null, events: [] }
    if (this.rest.trim()) this.line(this.rest, out)
    this.rest = ''
    return out
  }

  /** Where the trace broke, in the words the host uses for a trace file it opens. */
  get message(): string | null {
    if (!this.firstProblem) return null
    return (
      `Trace read with problems from ${this.firstProblem}` +
      (this.skipped > 1 ? ` (${this.skipped} lines skipped)` : '')
    )
  }

  private line(raw: string, out: NdjsonPiece): void {
    this.lineNo++
    const line = raw.trim()
    if (!line) return
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (err) {
      this.problem((err as Error).message)
      return
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.problem('a trace line must be a JSON object')
      return
    }
    const obj = value as Record<string, unknown>
    if (obj.type === 'header') {
      if (obj.format !== TRACE_FORMAT || typeof obj.version !== 'number') {
        this.problem(`header without format "${TRACE_FORMAT}" and a version`)
      } else if (!this.seenAny && this.headerValue === null) {
        this.headerValue = obj as unknown as TraceHeader
        out.header = this.headerValue
        this.seenAny = true
      } else {
        this.problem('a header after the first line')
      }
      return
    }
    if (typeof obj.type !== 'string' || !KNOWN_TYPES.has(obj.type)) {
      this.problem(`unknown event type ${JSON.stringify(obj.type)}`)
      return
    }
    if (typeof obj.t !== 'number' || !Number.isFinite(obj.t)) {
      this.problem(`event ${obj.type} without a numeric "t"`)
      return
    }
    if (!this.seenAny) {
      // Counted like the host does, but the event itself is still worth showing.
      this.firstProblem ??= `line ${this.lineNo}: no header line: not a Loopscope trace, or its start is missing`
    }
    this.seenAny = true
    out.events.push(obj as unknown as TraceEvent)
  }

  private problem(detail: string): void {
    this.seenAny = true
    this.skipped++
    this.firstProblem ??= `line ${this.lineNo}: ${detail}`
  }
}
