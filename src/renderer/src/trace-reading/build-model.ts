// A saved trace read into a TraceModel of its own, start to finish, on the thread that asks:
// the reader worker does this and hands the page the finished model (model-transfer.ts), so
// the page applies none of a big trace's events itself. Plain TypeScript: tests run it in Node.

import type { TraceHeader } from '@shared/trace-types'
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
}

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
