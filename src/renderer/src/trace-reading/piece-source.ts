// Where a trace read in the page comes from, a piece of checked events at a time: a worker
// that fetches and parses it off the main thread (reader.worker.ts), or, where no worker can
// be started, the same reader on the main thread. The session store replays either alike.

import type { TraceEvent, TraceHeader } from '@shared/trace-types'
import type { NdjsonPiece } from '@shared/trace-model/ndjson-reader'
import { decodeColumns } from '@shared/trace-model/event-columns'
import type { FromReader, ToReader } from './protocol'
import { readHere, type PieceSource, type TraceInput } from './read-here'

export type { PieceSource } from './read-here'

/** Pieces the worker may parse ahead of the page: it parses the next while the page applies one. */
const AHEAD = 16

/** Reads `input` in a worker, or on this thread where a worker cannot be started. */
export function readTrace(input: TraceInput, lines: number): PieceSource {
  if (typeof Worker !== 'function') return readHere(input, lines)
  return new WorkerSource(input, lines)
}

/** A reader worker started ahead of the next open, and whether its script failed to load. */
let spare: { worker: Worker; failed: boolean } | null = null

/**
 * Starts a reader worker before it is needed, so that opening a trace does not wait for one
 * to start and load its script (~80 ms of a big trace's open here). Each open takes it and
 * starts the next once it has read its file.
 */
export function prepareReader(): void {
  if (spare || typeof Worker !== 'function') return
  const worker = startWorker()
  if (!worker) return
  const s = { worker, failed: false }
  worker.onerror = (e) => {
    // Its script did not load: the open that takes it reads on the page instead.
    e.preventDefault()
    s.failed = true
  }
  spare = s
}

function startWorker(): Worker | null {
  try {
    return new Worker(new URL('./reader.worker.ts', import.meta.url), { type: 'module' })
  } catch {
    return null
  }
}

/** The spare worker if there is a sound one, else a new one (null where none can start). */
function takeWorker(): Worker | null {
  const s = spare
  spare = null
  if (s && !s.failed) return s.worker
  s?.worker.terminate()
  return s ? null : startWorker()
}

class WorkerSource implements PieceSource {
  private worker: Worker | null
  private readonly pieces: (FromReader & { kind: 'piece' })[] = []
  private readonly taken = { read: 0, total: null as number | null }
  /** The header as the first piece brought it (the end repeats it). */
  private firstHeader: TraceHeader | null = null
  private end: (FromReader & { kind: 'end' }) | null = null
  private waiting: (() => void) | null = null
  /** Set when the worker could not start: this thread reads instead. */
  private fallback: PieceSource | null = null
  private heard = false

  constructor(
    private readonly input: TraceInput,
    private readonly lines: number
  ) {
    const worker = takeWorker()
    this.worker = worker
    if (!worker) {
      this.fallback = readHere(input, lines)
      return
    }
    worker.onmessage = (e: MessageEvent<FromReader>) => {
      this.heard = true
      const m = e.data
      if (m.kind === 'piece') {
        this.firstHeader ??= m.header
        this.pieces.push(m)
      } else this.end = m
      this.wakeUp()
    }
    worker.onerror = (e) => {
      e.preventDefault()
      if (!this.heard && !this.fallback) {
        // The worker's script did not load (a page served without it): read here instead.
        this.fallback = readHere(this.input, this.lines)
      } else if (!this.end) {
        this.end = {
          kind: 'end',
          header: null,
          message: null,
          error: `the trace reader stopped (${e.message})`
        }
      }
      this.stopWorker()
      this.wakeUp()
    }
    this.post({ kind: 'open', source: input, lines })
    for (let i = 0; i < AHEAD; i++) this.post({ kind: 'more' })
  }

  get header(): TraceHeader | null {
    return this.fallback ? this.fallback.header : (this.end?.header ?? this.firstHeader)
  }

  get message(): string | null {
    return this.fallback ? this.fallback.message : (this.end?.message ?? null)
  }

  get progress(): { read: number; total: number | null } {
    return this.fallback ? this.fallback.progress : this.taken
  }

  async next(): Promise<NdjsonPiece | null> {
    for (;;) {
      if (this.fallback) return this.fallback.next()
      const piece = this.pieces.shift()
      if (piece) {
        this.post({ kind: 'more' })
        this.taken.read = piece.read
        this.taken.total = piece.total
        return { header: piece.header, events: decodeColumns(piece.events) as TraceEvent[] }
      }
      if (this.end) {
        this.stopWorker()
        if (this.end.error) throw new Error(this.end.error)
        return null
      }
      await new Promise<void>((resolve) => (this.waiting = resolve))
    }
  }

  async cancel(): Promise<void> {
    this.stopWorker()
    this.end ??= { kind: 'end', header: null, message: null, error: null }
    this.wakeUp()
    await this.fallback?.cancel()
  }

  private post(m: ToReader): void {
    this.worker?.postMessage(m)
  }

  private wakeUp(): void {
    const w = this.waiting
    this.waiting = null
    w?.()
  }

  private stopWorker(): void {
    if (!this.worker) return
    this.worker.terminate()
    this.worker = null
    // The file is read: the next open's worker may start now.
    prepareReader()
  }
}
