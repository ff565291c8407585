// Events reach the view in batches: one message per ~16 ms (a frame) or per N events,
// never one per event, so a flood of events costs a bounded number of messages.

import type { TraceBatch } from '@shared/api'
import type { OutputEvent, TraceEvent, TraceHeader } from '@shared/trace-types'
import { systemClock, type Clock, type TimerHandle } from './clock'
import { LineJoiner } from './line-joiner'

/** Merged output events stay this small (UTF-16 units) so no single message grows without bound. */
const MAX_MERGED_OUTPUT = 256 * 1024
/**
 * Output held for one message. A flood can deliver more than this within one interval (more
 * still when a busy process runs the timer late): the batch leaves early instead of growing
 * with the flood, so memory and the size of one message stay bounded.
 */
const MAX_BATCH_OUTPUT = 1024 * 1024

export interface BatcherOptions {
  session: number
  flush: (batch: TraceBatch) => void
  intervalMs?: number
  maxEvents?: number
  clock?: Clock
  /**
   * False: no timer at all, batches leave only when full or on flush/close. A replay of a
   * saved trace wants a few large batches, whatever the pace at which the file is read.
   */
  timed?: boolean
}

/**
 * What each event of a batch arrived as, where the batcher was given it: the JSON line it
 * was parsed from (`texts`; undefined for an event built or changed here) and, where the
 * parser said, where that line's bytes are (`sources`, `ats`). Keyed by the batch, so it goes
 * when the batch does. See batchJson.
 */
interface Received {
  texts: (string | undefined)[]
  sources: (Buffer | undefined)[]
  ats: number[]
}

const received = new WeakMap<TraceBatch, Received>()

/**
 * A batch as JSON (UTF-8), between `before` and `after`, reusing each event's received text
 * instead of serializing it again, and its received bytes where known (see LineJoiner): a
 * replayed trace or an event flood is megabytes a batch, and the text was valid JSON for
 * that very event when it was parsed (trace-line.ts only checks it, it changes nothing).
 */
export function batchJson(batch: TraceBatch, before = '', after = ''): Buffer {
  const got = received.get(batch)
  if (!got) return Buffer.from(before + JSON.stringify(batch) + after, 'utf8')
  const { texts, sources, ats } = got
  const { events, ...rest } = batch
  const head = JSON.stringify(rest)
  const joiner = new LineJoiner(',')
  for (let i = 0; i < events.length; i++) {
    const text = texts[i]
    const source = sources[i]
    if (text !== undefined && source !== undefined) joiner.addBytes(source, ats[i], text.length)
    else joiner.addString(text ?? JSON.stringify(events[i]))
  }
  return joiner.take(`${before}${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"events":[`, `]}${after}`)
}

export class Batcher {
  private events: TraceEvent[] = []
  /** Parallel to `events`: the text each arrived as, when known, and where its bytes are. */
  private texts: (string | undefined)[] = []
  private sources: (Buffer | undefined)[] = []
  private ats: number[] = []
  private anyText = false
  /** UTF-16 units of output in `events`. */
  private outputChars = 0
  /** Events waiting, counting an event that packs several (an agent `batch`) as what it holds. */
  private weight = 0
  /** Index of the next event in the session's stream (as the view numbers them). */
  private next = 0
  private header: TraceHeader | undefined
  private headerPending = false
  private timer: TimerHandle | null = null
  private disposed = false
  private readonly intervalMs: number
  private readonly maxEvents: number
  private readonly clock: Clock

  constructor(private readonly opts: BatcherOptions) {
    this.intervalMs = opts.intervalMs ?? 16
    this.maxEvents = opts.maxEvents ?? 2000
    this.clock = opts.clock ?? systemClock
  }

  /** Number of events handed to the view so far plus those waiting. */
  get count(): number {
    return this.next + this.events.length
  }

  setHeader(header: TraceHeader): void {
    this.header = header
    this.headerPending = true
    this.schedule()
  }

  /**
   * `text`: the JSON line the event was parsed from, if it was; `source` and `at`: where its
   * bytes are, if the parser said (AgentStreamParser's onEvent). See batchJson.
   */
  push(event: TraceEvent, text?: string, source?: Buffer, at?: number): void {
    if (this.disposed) return
    const last = this.events[this.events.length - 1]
    // Consecutive output chunks of one stream merge: a print flood then costs one event
    // per batch instead of one per pipe read.
    if (event.type === 'output') {
      this.outputChars += event.data.length
      if (
        last?.type === 'output' &&
        last.stream === event.stream &&
        last.data.length + event.data.length <= MAX_MERGED_OUTPUT
      ) {
        this.events[this.events.length - 1] = { ...last, data: last.data + event.data } satisfies OutputEvent
        this.texts[this.texts.length - 1] = undefined
        this.sources[this.sources.length - 1] = undefined
      } else this.add(event, text, source, at)
      if (this.outputChars >= MAX_BATCH_OUTPUT) this.flush()
      else this.schedule()
      return
    }
    this.add(event, text, source, at)
    this.weight += weightOf(event)
    if (this.weight >= this.maxEvents) this.flush()
    else this.schedule()
  }

  flush(): void {
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer)
      this.timer = null
    }
    if (this.disposed || (this.events.length === 0 && !this.headerPending)) return
    const batch: TraceBatch = { session: this.opts.session, from: this.next, events: this.events }
    if (this.headerPending && this.header) batch.header = this.header
    this.headerPending = false
    if (this.anyText) received.set(batch, { texts: this.texts, sources: this.sources, ats: this.ats })
    this.next += this.events.length
    this.events = []
    this.texts = []
    this.sources = []
    this.ats = []
    this.anyText = false
    this.outputChars = 0
    this.weight = 0
    this.opts.flush(batch)
  }

  private add(event: TraceEvent, text?: string, source?: Buffer, at?: number): void {
    this.events.push(event)
    this.texts.push(text)
    this.sources.push(source)
    this.ats.push(at ?? 0)
    if (text !== undefined) this.anyText = true
  }

  /** Flush what is waiting and stop. */
  close(): void {
    this.flush()
    this.disposed = true
  }

  private schedule(): void {
    if (this.timer !== null || this.disposed || this.opts.timed === false) return
    this.timer = this.clock.setTimeout(() => {
      this.timer = null
      this.flush()
    }, this.intervalMs)
  }
}

/** An event that packs others (the agent's `batch`) weighs what it holds. */
function weightOf(event: TraceEvent): number {
  const packed = event as { ops?: unknown; n?: unknown }
  if (typeof packed.n === 'number' && packed.n > 1) return packed.n
  return Array.isArray(packed.ops) && packed.ops.length > 1 ? packed.ops.length : 1
}
