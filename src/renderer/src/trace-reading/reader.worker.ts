// Reads a saved trace off the page's main thread: fetches or streams the file, parses and
// checks each line (NdjsonTraceReader), and hands the events over as columns, a piece per
// `more`, so the page only builds and applies them. See piece-source.ts for the page's side.

import { NdjsonTraceReader, type NdjsonPiece } from '@shared/trace-model/ndjson-reader'
import { ColumnEncoder, columnBuffers } from '@shared/trace-model/event-columns'
import type { FromReader, ToReader } from './protocol'

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

async function read(source: { url: string } | { file: Blob }, lines: number): Promise<void> {
  const reader = new NdjsonTraceReader()
  try {
    const text = await open(source)
    const it = text.getReader()
    const encoder = new ColumnEncoder()
    const send = (piece: NdjsonPiece): void => {
      for (const event of piece.events) encoder.add(event)
      const events = encoder.finish()
      credits--
      scope.postMessage({ kind: 'piece', header: piece.header, events }, columnBuffers(events))
    }
    for (;;) {
      if (!reader.hasLines) {
        const { value, done } = await it.read()
        if (done) break
        reader.feed(value)
        continue
      }
      while (credits <= 0) await new Promise<void>((resolve) => (wake = resolve))
      wake = null
      send(reader.next(lines))
    }
    const last = reader.end()
    if (last.header || last.events.length) {
      while (credits <= 0) await new Promise<void>((resolve) => (wake = resolve))
      send(last)
    }
    scope.postMessage({ kind: 'end', header: reader.header, message: reader.message, error: null })
  } catch (e) {
    scope.postMessage({
      kind: 'end',
      header: reader.header,
      message: reader.message,
      error: (e as Error).message
    })
  }
}

async function open(source: { url: string } | { file: Blob }): Promise<ReadableStream<string>> {
  if ('file' in source) return source.file.stream().pipeThrough(new TextDecoderStream())
  const res = await fetch(source.url, { cache: 'no-store' })
  if (!res.ok || !res.body) throw new Error(`the host answered ${res.status} ${res.statusText}`.trim())
  return res.body.pipeThrough(new TextDecoderStream())
}
