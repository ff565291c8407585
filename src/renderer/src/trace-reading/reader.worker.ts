// Reads a saved trace off the page's main thread, into a model of its own (build-model.ts),
// and hands the page the finished model (model-transfer.ts): the page then applies none of
// its events. Reports how far it has got every ~50 ms, and ends early on a `stop`. A file the
// web host serves is fetched by the page, which hands its bytes over as they arrive (see
// worker-build.ts for the page's side and why).

import { packModel } from '@shared/trace-model/model-transfer'
import type { FromReader, ToReader } from './protocol'
import { buildModel } from './build-model'
import { readHere, type TraceInput } from './read-here'

interface WorkerScope {
  postMessage(message: FromReader, transfer?: Transferable[]): void
  onmessage: ((e: MessageEvent<ToReader>) => void) | null
}
const scope = self as unknown as WorkerScope

let stopAsked = false

/** The bytes of a pushed trace as the page sends them, taken a chunk at a time. */
const pushed = {
  chunks: [] as Uint8Array[],
  ended: false,
  error: null as string | null,
  total: null as number | null,
  taken: 0,
  /** The chunk the reader took last: read to its end once it asks for the next. */
  last: null as Uint8Array | null,
  wake: null as (() => void) | null
}

scope.onmessage = (e) => {
  const m = e.data
  if (m.kind === 'build') {
    const input: TraceInput = m.source === 'pushed' ? { stream: pushedStream(), size: null } : m.source
    void build(input, m.lines, m.maxEvents)
  } else if (m.kind === 'bytes') {
    pushed.chunks.push(m.chunk)
    pushed.total = m.total
    wakePushed()
  } else if (m.kind === 'bytes-end') {
    pushed.ended = true
    pushed.error = m.error
    wakePushed()
  } else if (m.kind === 'stop') stopAsked = true
}

function wakePushed(): void {
  const w = pushed.wake
  pushed.wake = null
  w?.()
}

/** The pushed bytes as a stream, telling the page how much it has taken so it sends more. */
function pushedStream(): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // The reader asks for a chunk only once it has parsed the last one's lines, keeping
        // copies of what it holds on to (ndjson-reader.ts): its buffer goes back to the page,
        // which may be about to read the bytes this waits for.
        const spent = pushed.last?.buffer
        pushed.last = null
        if (spent instanceof ArrayBuffer && spent.byteLength > 0)
          scope.postMessage({ kind: 'taken', bytes: pushed.taken, spent }, [spent])
        while (!pushed.chunks.length && !pushed.ended) await new Promise<void>((r) => (pushed.wake = r))
        const chunk = pushed.chunks.shift()
        if (chunk) {
          pushed.taken += chunk.byteLength
          pushed.last = chunk
          scope.postMessage({ kind: 'taken', bytes: pushed.taken })
          controller.enqueue(chunk)
        } else if (pushed.error) controller.error(new Error(pushed.error))
        else controller.close()
      }
    },
    { highWaterMark: 0 }
  )
}

/** Lets this worker hear the page's messages (a task boundary, without a timer's clamping). */
const channel = new MessageChannel()
const heard: (() => void)[] = []
channel.port1.onmessage = () => heard.shift()?.()
function turn(): Promise<void> {
  return new Promise((resolve) => {
    heard.push(resolve)
    channel.port2.postMessage(null)
  })
}

async function build(input: TraceInput, lines: number, maxEvents: number): Promise<void> {
  const source = readHere(input, lines)
  const report = (events: number): void => {
    const { read } = source.progress
    const total = source.progress.total ?? pushed.total
    scope.postMessage({ kind: 'progress', read, total, events })
  }
  const r = await buildModel(source, {
    maxEvents,
    stopped: () => stopAsked,
    size: () => source.progress.total ?? pushed.total,
    pause: async (model) => {
      report(model.eventCount)
      await turn()
    }
  })
  report(r.model.eventCount)
  const done = {
    kind: 'model',
    header: r.header,
    message: r.message,
    error: r.error,
    cut: r.cut,
    stopped: r.stopped
  } as const
  try {
    const { packed, transfer } = packModel(r.model)
    scope.postMessage({ ...done, model: packed }, transfer)
  } catch (e) {
    // A model that cannot be handed over is a bug, not the file's fault: the page reads it.
    console.error(e)
    scope.postMessage({ ...done, model: null })
  }
}
