// @vitest-environment jsdom
// A program that prints without end must not exhaust the page: the trace model keeps only
// the newest console output (CONSOLE_CAP_CHARS) and counts what it dropped; a console feed
// that fell behind the drop says so and goes on with the newest output.
import { describe, expect, test } from 'vitest'
import { Terminal } from '@xterm/xterm'
import { ConsoleFeed } from '../../src/renderer/src/console-feed'
import { CONSOLE_CAP_CHARS, TraceModel } from '../../src/shared/trace-model/trace-model'

const line = (n: number): string => `line ${n} ${'x'.repeat(90)}\n`

describe('console output in the trace model', () => {
  test('stays within the cap however much is printed, keeping the newest output in order', () => {
    const model = new TraceModel()
    const total = 400_000 // ~40 MB of output, five times the cap
    for (let n = 0; n < total; n++)
      model.ingestOne({ type: 'output', t: n / 1000, stream: 'stdout', data: line(n) })
    const kept = model.console.reduce((sum, c) => sum + c.data.length, 0)
    expect(kept).toBeLessThanOrEqual(CONSOLE_CAP_CHARS)
    expect(kept).toBeGreaterThan(CONSOLE_CAP_CHARS / 2)
    expect(model.consoleDropped + model.console.length).toBe(total)
    expect(model.console[model.console.length - 1].data).toBe(line(total - 1))
    expect(model.console[0].data).toBe(line(model.consoleDropped))
    expect(model.consoleDroppedChars + kept).toBe(
      Array.from({ length: total }, (_, n) => line(n).length).reduce((a, b) => a + b, 0)
    )
  })

  test('a console feed that fell behind a drop says so, then shows the newest output', async () => {
    const model = new TraceModel()
    const term = new Terminal({
      cols: 120,
      rows: 24,
      scrollback: 200,
      convertEol: true,
      allowProposedApi: true
    })
    let head = ''
    const target = {
      write(data: string, cb?: () => void): void {
        if (head.length < 4000) head += data
        term.write(data, cb)
      },
      reset: () => term.reset()
    }
    const feed = new ConsoleFeed(
      target,
      () => model.console,
      { requestFrame: (cb) => setTimeout(cb, 0) as unknown as number, cancelFrame: (id) => clearTimeout(id) },
      () => model.consoleDropped
    )
    // Everything arrives before the feed gets a single frame: most of it is dropped first.
    const total = 120_000
    for (let n = 0; n < total; n++) model.ingestOne({ type: 'output', t: 0, stream: 'stdout', data: line(n) })
    expect(model.consoleDropped).toBeGreaterThan(0)
    feed.pump()
    const start = Date.now()
    while (!feed.idle && Date.now() - start < 30_000) await new Promise((r) => setTimeout(r, 1))
    await new Promise<void>((r) => term.write('', r))
    const buf = term.buffer.active
    const text: string[] = []
    for (let i = 0; i < buf.length; i++) text.push(buf.getLine(i)?.translateToString(true) ?? '')
    const all = text.join('\n')
    expect(all).toContain(`line ${total - 1} `)
    expect(feed.stats.chars).toBeLessThan(CONSOLE_CAP_CHARS + 10_000)
    // The scrollback (200 lines) has long moved past it: the feed wrote the notice first.
    expect(head).toMatch(
      new RegExp(`^\\x1b\\[33;3m\\[loopscope\\] ${model.consoleDropped} older pieces of output were dropped`)
    )
    expect(head).toContain(line(model.consoleDropped))
    feed.dispose()
  }, 60_000)
})
