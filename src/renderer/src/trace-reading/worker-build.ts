// A saved trace read in the page's reader worker (reader.worker.ts): the worker reads the file
// and applies its events to a model of its own, reporting how far it has got, and hands the
// page the finished model. The page's main thread only takes it over. Where no worker can be
// started, or its script does not load, the session store reads the file on the page instead
// (read-here.ts) and applies it piece by piece.
//
// A file the web host serves is fetched here and its bytes handed to the worker as they
// arrive. Fetched in the worker, the response waited in a pipe of about a megabyte that only
// the worker empties, between its tasks of up to a few hundred milliseconds; the fetch stalled
// whenever it was full, and the worker then waited on it: 1.3 s of a 1 M-event open. The
// bytes are read into buffers of the page's own, which the worker hands back (READ_BYTES).

import { unpackModel } from '@shared/trace-model/model-transfer'
import type { TraceModel } from '@shared/trace-model/trace-model'
import type { BuildResult } from './build-model'
import type { FromReader, ToReader } from './protocol'
import { fetchTrace, type TraceInput } from './read-here'

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

export interface WorkerBuild {
  /** How far the worker has got: the file read, its size (null where unknown), events applied. */
  readonly progress: { read: number; total: number | null; events: number }
  /** Called at each progress report (about every 50 ms). */
  onProgress: (() => void) | null
  /** The model with what has been read so far, as soon as the worker can end. */
  stop(): void
  /** Drops the read (a newer session took over): `done` resolves to null. */
  cancel(): void
  /**
   * The finished model; null when the worker could not read the trace or hand its model
   * over (read it on the page instead) or the read was cancelled.
   */
  readonly done: Promise<BuildResult | null>
}

/** Bytes fetched and handed to the worker that it has not taken yet, at most. */
const BYTES_AHEAD = 32 * 1024 * 1024

/**
 * Bytes read at a time from a fetched file into a buffer of the page's own. The browser hands
 * a fetched file over in fresh buffers of up to 2 MB, memory written for the first time (on a
 * VM here 12-15 µs a page): reading the 88 MB synthetic trace so took 48 k page faults and
 * 0.58 s in a lab page, read into one buffer over and over 27 k and 0.37 s.
 */
const READ_BYTES = 1024 * 1024

/** Reads a fetched body a chunk at a time; `own`: every chunk is in a buffer of ours. */
interface ChunkReader {
  read(): Promise<ReadableStreamReadResult<Uint8Array>>
  cancel(): Promise<void>
  own: boolean
}

/**
 * A reader that fills buffers of ours where the stream can (a fetched body can): one the
 * worker has handed back (`spare`) where there is one, as each buffer the browser makes for a
 * chunk is memory written for the first time (see READ_BYTES). Otherwise the stream's own.
 */
function chunkReader(stream: ReadableStream<Uint8Array>, spare: ArrayBuffer[]): ChunkReader {
  let byob: ReadableStreamBYOBReader
  try {
    byob = stream.getReader({ mode: 'byob' })
  } catch {
    const plain = stream.getReader()
    return { read: () => plain.read(), cancel: () => plain.cancel(), own: false }
  }
  return {
    read: () => byob.read(new Uint8Array(spare.pop() ?? new ArrayBuffer(READ_BYTES))),
    cancel: () => byob.cancel(),
    own: true
  }
}

/** Reads `input` in a worker into a model; null where no worker can be started. */
export function buildInWorker(input: TraceInput, lines: number, maxEvents: number): WorkerBuild | null {
  if (typeof Worker !== 'function') return null
  const worker = takeWorker()
  return worker ? new Build(worker, input, lines, maxEvents) : null
}

class Build implements WorkerBuild {
  readonly progress = { read: 0, total: null as number | null, events: 0 }
  onProgress: (() => void) | null = null
  readonly done: Promise<BuildResult | null>
  private worker: Worker | null
  private settle: ((b: BuildResult | null) => void) | null = null
  /** Of a fetched file: bytes handed to the worker, and bytes it has taken. */
  private sent = 0
  private taken = 0
  private wakePump: (() => void) | null = null
  /** Buffers the worker has handed back, to read the next bytes into (see pump). */
  private readonly spare: ArrayBuffer[] = []

  constructor(worker: Worker, input: TraceInput, lines: number, maxEvents: number) {
    this.worker = worker
    this.done = new Promise((resolve) => (this.settle = resolve))
    worker.onmessage = (e: MessageEvent<FromReader>) => {
      const m = e.data
      if (m.kind === 'taken') {
        this.taken = m.bytes
        if (m.spent?.byteLength === READ_BYTES) this.spare.push(m.spent)
        this.wake()
        return
      }
      if (m.kind === 'progress') {
        this.progress.read = m.read
        this.progress.total = m.total
        this.progress.events = m.events
        this.onProgress?.()
        return
      }
      let model: TraceModel | null = null
      try {
        model = m.model ? unpackModel(m.model) : null
      } catch (err) {
        console.error(err)
      }
      this.end(
        model && {
          model,
          header: m.header,
          message: m.message,
          error: m.error,
          cut: m.cut,
          stopped: m.stopped
        }
      )
    }
    worker.onerror = (e) => {
      // The script did not load, or the worker failed: the page reads the file instead.
      e.preventDefault()
      this.end(null)
    }
    if ('url' in input) {
      this.post({ kind: 'build', source: 'pushed', lines, maxEvents })
      void this.pump(input.url)
    } else if ('file' in input) this.post({ kind: 'build', source: input, lines, maxEvents })
    else throw new Error('buildInWorker: a stream is read on the page')
  }

  /** Fetches `url` and hands its bytes to the worker as they arrive, at most BYTES_AHEAD ahead of it. */
  private async pump(url: string): Promise<void> {
    let error: string | null = null
    try {
      const { stream, size: total } = await fetchTrace(url)
      const chunks = chunkReader(stream, this.spare)
      for (;;) {
        while (this.worker && this.sent - this.taken > BYTES_AHEAD)
          await new Promise<void>((resolve) => (this.wakePump = resolve))
        if (!this.worker) {
          await chunks.cancel()
          return
        }
        const { value, done } = await chunks.read()
        if (done || !value) break
        this.sent += value.byteLength
        // A chunk read into one of our buffers, or that is all of its buffer, moves to the
        // worker; any other is copied.
        const own = chunks.own || (value.byteOffset === 0 && value.byteLength === value.buffer.byteLength)
        this.worker?.postMessage(
          { kind: 'bytes', chunk: value, total } satisfies ToReader,
          own ? [value.buffer] : []
        )
      }
    } catch (e) {
      error = (e as Error).message
    }
    this.post({ kind: 'bytes-end', error })
  }

  private wake(): void {
    const w = this.wakePump
    this.wakePump = null
    w?.()
  }

  stop(): void {
    this.post({ kind: 'stop' })
  }

  cancel(): void {
    this.end(null)
  }

  private post(m: ToReader): void {
    this.worker?.postMessage(m)
  }

  private end(result: BuildResult | null): void {
    if (this.worker) {
      this.worker.terminate()
      this.worker = null
      this.wake()
      // The file is read: the next open's worker may start now.
      prepareReader()
    }
    const settle = this.settle
    this.settle = null
    settle?.(result)
  }
}
