// Records a session as an NDJSON trace file: header first, then every event in the order
// the host received it. Writes are buffered and synchronous so the file is complete the
// moment close() returns, even when the process exits right after. A write failure (disk
// full, folder gone) disables recording with an error; it never breaks the session.

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import type { NoticeEvent, TraceEvent, TraceHeader } from '@shared/trace-types'
import { checkTraceValue } from '@shared/trace-line-rules'
import { LineJoiner } from './line-joiner'

export const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024 * 1024
const FLUSH_AT = 256 * 1024
/** Events held while waiting for the agent's header; past this the host writes its own. */
const MAX_QUEUED_BEFORE_HEADER = 10_000

export interface TraceWriterOptions {
  /** Header to write when the agent never sent one (failed start, not our agent). */
  fallbackHeader: () => TraceHeader
  host?: TraceHeader['host']
  /** Program output kept in the file; past it output is counted, not written. */
  maxOutputBytes?: number
}

export interface TraceWriterSummary {
  path: string
  events: number
  bytes: number
  droppedOutputBytes: number
  error: string | null
}

export class TraceWriter {
  private fd: number | null
  private readonly lines = new LineJoiner('\n')
  private headerWritten = false
  /** Lines that arrived before the header, in order. */
  private queued: string[] = []
  private events = 0
  private bytes = 0
  private outputBytes = 0
  private droppedOutputBytes = 0
  private lastT = 0
  private error: string | null = null
  private readonly maxOutputBytes: number

  constructor(
    readonly path: string,
    private readonly opts: TraceWriterOptions
  ) {
    this.maxOutputBytes = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES
    try {
      mkdirSync(dirname(path), { recursive: true })
      this.fd = openSync(path, 'w')
    } catch (err) {
      this.fd = null
      this.error = `cannot write trace ${path}: ${(err as Error).message}`
    }
  }

  get failed(): string | null {
    return this.error
  }

  header(header: TraceHeader): void {
    if (this.headerWritten) return
    this.headerWritten = true
    this.text(JSON.stringify(this.opts.host ? { ...header, host: this.opts.host } : header))
    const queued = this.queued
    this.queued = []
    for (const line of queued) this.reenter(line)
  }

  /**
   * Records one event. `line` is its text exactly as the agent wrote it, when there is one:
   * it is written as is instead of serializing the event again; `source` and `at`, where the
   * parser gave them, say where its bytes are (AgentStreamParser's onEvent).
   */
  event(event: TraceEvent, line?: string, source?: Buffer, at?: number): void {
    if (!this.headerWritten) {
      this.queue(line ?? JSON.stringify(event))
      return
    }
    this.lastT = event.t
    if (event.type === 'output') {
      const size = Buffer.byteLength(event.data, 'utf8')
      if (this.outputBytes + size > this.maxOutputBytes) {
        this.droppedOutputBytes += size
        return
      }
      this.outputBytes += size
    }
    this.events++
    if (line !== undefined && source !== undefined && at !== undefined) {
      if (this.fd === null) return
      this.lines.addBytes(source, at, line.length)
      if (this.lines.bytes >= FLUSH_AT) this.flush()
      return
    }
    this.text(line ?? JSON.stringify(event))
  }

  /** Records an agent event's line unparsed (the headless recorder); `t` is its time. */
  eventLine(line: string, t: number): void {
    if (!this.headerWritten) {
      this.queue(line)
      return
    }
    this.lastT = t
    this.events++
    this.text(line)
  }

  private queue(line: string): void {
    this.queued.push(line)
    if (this.queued.length >= MAX_QUEUED_BEFORE_HEADER) this.header(this.opts.fallbackHeader())
  }

  close(): TraceWriterSummary {
    if (!this.headerWritten) this.header(this.opts.fallbackHeader())
    if (this.droppedOutputBytes > 0) {
      const notice: NoticeEvent = {
        type: 'notice',
        t: this.lastT,
        level: 'warning',
        message: `Program output past ${this.maxOutputBytes} bytes was not saved in the trace (${this.droppedOutputBytes} bytes dropped).`
      }
      this.events++
      this.text(JSON.stringify(notice))
    }
    this.flush()
    if (this.fd !== null) {
      try {
        closeSync(this.fd)
      } catch {
        // Already closed by a failed write; the error is recorded there.
      }
      this.fd = null
    }
    return {
      path: this.path,
      events: this.events,
      bytes: this.bytes,
      droppedOutputBytes: this.droppedOutputBytes,
      error: this.error
    }
  }

  /** A line queued before the header, written now through the same rules as a live one. */
  private reenter(line: string): void {
    const value = checkTraceValue(safeParse(line))
    if (value.kind === 'event') this.event(value.event, line)
  }

  private text(line: string): void {
    if (this.fd === null) return
    this.lines.addString(line)
    if (this.lines.bytes >= FLUSH_AT) this.flush()
  }

  /** Writes what is buffered, so a reader of the file sees every event so far. */
  flush(): void {
    if (this.fd === null || this.lines.length === 0) return
    const buf = this.lines.take('', '\n')
    try {
      let off = 0
      while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off)
      this.bytes += buf.length
    } catch (err) {
      this.error = `trace ${this.path} not fully written: ${(err as Error).message}`
      try {
        closeSync(this.fd)
      } catch {
        // Nothing more to do: the error above is what the user sees.
      }
      this.fd = null
    }
  }
}

function safeParse(line: string): unknown {
  try {
    return JSON.parse(line)
  } catch {
    return null
  }
}
