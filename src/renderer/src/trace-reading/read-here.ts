// A trace read from its bytes, a piece of checked events at a time, on the thread that asks: the
// reader worker runs it, and so does the page where no worker can be started. The file is a
// dropped one, or the one the web host serves for a trace it was asked to open.

import type { TraceEvent, TraceHeader } from '@shared/trace-types'
import { NdjsonTraceReader, type NdjsonPiece } from '@shared/trace-model/ndjson-reader'

/** A file the web host serves, a dropped one, or bytes handed over as they come (the reader worker's). */
export type TraceInput =
  { url: string } | { file: Blob } | { stream: ReadableStream<Uint8Array>; size: number | null }

export interface PieceSource {
  /** The next piece of events (and the header, in the piece that holds it); null at the end. */
  next(): Promise<NdjsonPiece | null>
  /** The trace's header line, once read. */
  readonly header: TraceHeader | null
  /** What the reader found wrong, as the host words it (see NdjsonTraceReader.message). */
  readonly message: string | null
  /** Stops reading; no piece follows. */
  cancel(): Promise<void>
  /**
   * How many bytes of the file had been read when the last piece was made, how many of them
   * its lines and those before it came from, and the file's size in bytes (null where the
   * source did not say).
   */
  readonly progress: { read: number; parsed: number; total: number | null }
}

/** Reads `input` on this thread, `lines` lines a piece; nothing is opened before the first `next`. */
export function readHere(input: TraceInput, lines: number): PieceSource {
  const reader = new NdjsonTraceReader()
  let it: ReadableStreamDefaultReader<Uint8Array> | null = null
  let ended = false
  const progress = { read: 0, parsed: 0, total: null as number | null }

  /** Feeds the reader the next chunk of the file's bytes; false once there is none. */
  async function feedChunk(bytes: ReadableStreamDefaultReader<Uint8Array>): Promise<boolean> {
    for (;;) {
      const { value, done } = await bytes.read()
      if (done) return false
      if (value.length === 0) continue
      progress.read += value.length
      reader.feed(value)
      return true
    }
  }

  return {
    progress,
    get header() {
      return reader.header
    },
    get message() {
      return reader.message
    },
    async next() {
      if (ended) return null
      if (!it) {
        const file = await openBytes(input)
        progress.total = file.size
        it = file.stream.getReader()
      }
      // Up to `lines` lines a piece, from as many windows as they take.
      let header: TraceHeader | null = null
      const events: TraceEvent[] = []
      while (events.length < lines) {
        let piece: NdjsonPiece
        if (reader.hasLines) piece = reader.next(lines - events.length)
        else if (await feedChunk(it)) continue
        else {
          ended = true
          piece = reader.end()
        }
        header ??= piece.header
        for (const e of piece.events) events.push(e)
        if (ended) break
      }
      progress.parsed = Math.max(0, progress.read - reader.unparsed)
      return header || events.length ? { header, events } : null
    },
    async cancel() {
      ended = true
      await it?.cancel()
    }
  }
}

/** The trace's bytes as they stream in, and its size if known; a host that refuses the file is an error. */
async function openBytes(
  input: TraceInput
): Promise<{ stream: ReadableStream<Uint8Array>; size: number | null }> {
  if ('file' in input) return { stream: input.file.stream(), size: input.file.size }
  if ('stream' in input) return input
  return fetchTrace(input.url)
}

/** A trace the web host serves, as its bytes stream in, and its size if the host said; a refusal is an error. */
export async function fetchTrace(
  url: string
): Promise<{ stream: ReadableStream<Uint8Array>; size: number | null }> {
  const res = await fetch(url, { cache: 'no-store' })
  if (!res.ok || !res.body) throw new Error(`the host answered ${res.status} ${res.statusText}`.trim())
  const length = Number(res.headers.get('content-length'))
  return { stream: res.body, size: Number.isFinite(length) && length > 0 ? length : null }
}
