// The page's reader of a trace file (run by the reader worker): bytes decoded a window at a
// time, handed out in pieces of a given number of events. Whatever the windows cut (a line,
// a multi-byte character), it must read exactly what the host's reader reads.
import { describe, expect, it } from 'vitest'
import { readHere, type PieceSource } from '../../src/renderer/src/trace-reading/read-here'
import { parseTraceText } from '../../src/host/trace-reader'
import { TRACE_HEADER_LINE } from '../fixtures/host-helpers'
import type { TraceEvent, TraceHeader } from '../../src/shared/trace-types'

async function readAll(source: PieceSource): Promise<{ header: TraceHeader | null; pieces: TraceEvent[][] }> {
  let header: TraceHeader | null = null
  const pieces: TraceEvent[][] = []
  for (;;) {
    const piece = await source.next()
    if (!piece) return { header, pieces }
    header ??= piece.header
    pieces.push(piece.events)
  }
}

const notice = (t: number, message: string): string =>
  JSON.stringify({ type: 'notice', t, level: 'info', message })

describe("the page's trace file reader", () => {
  it('reads a file of a few hundred kilobytes, multi-byte characters across every window edge and lines longer than a window, as the host does, in pieces of the size asked', async () => {
    const lines = [TRACE_HEADER_LINE]
    for (let i = 0; i < 3000; i++) lines.push(notice(i, 'ä→😀'.repeat(i % 41) + 'x'.repeat((i * 7919) % 211)))
    lines.splice(1500, 0, notice(1499.5, '世'.repeat(50_000)))
    const text = lines.join('\n') + '\n'
    const bytes = new TextEncoder().encode(text)
    expect(bytes.length).toBeGreaterThan(400_000)
    const source = readHere({ file: new Blob([bytes]) }, 700)
    const { header, pieces } = await readAll(source)
    const host = parseTraceText(text)
    expect(header).toEqual(host.header)
    expect(pieces.flat()).toEqual(host.events)
    // Every piece but the last holds as many events as asked.
    expect(pieces.slice(0, -1).every((p) => p.length === 700)).toBe(true)
    expect(source.progress).toEqual({ read: bytes.length, parsed: bytes.length, total: bytes.length })
    expect(source.message).toBeNull()
  })

  it('reads windows all of ASCII and windows that are not, a character cut by a window edge and a broken one before an ASCII window, as the WHATWG decoder reads the whole file', async () => {
    const WINDOW = 64 * 1024
    const lines = [TRACE_HEADER_LINE]
    for (let i = 0; i < 100; i++) lines.push(notice(i, 'x'.repeat(4000)))
    const bytes = new TextEncoder().encode(lines.join('\n') + '\n')
    expect(bytes.length).toBeGreaterThan(5 * WINDOW)
    const x = 'x'.charCodeAt(0)
    const put = (at: number, ...values: number[]): void => {
      values.forEach((_, k) => expect(bytes[at + k]).toBe(x))
      bytes.set(values, at)
    }
    // A euro sign whose first byte ends the second window: the third starts inside it.
    put(2 * WINDOW - 1, 0xe2, 0x82, 0xac)
    // A lead byte that ends the fourth window with no continuation: the fifth is all ASCII.
    put(4 * WINDOW - 1, 0xe2)
    // A whole character inside the first window only.
    put(1000, 0xc3, 0xa4)
    const text = new TextDecoder().decode(bytes)
    expect(text).toContain('€')
    expect(text).toContain('\ufffd')
    const { pieces } = await readAll(readHere({ file: new Blob([bytes]) }, 7))
    expect(pieces.flat()).toEqual(parseTraceText(text).events)
  })

  it('reads a file that ends in the middle of a character, or with a last line that has no newline: what is whole is read', async () => {
    const head = new TextEncoder().encode(
      `${TRACE_HEADER_LINE}\n${notice(1, 'ok')}\n{"type":"notice","t":2,"level":"info","message":"a`
    )
    const euro = new TextEncoder().encode('€')
    const tail = new TextEncoder().encode('"}')
    // The message's last character is the first two of the euro sign's three bytes.
    const cut = new Uint8Array([...head, ...euro.subarray(0, 2)])
    const { pieces } = await readAll(readHere({ file: new Blob([cut]) }, 100))
    expect(pieces.flat().map((e) => (e as { message?: string }).message)).toEqual(['ok'])
    const whole = new Uint8Array([...head, ...euro, ...tail])
    const read = await readAll(readHere({ file: new Blob([whole]) }, 100))
    expect(read.pieces.flat().map((e) => (e as { message?: string }).message)).toEqual(['ok', 'a€'])
  })

  it('skips a line longer than 8 MB, says on which line, and reads on', async () => {
    const text = `${TRACE_HEADER_LINE}\n${notice(1, 'x'.repeat(9 * 1024 * 1024))}\n${notice(2, 'after')}\n`
    const source = readHere({ file: new Blob([text]) }, 100)
    const { pieces } = await readAll(source)
    expect(pieces.flat().map((e) => (e as { message?: string }).message)).toEqual(['after'])
    expect(source.message).toMatch(/line 2/)
  })
})
