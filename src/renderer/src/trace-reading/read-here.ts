// A trace read as text, a piece of checked events at a time, on the thread that asks: the
// reader worker runs it, and so does the page where no worker can be started. The file is a
// dropped one, or the one the web host serves for a trace it was asked to open.

import type { TraceHeader } from '@shared/trace-types'
import { NdjsonTraceReader, type NdjsonPiece } from '@shared/trace-model/ndjson-reader'

export type TraceInput = { url: string } | { file: Blob }

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
   * How much of the file had been read when the last piece was made, and the file's size in
   * bytes (null where the source did not say). `read` counts the text's UTF-16 units, no
   * more than its bytes: exact for the ASCII the agent writes.
   */
  readonly progress: { read: number; total: number | null }
}

/** Reads `input` on this thread, `lines` lines a piece; nothing is opened before the first `next`. */
export function readHere(input: TraceInput, lines: number): PieceSource {
  const reader = new NdjsonTraceReader()
  let it: ReadableStreamDefaultReader<string> | null = null
  let ended = false
  const progress = { read: 0, total: null as number | null }
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
        const text = await openText(input)
        progress.total = text.size
        it = text.stream.getReader()
      }
      while (!reader.hasLines) {
        const { value, done } = await it.read()
        if (done) {
          ended = true
          const last = reader.end()
          return last.header || last.events.length ? last : null
        }
        progress.read += value.length
        reader.feed(value)
      }
      return reader.next(lines)
    },
    async cancel() {
      ended = true
      await it?.cancel()
    }
  }
}

/** The trace's text as it streams in, and its size in bytes if known; a host that refuses the file is an error. */
async function openText(input: TraceInput): Promise<{ stream: ReadableStream<string>; size: number | null }> {
  if ('file' in input)
    return { stream: input.file.stream().pipeThrough(new TextDecoderStream()), size: input.file.size }
  const res = await fetch(input.url, { cache: 'no-store' })
  if (!res.ok || !res.body) throw new Error(`the host answered ${res.status} ${res.statusText}`.trim())
  const length = Number(res.headers.get('content-length'))
  return {
    stream: res.body.pipeThrough(new TextDecoderStream()),
    size: Number.isFinite(length) && length > 0 ? length : null
  }
}
