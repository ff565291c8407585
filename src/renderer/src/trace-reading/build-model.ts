// A saved trace read into a TraceModel of its own, start to finish, on the thread that asks:
// the reader worker does this and hands the page the finished model (model-transfer.ts), so
// the page applies none of a big trace's events itself. Plain TypeScript: tests run it in Node.

import type { TraceEvent, TraceHeader } from '@shared/trace-types'
import { TraceModel } from '@shared/trace-model/trace-model'
import type { PieceSource } from './read-here'

export interface BuildOptions {
  /** Events (as the file holds them: a `batch` line is one) read at most; the rest are left out. */
  maxEvents: number
  /** Whether to end now with what has been read (Stop); asked between pieces. */
  stopped(): boolean
  /**
   * Called between pieces about every `everyMs`: the place to report progress and to let the
   * thread hear messages (a Stop) before reading on.
   */
  pause(model: TraceModel): Promise<void>
  everyMs?: number
  /** The file's size in bytes, where known: the columns are then sized from its first tenth. */
  size?: () => number | null
}

/** Share of a file read before the columns are sized for the whole of it (see TraceModel.reserve). */
const RESERVE_AT = 0.1
/** Files smaller than this are read without sizing: their columns stay small. */
const RESERVE_MIN_BYTES = 1 << 20
/** Room beyond the estimate, for a file whose later part holds more than its first. */
const RESERVE_SLACK = 1.05

export interface BuildResult {
  model: TraceModel
  header: TraceHeader | null
  /** What the reader found wrong, as the host words it (see NdjsonTraceReader.message). */
  message: string | null
  /** Why reading failed part-way (the model holds what was read before), or null. */
  error: string | null
  /** More than `maxEvents` events: the rest were not read. */
  cut: boolean
  /** Ended by `stopped()` before the end of the file. */
  stopped: boolean
}

/** Reads all of `source` into a new model (see BuildOptions for when it ends early). */
export async function buildModel(source: PieceSource, opts: BuildOptions): Promise<BuildResult> {
  const model = new TraceModel()
  const everyMs = opts.everyMs ?? 50
  let taken = 0
  let cut = false
  let stopped = false
  let error: string | null = null
  let pauseAt = performance.now() + everyMs
  let reserved = false
  try {
    for (;;) {
      if (opts.stopped()) {
        stopped = true
        await source.cancel()
        break
      }
      const piece = await source.next()
      if (!piece) break
      if (piece.header) model.setHeader(piece.header)
      let events = piece.events
      if (taken + events.length > opts.maxEvents) {
        events = events.slice(0, Math.max(0, opts.maxEvents - taken))
        cut = true
      }
      model.ingest(events)
      taken += events.length
      if (!reserved) reserved = reserveFor(model, source, opts, taken, events)
      if (cut) {
        await source.cancel()
        break
      }
      if (performance.now() >= pauseAt) {
        await opts.pause(model)
        pauseAt = performance.now() + everyMs
      }
    }
  } catch (e) {
    error = (e as Error).message
  }
  return { model, header: source.header, message: source.message, error, cut, stopped }
}

/**
 * Once the lines of a tenth of a big file are applied, sizes the model's columns for all of
 * it (extrapolated, as far as `maxEvents` lets the read go): one copy each instead of a
 * doubling every time one fills up. Returns whether it has, or never will: a file of agent
 * batches is left to doubling, since a batch line stands for as many events as the loop ran
 * then (a recording's first tenth, mostly tasks being made, sized its columns for two thirds
 * of what came).
 */
function reserveFor(
  model: TraceModel,
  source: PieceSource,
  opts: BuildOptions,
  taken: number,
  events: readonly TraceEvent[]
): boolean {
  for (const e of events) if (e.type === 'batch') return true
  const size = opts.size?.() ?? source.progress.total
  // The size may be told later (a fetched file's first bytes bring it).
  if (size === null) return false
  if (size < RESERVE_MIN_BYTES) return true
  const read = source.progress.parsed
  if (read < size * RESERVE_AT || taken <= 0) return false
  const factor = Math.min(size / read, opts.maxEvents / taken)
  if (factor > 1) model.reserve(factor * RESERVE_SLACK)
  return true
}
