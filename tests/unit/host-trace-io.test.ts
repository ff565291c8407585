import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseTraceText, readTraceFile } from '../../src/host/trace-reader'
import { TraceWriter } from '../../src/host/trace-writer'
import type { TraceEvent, TraceHeader } from '../../src/shared/trace-types'
import { scratchDir } from '../fixtures/host-helpers'

const header: TraceHeader = {
  type: 'header',
  format: 'loopscope-trace',
  version: 1,
  python: '3.11.7',
  pid: 42,
  argv: ['a.py'],
  script: '/a.py',
  started: '2026-01-01T00:00:00Z'
}
const fallback = (): TraceHeader => ({ ...header, python: 'unknown', pid: 0 })
const dir = scratchDir()

describe('trace writer', () => {
  it('writes the header first even when events arrive before it, and reads back identically', async () => {
    const path = join(dir, 'a.ndjson')
    const w = new TraceWriter(path, {
      fallbackHeader: fallback,
      host: { loopscope: '0.1.0', platform: 'linux' }
    })
    const early: TraceEvent = { type: 'output', t: 0, stream: 'stdout', data: 'early\n' }
    w.event(early)
    w.header(header)
    const events: TraceEvent[] = [early]
    for (let i = 0; i < 5000; i++) {
      const e: TraceEvent = { type: 'tick.begin', t: i / 1000, loop: 1, tick: i }
      events.push(e)
      w.event(e)
    }
    const summary = w.close()
    expect(summary).toMatchObject({ events: 5001, error: null, droppedOutputBytes: 0 })
    const read = await readTraceFile(path)
    expect(read.message).toBeNull()
    expect(read.header).toEqual({ ...header, host: { loopscope: '0.1.0', platform: 'linux' } })
    expect(read.events).toEqual(events)
  })

  it('writes the agent’s lines as the bytes they arrived as, in order with the host’s events', () => {
    const path = join(dir, 'bytes.ndjson')
    const w = new TraceWriter(path, { fallbackHeader: fallback })
    w.header(header)
    const lines = [
      '{"type":"tick.begin","t":1,"loop":1,"tick":1}',
      '{"type":"tick.begin","t":"skipped"}',
      '{"type":"tick.end","t":2,"loop":1,"tick":1}',
      '{"type":"loop.stop","t":3,"loop":1}'
    ]
    // Over the writer's flush size, so some of it is written before close.
    const chunks = Array.from({ length: 4000 }, () => Buffer.from(lines.join('\n') + '\n'))
    const expected: string[] = [JSON.stringify(header)]
    for (const [k, chunk] of chunks.entries()) {
      let at = 0
      for (const line of lines) {
        if (!line.includes('skipped')) {
          w.event(JSON.parse(line) as TraceEvent, line, chunk, at)
          expected.push(line)
        }
        at += line.length + 1
      }
      if (k % 1000 === 0) {
        const output: TraceEvent = { type: 'output', t: 3, stream: 'stdout', data: `k=${k} é\n` }
        w.event(output)
        expected.push(JSON.stringify(output))
      }
    }
    const summary = w.close()
    expect(summary.error).toBeNull()
    expect(readFileSync(path, 'utf8')).toBe(expected.join('\n') + '\n')
    expect(summary.bytes).toBe(Buffer.byteLength(expected.join('\n') + '\n'))
  })

  it('writes a host header when the agent never sent one', async () => {
    const path = join(dir, 'b.ndjson')
    const w = new TraceWriter(path, { fallbackHeader: fallback })
    w.event({ type: 'notice', t: 0, level: 'error', message: 'Python interpreter not found: x' })
    w.close()
    const read = await readTraceFile(path)
    expect(read.header?.python).toBe('unknown')
    expect(read.events).toHaveLength(1)
  })

  it('keeps program output up to its cap and says how much it dropped', async () => {
    const path = join(dir, 'c.ndjson')
    const w = new TraceWriter(path, { fallbackHeader: fallback, maxOutputBytes: 10 })
    w.header(header)
    w.event({ type: 'output', t: 0, stream: 'stdout', data: '12345' })
    w.event({ type: 'output', t: 0, stream: 'stdout', data: '678901' })
    w.event({ type: 'tick.begin', t: 1, loop: 1, tick: 1 })
    expect(w.close().droppedOutputBytes).toBe(6)
    const read = await readTraceFile(path)
    expect(read.events.map((e) => e.type)).toEqual(['output', 'tick.begin', 'notice'])
    expect(read.events[2]).toMatchObject({
      level: 'warning',
      message: expect.stringContaining('6 bytes dropped')
    })
  })

  it('reports an unwritable path instead of throwing', () => {
    const blocker = join(dir, 'a-file')
    writeFileSync(blocker, '')
    const w = new TraceWriter(join(blocker, 'sub', 't.ndjson'), { fallbackHeader: fallback })
    expect(w.failed).toMatch(/cannot write trace/)
    w.event({ type: 'tick.end', t: 0, loop: 1, tick: 1 })
    expect(w.close().error).toMatch(/cannot write trace/)
  })
})

describe('trace reader', () => {
  it('opens a trace cut short by a crash and says at which line it broke', async () => {
    const path = join(dir, 'cut.ndjson')
    const lines = [
      JSON.stringify(header),
      '{"type":"tick.begin","t":0,"loop":1,"tick":1}',
      '{"type":"tick.end","t":0.1,"loop":1,"tick":1}',
      '{"type":"tick.beg'
    ]
    writeFileSync(path, lines.join('\n'))
    const read = await readTraceFile(path)
    expect(read.events).toHaveLength(2)
    expect(read.skipped).toBe(1)
    expect(read.message).toMatch(/^Trace read with problems from line 4: /)
  })

  it('skips and counts bad lines in the middle and keeps reading', () => {
    const text = [
      JSON.stringify(header),
      'garbage',
      '{"type":"nope","t":1}',
      '',
      '{"type":"loop.stop","t":2,"loop":1}'
    ].join('\n')
    const read = parseTraceText(text)
    expect(read.events.map((e) => e.type)).toEqual(['loop.stop'])
    expect(read.skipped).toBe(2)
    expect(read.message).toMatch(/line 2: .*\(2 lines skipped\)/)
  })

  it('says so when a file has no header', () => {
    const read = parseTraceText('{"type":"loop.stop","t":2,"loop":1}\n')
    expect(read.header).toBeNull()
    expect(read.message).toMatch(/no header line/)
  })

  it('file and text readers agree on arbitrary input, and never throw (property)', async () => {
    const path = join(dir, 'fuzz.ndjson')
    const line = fc.oneof(
      fc.constant(JSON.stringify(header)),
      fc
        .record({
          type: fc.constantFrom('tick.begin', 'output', 'bogus'),
          t: fc.oneof(fc.double(), fc.string())
        })
        .map((o) => JSON.stringify(o)),
      fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/\n/g, ''))
    )
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 25 }), async (lines) => {
        const text = lines.join('\n')
        writeFileSync(path, text)
        const fromFile = await readTraceFile(path, { maxLineBytes: 1 << 20 })
        const fromText = parseTraceText(text)
        expect(fromFile.events).toEqual(fromText.events)
        expect(fromFile.skipped).toBe(fromText.skipped)
        expect(fromFile.message).toBe(fromText.message)
        for (const e of fromFile.events) expect(Number.isFinite(e.t)).toBe(true)
      }),
      { numRuns: 150 }
    )
    expect(readFileSync(path).length).toBeGreaterThanOrEqual(0)
  })
})
