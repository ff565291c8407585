// Reads a saved trace tolerantly: a trace cut short by a crash, or edited by hand, still
// opens with everything up to where it stops being valid, and says where that is.

import { createReadStream } from 'node:fs'
import type { TraceEvent, TraceHeader } from '@shared/trace-types'
import { AgentStreamParser, DEFAULT_MAX_LINE_BYTES } from './agent-stream-parser'
import { parseTraceLine } from './trace-line'

const READ_CHUNK = 1024 * 1024

export interface TraceReadResult {
  header: TraceHeader | null
  events: TraceEvent[]
  /** Lines skipped (invalid JSON, unknown type, missing time, oversized). */
  skipped: number
  /** Null when the whole file was read cleanly. */
  message: string | null
}

export interface TraceReadOptions {
  maxLineBytes?: number
  /** Stop keeping events past this many (the rest are counted as skipped). */
  maxEvents?: number
}

/** Parses trace text already in memory (used for a saved trace and in tests). */
export function parseTraceText(text: string, opts: TraceReadOptions = {}): TraceReadResult {
  const collector = new Collector(opts.maxEvents)
  let lineNo = 0
  let start = 0
  const maxLine = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES
  while (start <= text.length) {
    let nl = text.indexOf('\n', start)
    if (nl === -1) nl = text.length
    lineNo++
    const line = text.slice(start, nl)
    start = nl + 1
    if (line.length > maxLine) collector.problem(lineNo, `line longer than ${maxLine} bytes`)
    else collector.line(lineNo, line)
    if (nl === text.length) break
  }
  return collector.result()
}

export async function readTraceFile(path: string, opts: TraceReadOptions = {}): Promise<TraceReadResult> {
  const collector = new Collector(opts.maxEvents)
  let lineNo = 0
  // The stream parser bounds line length without holding a huge line; it reports each
  // line's outcome through these callbacks in order, so line numbers stay right.
  const parser = new AgentStreamParser({
    maxLineBytes: opts.maxLineBytes,
    onHeader: (header) => {
      lineNo++
      collector.header(lineNo, header)
    },
    onEvent: (event) => {
      lineNo++
      collector.event(lineNo, event)
    },
    onBlank: () => {
      lineNo++
    },
    onError: (_problem, detail) => {
      lineNo++
      collector.problem(lineNo, detail)
    }
  })
  await new Promise<void>((resolve, reject) => {
    // Large reads: fewer chunks, fewer lines cut by a read boundary.
    const stream = createReadStream(path, { highWaterMark: READ_CHUNK })
    stream.on('data', (chunk) => parser.push(chunk as Buffer))
    stream.on('end', () => {
      parser.end()
      resolve()
    })
    stream.on('error', reject)
  })
  return collector.result()
}

class Collector {
  private headerValue: TraceHeader | null = null
  private events: TraceEvent[] = []
  private skipped = 0
  private firstProblem: string | null = null
  private seenAny = false

  constructor(private readonly maxEvents = Infinity) {}

  line(lineNo: number, text: string): void {
    const parsed = parseTraceLine(text)
    if (parsed.kind === 'blank') return
    if (parsed.kind === 'header') this.header(lineNo, parsed.header)
    else if (parsed.kind === 'event') this.event(lineNo, parsed.event)
    else this.problem(lineNo, parsed.detail)
  }

  header(lineNo: number, header: TraceHeader): void {
    if (!this.seenAny && this.headerValue === null) this.headerValue = header
    else this.problem(lineNo, 'a header after the first line')
    this.seenAny = true
  }

  event(lineNo: number, event: TraceEvent): void {
    if (!this.seenAny) this.problem(lineNo, 'no header line: not a Loopscope trace, or its start is missing')
    this.seenAny = true
    if (this.events.length >= this.maxEvents) {
      this.skipped++
      return
    }
    this.events.push(event)
  }

  problem(lineNo: number, detail: string): void {
    this.seenAny = true
    this.skipped++
    this.firstProblem ??= `line ${lineNo}: ${detail}`
  }

  result(): TraceReadResult {
    let message: string | null = null
    if (this.firstProblem) {
      message =
        `Trace read with problems from ${this.firstProblem}` +
        (this.skipped > 1 ? ` (${this.skipped} lines skipped)` : '')
    }
    if (this.events.length >= this.maxEvents && this.skipped > 0 && !this.firstProblem) {
      message = `Trace has more than ${this.maxEvents} events; the rest were not loaded`
    }
    return { header: this.headerValue, events: this.events, skipped: this.skipped, message }
  }
}
