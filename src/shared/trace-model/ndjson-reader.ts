// Reads a trace's NDJSON text piece by piece (as a browser streams a dropped file), so a big
// trace is replayed into the model in batches instead of being held whole as text. It applies
// the saved-trace reader's rules (docs/trace-format.md): malformed lines are skipped and
// counted, and the first one is reported with its line number, so a corrupt trace opens as
// far as it is valid and says where it broke.

import type { TraceEvent, TraceHeader } from '../trace-types'
import { checkTraceValue, isBlankLine, isTraceEvent } from '../trace-line-rules'

/** A line longer than this (UTF-16 units) is skipped and counted, as the host does (8 MB). */
const MAX_LINE_CHARS = 8 * 1024 * 1024

export interface NdjsonPiece {
  /** Set once, when the first line (the header) is read. */
  header: TraceHeader | null
  events: TraceEvent[]
}

export class NdjsonTraceReader {
  private rest = ''
  /** Complete lines fed in, and where the first not parsed yet starts. */
  private block = ''
  private blockAt = 0
  /** True while skipping the rest of a line already past MAX_LINE_CHARS. */
  private skipping = false
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
    this.feed(text)
    return this.next(Infinity)
  }

  /**
   * Feeds the next piece of text without parsing it yet: `next` parses its complete lines a
   * few at a time, so a reader can apply events soon after parsing them (they die young, and
   * the page never holds thousands of parsed events waiting). Text is fed only once the
   * lines fed before are parsed (`hasLines` false), so line numbers stay in order.
   */
  feed(text: string): void {
    if (this.hasLines) throw new Error('NdjsonTraceReader.feed: the lines fed before are not parsed yet')
    let data = text
    if (this.skipping) {
      const nl = data.indexOf('\n')
      if (nl < 0) return
      this.skipping = false
      this.lineNo++
      this.problem('line longer than 8 MB skipped')
      data = data.slice(nl + 1)
    }
    // Looked for in the new text only: the rest has none, and a search of rest + text would
    // copy the rest into one flat string again at every piece of a long line.
    const nl = data.lastIndexOf('\n')
    if (nl < 0) {
      this.keep(this.rest + data)
      return
    }
    const last = this.rest.length + nl
    data = this.rest + data
    // Every line in the block ends with its newline.
    this.block = data.slice(0, last + 1)
    this.blockAt = 0
    this.keep(data.slice(last + 1))
  }

  /** Characters fed in and not parsed yet (complete lines, and the start of the next one). */
  get unparsed(): number {
    return this.block.length - this.blockAt + this.rest.length
  }

  /** True while text fed in has complete lines not parsed yet. */
  get hasLines(): boolean {
    return this.blockAt < this.block.length
  }

  /** Parses and checks up to `most` of the complete lines fed in. */
  next(most: number): NdjsonPiece {
    const out: NdjsonPiece = { header: null, events: [] }
    const block = this.block
    let start = this.blockAt
    for (let n = 0; n < most && start < block.length; n++) {
      const nl = block.indexOf('\n', start)
      this.line(block.slice(start, nl), out)
      start = nl + 1
    }
    if (start >= block.length) {
      this.block = ''
      this.blockAt = 0
    } else this.blockAt = start
    return out
  }

  /** The last line, if the text did not end with a newline (a trace cut short mid-write). */
  end(): NdjsonPiece {
    // Complete lines fed in and not parsed yet come first, then the unfinished one.
    const out = this.next(Infinity)
    if (this.skipping) {
      this.lineNo++
      this.problem('line longer than 8 MB skipped')
    } else if (this.rest.trim()) this.line(this.rest, out)
    this.rest = ''
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

  private keep(rest: string): void {
    if (rest.length > MAX_LINE_CHARS) {
      this.rest = ''
      this.skipping = true
    } else this.rest = rest
  }

  private line(raw: string, out: NdjsonPiece): void {
    if (raw.length > MAX_LINE_CHARS) {
      this.lineNo++
      this.problem('line longer than 8 MB skipped')
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

  private problem(detail: string): void {
    this.seenAny = true
    this.skipped++
    this.firstProblem ??= `line ${this.lineNo}: ${detail}`
  }
}
