// The page's side of a trace read in the reader worker (worker-build.ts), against a stand-in
// worker that records what it is sent and answers as the real one does: a file the host serves
// is fetched here and its bytes handed over at most 32 MB ahead of what the worker has taken;
// progress and the finished model come back; Stop asks the worker to end; a worker that fails
// or a read dropped by a newer session resolves to nothing, and the worker is ended each time.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { buildInWorker } from '../../src/renderer/src/trace-reading/worker-build'
import type { FromReader, ToReader } from '../../src/renderer/src/trace-reading/protocol'
import { packModel } from '../../src/shared/trace-model/model-transfer'
import { TraceModel } from '../../src/shared/trace-model/trace-model'
import { loadFixture } from './model-helpers'

class FakeWorker {
  /** Every one made (an ended read starts a spare, which the next read takes). */
  static made: FakeWorker[] = []
  /** The worker the newest read was given. */
  static get reading(): FakeWorker {
    return FakeWorker.made.findLast((w) => w.sent[0]?.kind === 'build')!
  }
  sent: ToReader[] = []
  /** What each message was to move rather than copy. */
  transfers: Transferable[][] = []
  terminated = false
  onmessage: ((e: MessageEvent<FromReader>) => void) | null = null
  onerror: ((e: ErrorEvent) => void) | null = null
  constructor() {
    FakeWorker.made.push(this)
  }
  postMessage(m: ToReader, transfer: Transferable[] = []): void {
    this.sent.push(m)
    this.transfers.push(transfer)
  }
  terminate(): void {
    this.terminated = true
  }
  answer(m: FromReader): void {
    this.onmessage?.({ data: m } as MessageEvent<FromReader>)
  }
  bytesSent(): number {
    return this.sent.reduce((n, m) => n + (m.kind === 'bytes' ? m.chunk.byteLength : 0), 0)
  }
}

const MB = 1024 * 1024

/** A response of `chunks` chunks of 1 MB each, with its length. */
function serve(chunks: number): void {
  let i = 0
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i++ < chunks) c.enqueue(new Uint8Array(MB).fill(i))
      else c.close()
    }
  })
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => new Response(body, { headers: { 'content-length': String(chunks * MB) } }))
  )
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20))

beforeEach(() => {
  vi.stubGlobal('Worker', FakeWorker)
})
afterEach(() => {
  vi.unstubAllGlobals()
})

describe('a trace read in the reader worker, from the page', () => {
  it('hands the fetched bytes over at most 32 MB ahead of what the worker took, and ends them', async () => {
    serve(40)
    const build = buildInWorker({ url: 'http://host/trace/1' }, 4000, 5_000_000)!
    const worker = FakeWorker.reading
    expect(worker.sent[0]).toEqual({ kind: 'build', source: 'pushed', lines: 4000, maxEvents: 5_000_000 })
    await settle()
    // 33 MB sent: the pump waits once more than 32 MB are not yet taken.
    expect(worker.bytesSent()).toBe(33 * MB)
    expect(worker.sent.some((m) => m.kind === 'bytes-end')).toBe(false)
    worker.answer({ kind: 'taken', bytes: 10 * MB })
    await settle()
    expect(worker.bytesSent()).toBe(40 * MB)
    expect(worker.sent.at(-1)).toEqual({ kind: 'bytes-end', error: null })
    const totals = worker.sent.flatMap((m) => (m.kind === 'bytes' ? [m.total] : []))
    expect(new Set(totals)).toEqual(new Set([40 * MB]))
    build.cancel()
    expect(await build.done).toBeNull()
    expect(worker.terminated).toBe(true)
  })

  it('reads a fetched body into buffers of its own, moves them to the worker, and reads on into those the worker hands back', async () => {
    const file = new Uint8Array(40 * MB).map((_, i) => i % 251)
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(file, { headers: { 'content-length': String(file.length) } }))
    )
    buildInWorker({ url: 'http://host/trace/1' }, 4000, 5_000_000)
    const worker = FakeWorker.reading
    await settle()
    const chunks = (): Uint8Array[] => worker.sent.flatMap((m) => (m.kind === 'bytes' ? [m.chunk] : []))
    expect(worker.bytesSent()).toBeGreaterThan(32 * MB)
    // Each chunk is moved with its buffer, a megabyte of the page's own.
    worker.sent.forEach((m, i) => {
      if (m.kind === 'bytes') expect(worker.transfers[i]).toEqual([m.chunk.buffer])
    })
    expect(new Set(chunks().map((c) => c.buffer.byteLength))).toEqual(new Set([MB]))
    // The worker hands two buffers back (in the real one they arrive moved, as new objects).
    const spent = [new ArrayBuffer(MB), new ArrayBuffer(MB)]
    worker.answer({ kind: 'taken', bytes: 8 * MB, spent: spent[0] })
    worker.answer({ kind: 'taken', bytes: 9 * MB, spent: spent[1] })
    await settle()
    // Reading into a buffer moves it into the chunk read (leaving the one given detached).
    expect(spent.map((b) => b.byteLength)).toEqual([0, 0])
    expect(worker.sent.at(-1)).toEqual({ kind: 'bytes-end', error: null })
    const all = new Uint8Array(worker.bytesSent())
    let at = 0
    for (const c of chunks()) {
      all.set(c, at)
      at += c.byteLength
    }
    expect(Buffer.compare(all, file)).toBe(0)
  })

  it('says what the host answered when it refuses the file', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('no', { status: 404, statusText: 'Not Found' }))
    )
    buildInWorker({ url: 'http://host/trace/1' }, 4000, 10)
    await settle()
    expect(FakeWorker.reading.sent.at(-1)).toEqual({
      kind: 'bytes-end',
      error: 'the host answered 404 Not Found'
    })
  })

  it('passes a dropped file to the worker to read itself', () => {
    const file = new Blob(['x'])
    buildInWorker({ file }, 100, 10)
    expect(FakeWorker.reading.sent).toEqual([{ kind: 'build', source: { file }, lines: 100, maxEvents: 10 }])
  })

  it('reports progress, asks the worker to stop, and resolves with the model it handed over', async () => {
    const build = buildInWorker({ file: new Blob(['x']) }, 100, 10)!
    const worker = FakeWorker.reading
    const seen: number[] = []
    build.onProgress = () => seen.push(build.progress.events)
    worker.answer({ kind: 'progress', read: 10, total: 100, events: 7 })
    expect(build.progress).toEqual({ read: 10, total: 100, events: 7 })
    expect(seen).toEqual([7])
    build.stop()
    expect(worker.sent.at(-1)).toEqual({ kind: 'stop' })

    const model = loadFixture('model-recorded-welcome.ndjson')
    const expected = loadFixture('model-recorded-welcome.ndjson')
    const { packed, transfer } = packModel(model)
    const header = expected.header
    worker.answer({
      kind: 'model',
      model: structuredClone(packed, { transfer }),
      header,
      message: null,
      error: null,
      cut: false,
      stopped: true
    })
    const built = await build.done
    expect(built?.stopped).toBe(true)
    expect(built?.model).toBeInstanceOf(TraceModel)
    expect(built?.model).toStrictEqual(expected)
    expect(worker.terminated).toBe(true)
  })

  it('resolves to nothing when the worker fails or cannot hand its model over, so the page reads the file', async () => {
    const failing = buildInWorker({ file: new Blob(['x']) }, 100, 10)!
    FakeWorker.reading.onerror?.({ preventDefault: () => {} } as ErrorEvent)
    expect(await failing.done).toBeNull()
    expect(FakeWorker.reading.terminated).toBe(true)

    const unpackable = buildInWorker({ file: new Blob(['x']) }, 100, 10)!
    const w = FakeWorker.reading
    w.answer({
      kind: 'model',
      model: null,
      header: null,
      message: null,
      error: null,
      cut: false,
      stopped: false
    })
    expect(await unpackable.done).toBeNull()
  })
})
