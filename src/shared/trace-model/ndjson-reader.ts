// Reads a trace's NDJSON bytes piece by piece (as a browser streams a dropped file), so a big
// trace is replayed into the model in batches instead of being held whole. It applies
// the saved-trace reader's rules (docs/trace-format.md): malformed lines are skipped and
// counted, and the first one is reported with its line number, so a corrupt trace opens as
// far as it is valid and says where it broke.

import type { TraceEvent, TraceHeader } from '../trace-types'
import { checkTraceValue, isBlankLine, isTraceEvent } from '../trace-line-rules'
import { JsonBytesParser, NOT_FAST } from './json-bytes'

/** A line longer than this (UTF-16 units) is skipped and counted, as the host does (8 MB). */
const MAX_LINE_CHARS = 8 * 1024 * 1024

export interface NdjsonPiece {
  /** Set once, when the first line (the header) is read. */
  header: TraceHeader | null
  events: TraceEvent[]
}

/** A line longer than this in bytes is longer than MAX_LINE_CHARS however it decodes (a UTF-16 unit takes at most 3 bytes). */
const MAX_LINE_BYTES = 3 * MAX_LINE_CHARS
const NEWLINE = 0x0a
const EMPTY = new Uint8Array(0)

export class NdjsonTraceReader {
  private readonly json = new JsonBytesParser()
  /** For the lines read as text: a byte order mark is one only at the file's start (see `line`). */
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true })
  /** The start of a line whose end has not been fed yet: copies of the bytes, in order. */
  private rest: Uint8Array[] = []
  private restLength = 0
  /** Complete lines fed in and not parsed yet: `first` (the rest and its end), then block[blockAt, blockEnd). */
  private first: Uint8Array | null = null
  private block: Uint8Array = EMPTY
  private blockAt = 0
  private blockEnd = 0
  /** True while skipping the rest of a line already past MAX_LINE_BYTES. */
  private skipping = false
  private atStart = true
  private lineNo = 0
  private seenAny = false
  private headerValue: TraceHeader | null = null
  skipped = 0
  firstProblem: string | null = null

  get header(): TraceHeader | null {
    return this.headerValue
  }

  /** Feeds the next piece of the file's bytes; returns what its complete lines hold. */
  push(bytes: Uint8Array): NdjsonPiece {
    this.feed(bytes)
    return this.next(Infinity)
  }

  /**
   * Feeds the next piece of the file's bytes without parsing it yet: `next` parses its
   * complete lines a few at a time, so a reader can apply events soon after parsing them
   * (they die young, and the page never holds thousands of parsed events waiting). Bytes are
   * fed only once the lines fed before are parsed (`hasLines` false), so line numbers stay
   * in order. The reader keeps no view of `bytes` once their lines are parsed: the caller
   * may then reuse the memory.
   */
  feed(bytes: Uint8Array): void {
    if (this.hasLines) throw new Error('NdjsonTraceReader.feed: the lines fed before are not parsed yet')
    let from = 0
    if (this.skipping) {
      const nl = bytes.indexOf(NEWLINE)
      if (nl < 0) return
      this.skipping = false
      this.tooLong()
      from = nl + 1
    }
    const last = bytes.lastIndexOf(NEWLINE)
    if (last < from) {
      this.keep(bytes.subarray(from))
      return
    }
    if (this.restLength > 0) {
      // The line begun before ends here: joined into one copy, a line's length, unless its
      // end made it too long to read.
      const nl = bytes.indexOf(NEWLINE, from)
      this.keep(bytes.subarray(from, nl + 1))
      if (this.skipping) {
        this.skipping = false
        this.tooLong()
      } else this.first = joined(this.rest, this.restLength)
      this.rest = []
      this.restLength = 0
      from = nl + 1
    }
    this.block = bytes
    this.blockAt = from
    this.blockEnd = last + 1
    this.keep(bytes.subarray(last + 1))
  }

  /** Bytes fed in and not parsed yet (complete lines, and the start of the next one). */
  get unparsed(): number {
    return (this.first?.length ?? 0) + this.blockEnd - this.blockAt + this.restLength
  }

  /** True while bytes fed in have complete lines not parsed yet. */
  get hasLines(): boolean {
    return this.first !== null || this.blockAt < this.blockEnd
  }

  /** Parses and checks up to `most` of the complete lines fed in. */
  next(most: number): NdjsonPiece {
    const out: NdjsonPiece = { header: null, events: [] }
    let n = 0
    const first = this.first
    if (first !== null && most > 0) {
      this.first = null
      this.line(first, 0, first.length - 1, out)
      n++
    }
    const block = this.block
    const end = this.blockEnd
    let start = this.blockAt
    for (; n < most && start < end; n++) {
      const nl = block.indexOf(NEWLINE, start)
      this.line(block, start, nl, out)
      start = nl + 1
    }
    if (start >= end) {
      this.block = EMPTY
      this.blockAt = this.blockEnd = 0
    } else this.blockAt = start
    return out
  }

  /** The last line, if the file did not end with a newline (a trace cut short mid-write). */
  end(): NdjsonPiece {
    // Complete lines fed in and not parsed yet come first, then the unfinished one.
    const out = this.next(Infinity)
    if (this.skipping) this.tooLong()
    else if (this.restLength > 0) {
      // A blank last line reads as none (`line` skips it).
      const last = joined(this.rest, this.restLength)
      this.line(last, 0, last.length, out)
    }
    this.rest = []
    this.restLength = 0
    this.skipping = false
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

  /** Keeps (a copy of) the start of a line whose end is still to come, unless it is already too long. */
  private keep(part: Uint8Array): void {
    if (part.length === 0) return
    if (this.restLength + part.length > MAX_LINE_BYTES) {
      this.rest = []
      this.restLength = 0
      this.skipping = true
      this.atStart = false
    } else {
      this.rest.push(part.slice())
      this.restLength += part.length
    }
  }

  /**
   * The line in `bytes[start, end)`: read straight from its bytes where it is plain ASCII
   * JSON (json-bytes.ts), else decoded (invalid bytes as U+FFFD, as a decoder of the whole
   * file gives them) and handed to JSON.parse.
   */
  private line(bytes: Uint8Array, start: number, end: number, out: NdjsonPiece): void {
    let from = start
    if (this.atStart) {
      this.atStart = false
      if (end - from >= 3 && bytes[from] === 0xef && bytes[from + 1] === 0xbb && bytes[from + 2] === 0xbf)
        from += 3
    }
    // Read this way a line is ASCII, so its bytes are its characters.
    if (end - from <= MAX_LINE_CHARS) {
      const value = this.json.parse(bytes, from, end)
      if (value !== NOT_FAST) {
        this.value(value, out)
        return
      }
    }
    const raw = this.decoder.decode(bytes.subarray(from, end))
    if (raw.length > MAX_LINE_CHARS) {
      this.tooLong()
      return
    }
    if (isBlankLine(raw)) {
      this.lineNo++
      return
    }
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch (err) {
      this.lineNo++
      this.problem((err as Error).message)
      return
    }
    this.value(value, out)
  }

  /** One parsed line, checked by the rules the host applies (trace-line-rules.ts). */
  private value(value: unknown, out: NdjsonPiece): void {
    this.lineNo++
    if (this.seenAny && isTraceEvent(value)) {
      out.events.push(value)
      return
    }
    const parsed = checkTraceValue(value)
    if (parsed.kind === 'header') {
      if (!this.seenAny && this.headerValue === null) {
        this.headerValue = parsed.header
        out.header = parsed.header
        this.seenAny = true
      } else this.problem('a header after the first line')
      return
    }
    if (parsed.kind !== 'event') {
      if (parsed.kind === 'error') this.problem(parsed.detail)
      return
    }
    if (!this.seenAny) {
      // Counted like the host does, but the event itself is still worth showing.
      this.firstProblem ??= `line ${this.lineNo}: no header line: not a Loopscope trace, or its start is missing`
    }
    this.seenAny = true
    out.events.push(parsed.event)
  }

  /** The line just ended was too long to read: counted and reported. */
  private tooLong(): void {
    this.lineNo++
    this.problem('line longer than 8 MB skipped')
  }

  private problem(detail: string): void {
    this.seenAny = true
    this.skipped++
    this.firstProblem ??= `line ${this.lineNo}: ${detail}`
  }
}

/** `parts` (`length` bytes in all) as one array. */
function joined(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]
  const out = new Uint8Array(length)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
