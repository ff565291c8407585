// Turns the agent's event channel (a byte stream cut anywhere by the OS) into validated
// trace events. Input comes from a program we do not control, so nothing here throws:
// bad lines are skipped and counted, and a line longer than the bound is dropped without
// ever being held in memory whole.

import type { TraceEvent, TraceHeader } from '@shared/trace-types'
import { parseTraceLine, type LineProblem } from './trace-line'

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024

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
  onEvent: (event: TraceEvent) => void
  onHeader?: (header: TraceHeader) => void
  /** Called for each skipped line (after counting); for a visible notice. */
  onError?: (problem: LineProblem | 'oversized', detail: string) => void
  /** Called for an empty line, so a reader can keep its line numbers right. */
  onBlank?: () => void
  maxLineBytes?: number
}

const NEWLINE = 0x0a

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

  private pending: Buffer[] = []
  private pendingBytes = 0
  /** True while discarding the rest of a line that already exceeded the bound. */
  private skipping = false
  private readonly maxLineBytes: number

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
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    let start = 0
    while (start < buf.length) {
      const nl = buf.indexOf(NEWLINE, start)
      if (nl === -1) {
        this.append(buf.subarray(start))
        return
      }
      this.append(buf.subarray(start, nl))
      this.finishLine()
      start = nl + 1
    }
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): void {
    if (this.pendingBytes > 0 || this.skipping) this.finishLine()
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

  private finishLine(): void {
    if (this.skipping) {
      this.skipping = false
      this.stats.lines++
      this.stats.oversized++
      this.report('oversized', `line longer than ${this.maxLineBytes} bytes skipped`)
      return
    }
    const bytes = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes)
    this.pending = []
    this.pendingBytes = 0
    const line = bytes === undefined ? '' : bytes.toString('utf8')
    const parsed = parseTraceLine(line)
    if (parsed.kind === 'blank') {
      this.opts.onBlank?.()
      return
    }
    this.stats.lines++
    if (parsed.kind === 'header') {
      this.opts.onHeader?.(parsed.header)
      return
    }
    if (parsed.kind === 'event') {
      this.stats.events++
      this.opts.onEvent(parsed.event)
      return
    }
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
