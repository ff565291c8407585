// Reads a saved trace off the page's main thread: the same reader the page would run
// (readHere: fetch or stream the file, parse and check each line), a piece per `more`,
// handed over as columns so the page only builds and applies the events. See
// piece-source.ts for the page's side.

import { ColumnEncoder, columnBuffers } from '@shared/trace-model/event-columns'
import type { FromReader, ToReader } from './protocol'
import { readHere, type TraceInput } from './read-here'

interface WorkerScope {
  postMessage(message: FromReader, transfer?: Transferable[]): void
  onmessage: ((e: MessageEvent<ToReader>) => void) | null
}
const scope = self as unknown as WorkerScope

let credits = 0
let wake: (() => void) | null = null

scope.onmessage = (e) => {
  const m = e.data
  if (m.kind === 'open') void read(m.source, m.lines)
  else if (m.kind === 'more') {
    credits++
    wake?.()
  }
}

async function read(input: TraceInput, lines: number): Promise<void> {
  const source = readHere(input, lines)
  const encoder = new ColumnEncoder()
  let error: string | null = null
  try {
    for (;;) {
      while (credits <= 0) await new Promise<void>((resolve) => (wake = resolve))
      wake = null
      const piece = await source.next()
      if (!piece) break
      for (const event of piece.events) encoder.add(event)
      const events = encoder.finish()
      credits--
      const { read, total } = source.progress
      scope.postMessage({ kind: 'piece', header: piece.header, events, read, total }, columnBuffers(events))
    }
  } catch (e) {
    error = (e as Error).message
  }
  scope.postMessage({ kind: 'end', header: source.header, message: source.message, error })
}
