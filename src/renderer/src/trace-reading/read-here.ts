// A trace read as text, a piece of checked events at a time, on the thread that asks: the
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
   * its lines and those before it came from (the text read and not parsed yet counted in
   * characters: as bytes, for the ASCII a trace mostly is), and the file's size in bytes (null
   * where the source did not say).
   */
  readonly progress: { read: number; parsed: number; total: number | null }
}

/**
 * Bytes decoded into one string at most. A browser hands a fetched file over in pieces of up
 * to 2 MB; decoded whole, each is a large object in memory the engine has not touched before
 * (on a VM here a megabyte of that cost ~2.6 ms in page faults, more than decoding it), and
 * joined to the last piece's unfinished line it is copied once more. Windows this small stay
 * in the young generation: parsing the 1 M-event synthetic trace took 0.6-0.7 s in Node
 * where 2 MB pieces took 1.2-1.8 s.
 */
const DECODE_WINDOW = 64 * 1024

/** Whether every byte is below 0x80. */
function isAscii(bytes: Uint8Array): boolean {
  let i = 0
  if ((bytes.byteOffset & 3) === 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2)
    for (let w = 0; w < words.length; w++) if (words[w] & 0x80808080) return false
    i = words.length << 2
  }
  for (; i < bytes.length; i++) if (bytes[i] & 0x80) return false
  return true
}

/** Characters for ASCII bytes, at most this many per call (a call's arguments are bounded). */
const CHARS_PER_CALL = 8192

/**
 * ASCII bytes as a string, made by the engine itself. TextDecoder's strings live in memory
 * the browser allocates for them, which in the reader worker was memory written for the first
 * time: decoding the 88 MB synthetic trace took ~22 k page faults (12-15 µs each on a VM
 * here), made this way none (docs/performance.md, tenth session).
 */
function asciiText(bytes: Uint8Array): string {
  let text = ''
  for (let p = 0; p < bytes.length; p += CHARS_PER_CALL) {
    const part = bytes.subarray(p, Math.min(bytes.length, p + CHARS_PER_CALL))
    text += String.fromCharCode.apply(null, part as unknown as number[])
  }
  return text
}

/** Reads `input` on this thread, `lines` lines a piece; nothing is opened before the first `next`. */
export function readHere(input: TraceInput, lines: number): PieceSource {
  const reader = new NdjsonTraceReader()
  const decoder = new TextDecoder()
  let it: ReadableStreamDefaultReader<Uint8Array> | null = null
  /** The bytes read and not decoded yet start at `at` of `chunk`. */
  let chunk: Uint8Array | null = null
  let at = 0
  let flushed = false
  let ended = false
  const progress = { read: 0, parsed: 0, total: null as number | null }

  /** Feeds the reader the next window of the file's text; false once there is none. */
  async function feedWindow(bytes: ReadableStreamDefaultReader<Uint8Array>): Promise<boolean> {
    while (!chunk || at >= chunk.length) {
      const { value, done } = await bytes.read()
      if (done) {
        if (flushed) return false
        // An unfinished character at the very end decodes as U+FFFD, as TextDecoderStream's would.
        flushed = true
        reader.feed(decoder.decode())
        return true
      }
      chunk = value
      at = 0
    }
    const end = Math.min(chunk.length, at + DECODE_WINDOW)
    const part = chunk.subarray(at, end)
    // An ASCII window cannot finish a character the last one began: flushing the decoder
    // gives the U+FFFD it would give for that (or nothing), as decoding on would.
    const text = isAscii(part) ? decoder.decode() + asciiText(part) : decoder.decode(part, { stream: true })
    progress.read += end - at
    at = end
    reader.feed(text)
    return true
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
        else if (await feedWindow(it)) continue
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
