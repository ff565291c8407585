// Reads a saved trace tolerantly: a trace cut short by a crash, or edited by hand, still
// opens with everything up to where it stops being valid, and says where that is.

import { createReadStream, statSync } from 'node:fs'
import type { TraceEvent, TraceHeader } from '@shared/trace-types'
import { AgentStreamParser, DEFAULT_MAX_LINE_BYTES } from './agent-stream-parser'
import { parseTraceLine } from '@shared/trace-line-rules'

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
  const events: TraceEvent[] = []
  const collector = new Collector(opts.maxEvents, { event: (e) => events.push(e) })
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
  const end = collector.end(false)
  return { header: end.header, events, skipped: end.skipped, message: end.message }
}

export async function readTraceFile(path: string, opts: TraceReadOptions = {}): Promise<TraceReadResult> {
  const events: TraceEvent[] = []
  const end = await streamTraceFile(path, { event: (e) => events.push(e) }, opts).done
  return { header: end.header, events, skipped: end.skipped, message: end.message }
}

/** Where a streamed trace read stopped: like TraceReadResult, with the events already handed out. */
export interface TraceStreamEnd {
  header: TraceHeader | null
  /** Events handed to the sink (at most `maxEvents`). */
  events: number
  skipped: number
  message: string | null
  /** The read was cancelled before the file ended. */
  cancelled: boolean
}

export interface TraceSink {
  /** The header, if the first line is one; called before any event. */
  header?(header: TraceHeader): void
  /** `line`: the text the event was parsed from (valid JSON of exactly this event). */
  event(event: TraceEvent, line: string): void
}

export interface TraceStream {
  /** Settles when the file has been read (or the read cancelled); rejects if it cannot be read. */
  done: Promise<TraceStreamEnd>
  /** Stops reading now; `done` then resolves with `cancelled`. */
  cancel(): void
  /** Stops reading for now (a reader that cannot keep up); `resume` goes on. */
  pause(): void
  resume(): void
  /** Bytes of the file read so far, and its size when the read began (null if unknown). */
  progress(): { read: number; total: number | null }
}

/**
 * Reads a saved trace and hands each event to the sink as soon as its line is parsed, so a
 * caller can start using a large trace long before the whole file has been read.
 */
export function streamTraceFile(path: string, sink: TraceSink, opts: TraceReadOptions = {}): TraceStream {
  const collector = new Collector(opts.maxEvents, sink)
  let lineNo = 0
  // The stream parser bounds line length without holding a huge line; it reports each
  // line's outcome through these callbacks in order, so line numbers stay right.
  const parser = new AgentStreamParser({
    maxLineBytes: opts.maxLineBytes,
    onHeader: (header) => {
      lineNo++
      collector.header(lineNo, header)
    },
    onEvent: (event, line) => {
      lineNo++
      collector.event(lineNo, event, line)
    },
    onBlank: () => {
      lineNo++
    },
    onError: (_problem, detail) => {
      lineNo++
      collector.problem(lineNo, detail)
    }
  })
  // Large reads: fewer chunks, fewer lines cut by a read boundary.
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK })
  let total: number | null = null
  try {
    const st = statSync(path)
    if (st.isFile()) total = st.size
  } catch {
    // Unreadable: the stream's error says why.
  }
  let settled = false
  let finish: (end: TraceStreamEnd) => void = () => undefined
  const done = new Promise<TraceStreamEnd>((resolve, reject) => {
    finish = (end) => {
      if (settled) return
      settled = true
      resolve(end)
    }
    stream.on('data', (chunk) => {
      if (!settled) parser.push(chunk as Buffer)
    })
    stream.on('end', () => {
      if (settled) return
      parser.end()
      finish(collector.end(false))
    })
    stream.on('error', (err) => {
      if (settled) return
      settled = true
      reject(err)
    })
  })
  return {
    done,
    cancel: () => {
      finish(collector.end(true))
      stream.destroy()
    },
    pause: () => void stream.pause(),
    resume: () => void stream.resume(),
    progress: () => ({ read: stream.bytesRead, total })
  }
}

class Collector {
  private headerValue: TraceHeader | null = null
  private kept = 0
  private skipped = 0
  private firstProblem: string | null = null
  private seenAny = false

  constructor(
    private readonly maxEvents = Infinity,
    private readonly sink: TraceSink
  ) {}

  line(lineNo: number, text: string): void {
    const parsed = parseTraceLine(text)
    if (parsed.kind === 'blank') return
    if (parsed.kind === 'header') this.header(lineNo, parsed.header)
    else if (parsed.kind === 'event') this.event(lineNo, parsed.event, text)
    else this.problem(lineNo, parsed.detail)
  }

  header(lineNo: number, header: TraceHeader): void {
    if (!this.seenAny && this.headerValue === null) {
      this.headerValue = header
      this.sink.header?.(header)
    } else this.problem(lineNo, 'a header after the first line')
    this.seenAny = true
  }

  event(lineNo: number, event: TraceEvent, line: string): void {
    if (!this.seenAny) this.problem(lineNo, 'no header line: not a Loopscope trace, or its start is missing')
    this.seenAny = true
    if (this.kept >= this.maxEvents) {
      this.skipped++
      return
    }
    this.kept++
    this.sink.event(event, line)
  }

  problem(lineNo: number, detail: string): void {
    this.seenAny = true
    this.skipped++
    this.firstProblem ??= `line ${lineNo}: ${detail}`
  }

  end(cancelled: boolean): TraceStreamEnd {
    let message: string | null = null
    if (this.firstProblem) {
      message =
        `Trace read with problems from ${this.firstProblem}` +
        (this.skipped > 1 ? ` (${this.skipped} lines skipped)` : '')
    }
    if (this.kept >= this.maxEvents && this.skipped > 0 && !this.firstProblem) {
      message = `Trace has more than ${this.maxEvents} events; the rest were not loaded`
    }
    return { header: this.headerValue, events: this.kept, skipped: this.skipped, message, cancelled }
  }
}
