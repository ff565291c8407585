// Turns the agent's event channel (a byte stream cut anywhere by the OS) into validated
// trace events. Input comes from a program we do not control, so nothing here throws:
// bad lines are skipped and counted, and a line longer than the bound is dropped without
// ever being held in memory whole.
//
// Speed matters (a busy loop writes hundreds of thousands of events a second, and a slow
// reader stalls the program on a full pipe): each chunk is decoded once, from its first to
// its last newline, and split as a string; only a line cut by a read boundary is copied.

import { isAscii } from 'node:buffer'
import type { TraceEvent, TraceEventType, TraceHeader } from '@shared/trace-types'
import { checkTraceValue, isBlankLine, type LineProblem } from '@shared/trace-line-rules'
import { scanEventLine, type ScannedEvent } from './trace-line'

/** The agent packs up to thousands of events in one line; a line past this is dropped and counted. */
export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024

export interface ParserStats {
  lines: number
  events: number
  invalidJson: number
  notAnObject: number
  unknownType: number
  badTime: number
  badHeader: number
  oversized: number
}

export interface AgentStreamParserOptions {
  /**
   * Each valid event, with its line as received (no newline), so a recorder can write it as
   * is. With `stableChunks`, an event whose line is plain ASCII (all the agent writes) also
   * comes with where its bytes are: `line.length` bytes of `source` from `at`, followed by
   * a newline, not copied (see LineJoiner).
   */
  onEvent?: (event: TraceEvent, line: string, source?: Buffer, at?: number) => void
  /**
   * The caller never changes a chunk after pushing it (a stream's chunks are fresh buffers),
   * so events may point into it (onEvent's `source`).
   */
  stableChunks?: boolean
  /**
   * When given, events are not built into objects: each valid event's line is passed here
   * with its type and time (read by a cheap scan, see scanEventLine), and onEvent is not
   * called. For a consumer that only records lines.
   */
  onEventLine?: (line: string, type: TraceEventType, t: number) => void
  onHeader?: (header: TraceHeader, line: string) => void
  /** Called for each skipped line (after counting); for a visible notice. */
  onError?: (problem: LineProblem | 'oversized', detail: string) => void
  /** Called for an empty line, so a reader can keep its line numbers right. */
  onBlank?: () => void
  maxLineBytes?: number
}

const NEWLINE = 0x0a
/** Bytes decoded into one string at most (where lines allow): see push. */
const DECODE_WINDOW = 64 * 1024
/** A line of n UTF-16 units holds at most 3n UTF-8 bytes: only a line this long needs measuring. */
const UTF8_MAX_PER_UNIT = 3

export class AgentStreamParser {
  readonly stats: ParserStats = {
    lines: 0,
    events: 0,
    invalidJson: 0,
    notAnObject: 0,
    unknownType: 0,
    badTime: 0,
    badHeader: 0,
    oversized: 0
  }
  lastError: string | null = null

  /** Bytes of a line cut by a read boundary, kept until its newline arrives. */
  private pending: Buffer[] = []
  private pendingBytes = 0
  /** True while discarding the rest of a line that already exceeded the bound. */
  private skipping = false
  private readonly maxLineBytes: number
  private readonly scanned: ScannedEvent = { type: 'tick.begin', t: 0 }

  constructor(private readonly opts: AgentStreamParserOptions) {
    this.maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES
  }

  get errors(): number {
    const s = this.stats
    return s.invalidJson + s.notAnObject + s.unknownType + s.badTime + s.badHeader + s.oversized
  }

  push(chunk: Buffer | Uint8Array | string): void {
    const buf =
      typeof chunk === 'string'
        ? Buffer.from(chunk, 'utf8')
        : Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    const first = buf.indexOf(NEWLINE)
    if (first === -1) {
      this.append(buf)
      return
    }
    let start = 0
    if (this.pendingBytes > 0 || this.skipping) {
      this.append(buf.subarray(0, first))
      this.finishPending()
      start = first + 1
    }
    const last = buf.lastIndexOf(NEWLINE)
    while (start <= last) {
      // A newline byte never occurs inside a UTF-8 sequence, so decoding from one line
      // start to a later newline gives exactly what decoding each line would. At most a
      // window at a time: a longer string is a large object of its own, in memory the
      // process has not touched before (a megabyte of that cost ~2.6 ms in page faults on
      // a VM here, more than the decoding), where a small one reuses the young generation.
      let stop = last
      if (stop - start > DECODE_WINDOW) {
        const cut = buf.lastIndexOf(NEWLINE, start + DECODE_WINDOW)
        // A line longer than the window is decoded whole.
        stop = cut >= start ? cut : buf.indexOf(NEWLINE, start + DECODE_WINDOW)
      }
      const text = buf.toString('utf8', start, stop)
      // In ASCII a string index is a byte index: each line's bytes are known without a copy.
      const source = this.opts.stableChunks && isAscii(buf.subarray(start, stop)) ? buf : undefined
      let s = 0
      for (;;) {
        const nl = text.indexOf('\n', s)
        if (nl === -1) {
          this.line(s === 0 ? text : text.slice(s), source, start + s)
          break
        }
        this.line(text.slice(s, nl), source, start + s)
        s = nl + 1
      }
      start = stop + 1
    }
    if (start < buf.length) this.append(buf.subarray(start))
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): void {
    if (this.pendingBytes > 0 || this.skipping) this.finishPending()
  }

  private append(part: Buffer): void {
    if (part.length === 0 || this.skipping) return
    if (this.pendingBytes + part.length > this.maxLineBytes) {
      this.pending = []
      this.pendingBytes = 0
      this.skipping = true
      return
    }
    // Copy: the caller's chunk buffer may be reused after push returns.
    this.pending.push(Buffer.from(part))
    this.pendingBytes += part.length
  }

  private finishPending(): void {
    if (this.skipping) {
      this.skipping = false
      this.oversized()
      return
    }
    const bytes = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes)
    this.pending = []
    this.pendingBytes = 0
    this.line(bytes === undefined ? '' : bytes.toString('utf8'))
  }

  private oversized(): void {
    this.stats.lines++
    this.stats.oversized++
    this.report('oversized', `line longer than ${this.maxLineBytes} bytes skipped`)
  }

  private line(line: string, source?: Buffer, at?: number): void {
    if (isBlankLine(line)) {
      this.opts.onBlank?.()
      return
    }
    if (
      line.length * UTF8_MAX_PER_UNIT > this.maxLineBytes &&
      (line.length > this.maxLineBytes || Buffer.byteLength(line, 'utf8') > this.maxLineBytes)
    ) {
      this.oversized()
      return
    }
    this.stats.lines++
    const onEventLine = this.opts.onEventLine
    if (onEventLine && scanEventLine(line, this.scanned)) {
      this.stats.events++
      onEventLine(line, this.scanned.type, this.scanned.t)
      return
    }
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (err) {
      this.stats.invalidJson++
      this.report('invalid-json', (err as Error).message)
      return
    }
    const parsed = checkTraceValue(value)
    if (parsed.kind === 'event') {
      this.stats.events++
      if (onEventLine) onEventLine(line, parsed.event.type, parsed.event.t)
      else this.opts.onEvent?.(parsed.event, line, source, at)
      return
    }
    if (parsed.kind === 'header') {
      this.opts.onHeader?.(parsed.header, line)
      return
    }
    if (parsed.kind === 'blank') return
    switch (parsed.problem) {
      case 'invalid-json':
        this.stats.invalidJson++
        break
      case 'not-an-object':
        this.stats.notAnObject++
        break
      case 'unknown-type':
        this.stats.unknownType++
        break
      case 'bad-time':
        this.stats.badTime++
        break
      case 'bad-header':
        this.stats.badHeader++
        break
    }
    this.report(parsed.problem, parsed.detail)
  }

  private report(problem: LineProblem | 'oversized', detail: string): void {
    this.lastError = detail
    this.opts.onError?.(problem, detail)
  }
}
