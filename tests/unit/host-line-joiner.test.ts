import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { AgentStreamParser } from '../../src/host/agent-stream-parser'
import { Batcher, batchJson } from '../../src/host/batcher'
import { LineJoiner } from '../../src/host/line-joiner'
import type { TraceBatch } from '../../src/shared/api'
import type { TraceEvent } from '../../src/shared/trace-types'
import { MINIMAL_HEADER } from '../fixtures/host-helpers'

/** Lines of a chunk as the parser reports them: text, and where its bytes are. */
function linesOf(chunk: Buffer): { line: string; at: number }[] {
  const out: { line: string; at: number }[] = []
  let at = 0
  for (;;) {
    const nl = chunk.indexOf(0x0a, at)
    if (nl === -1) return out
    out.push({ line: chunk.toString('latin1', at, nl), at })
    at = nl + 1
  }
}

describe('line joiner', () => {
  it('joins lines given as bytes and as strings, in order, with the separator between them', () => {
    const chunk = Buffer.from('{"a":1}\n{"b":2}\n{"c":3}\n')
    const [a, b, c] = linesOf(chunk)
    const joiner = new LineJoiner(',')
    joiner.addString('{"first":"é"}')
    joiner.addBytes(chunk, a.at, a.line.length)
    joiner.addBytes(chunk, b.at, b.line.length)
    joiner.addString('{"mid":0}')
    joiner.addBytes(chunk, c.at, c.line.length)
    const out = joiner.take('[', ']')
    expect(out.toString('utf8')).toBe('[{"first":"é"},{"a":1},{"b":2},{"mid":0},{"c":3}]')
    // The chunk the lines point into is never written to (the trace file shares it).
    expect(chunk.toString()).toBe('{"a":1}\n{"b":2}\n{"c":3}\n')
    expect(joiner.length).toBe(0)
    expect(joiner.take().length).toBe(0)
    // Nothing around them: the lines alone, still copied before commas go in.
    joiner.addBytes(chunk, a.at, a.line.length)
    joiner.addBytes(chunk, b.at, b.line.length)
    expect(joiner.take().toString()).toBe('{"a":1},{"b":2}')
    expect(chunk.toString()).toBe('{"a":1}\n{"b":2}\n{"c":3}\n')
  })

  it('keeps lines that are not neighbours in their chunk apart: a skipped line between them stays out', () => {
    const chunk = Buffer.from('{"a":1}\n{not json}\n{"c":3}\n')
    const [a, , c] = linesOf(chunk)
    const joiner = new LineJoiner(',')
    joiner.addBytes(chunk, a.at, a.line.length)
    joiner.addBytes(chunk, c.at, c.line.length)
    expect(joiner.take('[', ']').toString()).toBe('[{"a":1},{"c":3}]')
  })

  it('writes newline-separated lines as the bytes they arrived as', () => {
    const one = Buffer.from('{"a":1}\n{"b":2}\n')
    const two = Buffer.from('{"c":3}\n')
    const joiner = new LineJoiner('\n')
    for (const { line, at } of linesOf(one)) joiner.addBytes(one, at, line.length)
    for (const { line, at } of linesOf(two)) joiner.addBytes(two, at, line.length)
    joiner.addString('{"d":"→"}')
    expect(joiner.bytes).toBeGreaterThan(30)
    expect(joiner.take('', '\n').toString('utf8')).toBe('{"a":1}\n{"b":2}\n{"c":3}\n{"d":"→"}\n')
  })

  it('gives what joining the strings gives, for any mix of bytes and strings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.boolean(), fc.stringMatching(/^[a-z0-9]{0,6}$/)), {
          maxLength: 40
        }),
        fc.constantFrom(',', '\n'),
        (spec, separator) => {
          // Each line goes as bytes (of one shared chunk) or as a string; `skip` leaves a line
          // out of the result while it stays in the chunk.
          const texts = spec.map(([, , word], i) => `{"k${i}":"${word}"}`)
          const chunk = Buffer.from(texts.join('\n') + '\n')
          const where = linesOf(chunk)
          const joiner = new LineJoiner(separator)
          const kept: string[] = []
          spec.forEach(([asBytes, skip], i) => {
            if (skip) return
            kept.push(texts[i])
            if (asBytes) joiner.addBytes(chunk, where[i].at, where[i].line.length)
            else joiner.addString(texts[i])
          })
          expect(joiner.take('<', '>').toString()).toBe(`<${kept.join(separator)}>`)
          expect(chunk.toString()).toBe(texts.join('\n') + '\n')
        }
      )
    )
  })
})

describe('agent stream parser: where an event line’s bytes are', () => {
  function parse(chunks: Buffer[], stableChunks: boolean) {
    const seen: { line: string; source?: Buffer; at?: number }[] = []
    const parser = new AgentStreamParser({
      stableChunks,
      onEvent: (_e, line, source, at) => seen.push({ line, source, at })
    })
    for (const c of chunks) parser.push(c)
    parser.end()
    return seen
  }

  it('points each ASCII line of a chunk at its bytes, followed by a newline', () => {
    const chunk = Buffer.from(
      '{"type":"tick.begin","t":1,"loop":1,"tick":1}\n{"type":"tick.end","t":2,"loop":1,"tick":1}\n'
    )
    const seen = parse([chunk], true)
    expect(seen).toHaveLength(2)
    for (const { line, source, at } of seen) {
      expect(source).toBe(chunk)
      expect(source!.toString('latin1', at, at! + line.length)).toBe(line)
      expect(source![at! + line.length]).toBe(0x0a)
    }
  })

  it('gives no bytes without stable chunks, for a non-ASCII stretch, or for a line cut between chunks', () => {
    const line = '{"type":"tick.begin","t":1,"loop":1,"tick":1}'
    expect(parse([Buffer.from(line + '\n')], false)[0].source).toBeUndefined()
    const accented = parse([Buffer.from('{"type":"notice","t":1,"level":"info","message":"é"}\n')], true)
    expect(accented).toHaveLength(1)
    expect(accented[0].source).toBeUndefined()
    const cut = parse([Buffer.from(line.slice(0, 10)), Buffer.from(line.slice(10) + '\n')], true)
    expect(cut).toHaveLength(1)
    expect(cut[0].source).toBeUndefined()
  })

  it('writes a batch from a parsed stream as the same value, without the lines it skipped', () => {
    const batches: TraceBatch[] = []
    const batcher = new Batcher({ session: 2, flush: (b) => batches.push(b), timed: false })
    const parser = new AgentStreamParser({
      stableChunks: true,
      onHeader: (h) => batcher.setHeader(h),
      onEvent: (e, line, source, at) => batcher.push(e, line, source, at)
    })
    const stream = [
      JSON.stringify(MINIMAL_HEADER),
      '{"type":"tick.begin","t":1,"loop":1,"tick":1}',
      '{"type":"tick.begin","t":"bad"}',
      '{"type":"tick.end","t":2,"loop":1,"tick":1}',
      '{"type":"notice","t":3,"level":"info","message":"caf\u00e9"}',
      '{"type":"loop.stop","t":4,"loop":1}'
    ].join('\n')
    const chunk = Buffer.from(stream + '\n')
    // Cut in two mid-line: the cut line arrives as text, the rest as bytes.
    parser.push(chunk.subarray(0, chunk.length - 20))
    parser.push(chunk.subarray(chunk.length - 20))
    batcher.push({ type: 'output', t: 5, stream: 'stdout', data: 'x' } as TraceEvent)
    batcher.close()
    expect(batches).toHaveLength(1)
    const json = batchJson(batches[0], '{"push":"batch","payload":', '}').toString('utf8')
    expect(json).not.toContain('"bad"')
    expect(JSON.parse(json)).toEqual({ push: 'batch', payload: JSON.parse(JSON.stringify(batches[0])) })
    expect(batches[0].events.map((e) => e.type)).toEqual([
      'tick.begin',
      'tick.end',
      'notice',
      'loop.stop',
      'output'
    ])
    expect(chunk.toString('utf8')).toBe(stream + '\n')
  })
})
