// @vitest-environment jsdom
// The console's output feed, driven into a real xterm Terminal (it parses without being
// opened on a page) and into a terminal with a simulated parse cost and clock.
import { describe, expect, test } from 'vitest'
import { Terminal } from '@xterm/xterm'
import {
  ConsoleFeed,
  FEED_DEFAULTS,
  type FeedChunk,
  type FeedTerminal,
  wrapWords
} from '../../src/renderer/src/console-feed'

/** Frames as macrotasks: the feed's writes and xterm's parse tasks interleave as in a page. */
const frames = {
  requestFrame: (cb: () => void): number => setTimeout(cb, 0) as unknown as number,
  cancelFrame: (id: number): void => clearTimeout(id)
}

async function until(done: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now()
  while (!done()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 1))
  }
}

function bufferLines(term: Terminal): string[] {
  const buf = term.buffer.active
  const lines: string[] = []
  for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '')
  while (lines.length && lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** A real terminal whose writes are watched: characters queued and not yet parsed, longest write. */
function watchedTerminal(scrollback: number): {
  term: Terminal
  target: FeedTerminal
  watch: { pending: number; maxPending: number; longestWrite: number }
} {
  const term = new Terminal({ cols: 100, rows: 24, scrollback, convertEol: true, allowProposedApi: true })
  const watch = { pending: 0, maxPending: 0, longestWrite: 0 }
  const target: FeedTerminal = {
    write(data, callback) {
      watch.pending += data.length
      watch.maxPending = Math.max(watch.maxPending, watch.pending)
      watch.longestWrite = Math.max(watch.longestWrite, data.length)
      term.write(data, () => {
        watch.pending -= data.length
        callback?.()
      })
    },
    reset: () => term.reset()
  }
  return { term, target, watch }
}

describe('console feed into a real terminal', () => {
  test('a flood arriving over time reaches the terminal whole and in order, the scrollback keeping its tail', async () => {
    const { term, target, watch } = watchedTerminal(1000)
    const chunks: FeedChunk[] = []
    let framesWithBatchInTerminal = 0
    const feed = new ConsoleFeed(target, () => chunks, {
      ...frames,
      requestFrame: (cb) =>
        frames.requestFrame(() => {
          if (watch.pending > 0) framesWithBatchInTerminal++
          cb()
        })
    })
    const expected: string[] = []
    let n = 0
    // 20,000 lines (1.5 MB) in 200 arrivals, with stderr chunks and a notice among them.
    for (let arrival = 0; arrival < 200; arrival++) {
      const lines: string[] = []
      for (let i = 0; i < 100; i++) lines.push(`line ${n++} ${'x'.repeat(60)}`)
      expected.push(...lines)
      chunks.push({ stream: arrival % 50 === 7 ? 'stderr' : 'stdout', data: lines.join('\n') + '\n' })
      if (arrival === 150) {
        chunks.push({ stream: 'notice', data: 'halfway', level: 'info' })
        expected.push('[loopscope] halfway')
      }
      feed.pump()
      if (arrival % 20 === 0) await new Promise((r) => setTimeout(r, 0))
    }
    chunks.push({ stream: 'stdout', data: 'flood finished\n' })
    expected.push('flood finished')
    feed.pump()
    await until(() => feed.idle, 'the feed to drain')

    const lines = bufferLines(term)
    // Everything written, in order: the terminal holds exactly the last scrollback + rows lines.
    expect(lines.length).toBe(1000 + 24 - 1)
    expect(lines).toEqual(expected.slice(expected.length - lines.length))
    const total = chunks.reduce((sum, c) => sum + c.data.length, 0)
    expect(total).toBeGreaterThan(1_400_000)
    expect(feed.stats.chars).toBeGreaterThanOrEqual(total)
    // Flow control: the next batch is written only once the terminal parsed the last one.
    expect(framesWithBatchInTerminal).toBe(0)
    expect(watch.maxPending).toBeLessThanOrEqual(FEED_DEFAULTS.maxBatch)
    expect(watch.longestWrite).toBeLessThanOrEqual(FEED_DEFAULTS.slice)
    expect(feed.stats.batches).toBeGreaterThan(1)
    feed.dispose()
    term.dispose()
  })

  test('stderr is red and a notice after a partial line starts on a line of its own', async () => {
    const { term, target } = watchedTerminal(100)
    const chunks: FeedChunk[] = [
      { stream: 'stdout', data: 'prompt> ' },
      { stream: 'notice', data: 'the program was stopped', level: 'warning' },
      { stream: 'stderr', data: 'Traceback\n' }
    ]
    const feed = new ConsoleFeed(target, () => chunks, frames)
    feed.pump()
    await until(() => feed.idle, 'the feed to drain')
    expect(bufferLines(term)).toEqual(['prompt> ', '[loopscope] the program was stopped', 'Traceback'])
    const buf = term.buffer.active
    const cell = buf.getLine(2)?.getCell(0)
    expect(cell?.getFgColor()).toBe(1)
    expect(buf.getLine(1)?.getCell(0)?.isItalic()).toBeTruthy()
    expect(buf.getLine(0)?.getCell(0)?.isFgDefault()).toBe(true)
    term.dispose()
  })

  test('a notice wider than the terminal breaks between words, under its mark; program output is left as it is', async () => {
    const term = new Terminal({
      cols: 40,
      rows: 24,
      scrollback: 100,
      convertEol: true,
      allowProposedApi: true
    })
    const target: FeedTerminal = {
      write: (data, callback) => term.write(data, callback),
      reset: () => term.reset(),
      cols: term.cols
    }
    const message =
      'asyncio.coroutine was removed in Python 3.11; Loopscope supplied an equivalent so this program runs as written.'
    const output = 'x'.repeat(30) + ' ' + 'y'.repeat(30) + '\n'
    const chunks: FeedChunk[] = [
      { stream: 'notice', data: message, level: 'info' },
      { stream: 'stdout', data: output }
    ]
    const feed = new ConsoleFeed(target, () => chunks, frames)
    feed.pump()
    await until(() => feed.idle, 'the feed to drain')
    const lines = bufferLines(term)
    const noticeLines = lines.slice(0, -2)
    expect(noticeLines[0].startsWith('[loopscope] asyncio.coroutine')).toBe(true)
    for (const line of noticeLines) expect(line.length).toBeLessThanOrEqual(39)
    for (const line of noticeLines.slice(1)) expect(line.startsWith(' '.repeat(12))).toBe(true)
    // Every word whole, in order.
    expect(noticeLines.join(' ').split(/ +/).join(' ')).toBe(`[loopscope] ${message}`)
    // The program's own line is the terminal's to wrap, as it was written.
    expect(lines.slice(-2).join('')).toBe(output.trimEnd())
    feed.dispose()
    term.dispose()
  })

  test('words are wrapped to the width: whole where they fit, cut where they do not; short lines and indentation kept', () => {
    expect(wrapWords('short line', 20, 4)).toEqual(['short line'])
    // A hanging indent once the width has room for it (three times the indent), else none.
    expect(wrapWords('alpha beta gamma delta', 12, 5)).toEqual(['alpha beta', 'gamma delta'])
    expect(wrapWords('alpha beta gamma delta', 12, 4)).toEqual(['alpha beta', '    gamma', '    delta'])
    expect(wrapWords('abcdefghijklmnopqrstuvwxyz', 10, 0)).toEqual(['abcdefghij', 'klmnopqrst', 'uvwxyz'])
    // A path is cut after a slash where one fits.
    expect(wrapWords('which /root/.pyenv/versions/3.11.7/bin/python3 cannot', 24, 2)).toEqual([
      'which',
      '  /root/.pyenv/versions/',
      '  3.11.7/bin/python3',
      '  cannot'
    ])
    expect(wrapWords('  File "a.py", line 3, in main', 16, 0)).toEqual(['  File "a.py",', 'line 3, in main'])
    expect(wrapWords('one\ntwo three four', 9, 0)).toEqual(['one', 'two three', 'four'])
    for (const width of [5, 9, 13, 40]) {
      const text = 'the quick brown fox jumps over a lazy dog with a rather extraordinarily long word'
      const lines = wrapWords(text, width, 3)
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(width)
      expect(lines.join('').replace(/ /g, '')).toBe(text.replace(/ /g, ''))
    }
  })

  test('a new session while a batch is still being parsed shows none of the old output', async () => {
    const { term, target, watch } = watchedTerminal(5000)
    let chunks: FeedChunk[] = [{ stream: 'stdout', data: 'old output\n'.repeat(20_000) }]
    const feed = new ConsoleFeed(target, () => chunks, frames)
    feed.pump()
    await until(() => watch.pending > 0, 'the first batch to be written')
    chunks = [{ stream: 'stdout', data: 'new session\n' }]
    feed.reset()
    feed.pump()
    await until(() => feed.idle && watch.pending === 0, 'the feed to drain')
    expect(bufferLines(term)).toEqual(['new session'])
    term.dispose()
  })

  test('no frame is asked for when there is nothing to write', () => {
    let asked = 0
    const feed = new ConsoleFeed({ write: () => {}, reset: () => {} }, () => [], {
      requestFrame: () => ++asked,
      cancelFrame: () => {}
    })
    feed.pump()
    expect(asked).toBe(0)
    expect(feed.idle).toBe(true)
  })
})

/**
 * A terminal that parses its queue in one macrotask per flush, advancing a simulated clock by
 * the characters parsed over `rate`; `yieldAfter` splits a flush into two tasks with `gapMs`
 * of other work between them, as xterm does past its 12 ms slice.
 */
function simulatedTerminal(clock: { now: number }): {
  target: FeedTerminal
  sim: { rate: number; yieldAfter: number; gapMs: number; parseMs: number[] }
} {
  const sim = { rate: 1000, yieldAfter: Infinity, gapMs: 0, parseMs: [] as number[] }
  let queue: [string, (() => void) | undefined][] = []
  let scheduled = false
  let batchStart = 0
  const flush = (resumed = false): void => {
    scheduled = false
    const items = queue
    queue = []
    if (!resumed) batchStart = clock.now
    let parsedHere = 0
    for (let i = 0; i < items.length; i++) {
      const [data, cb] = items[i]
      clock.now += data.length / sim.rate
      parsedHere += data.length
      cb?.()
      if (parsedHere >= sim.yieldAfter && i < items.length - 1) {
        queue = items.slice(i + 1).concat(queue)
        clock.now += sim.gapMs
        batchStart += sim.gapMs
        scheduled = true
        setTimeout(() => flush(true), 0)
        return
      }
    }
    sim.parseMs.push(clock.now - batchStart)
  }
  const target: FeedTerminal = {
    write(data, cb) {
      queue.push([data, cb])
      if (!scheduled) {
        scheduled = true
        setTimeout(() => flush(), 0)
      }
    },
    reset() {}
  }
  return { target, sim }
}

describe('console feed pacing', () => {
  /** 100 M characters: more than these tests write, so the feed never runs dry. */
  function endless(): () => FeedChunk[] {
    const chunks: FeedChunk[] = new Array(1_000_000).fill({ stream: 'stdout', data: 'y'.repeat(99) + '\n' })
    return () => chunks
  }

  test('each batch is sized so the terminal parses it within the frame budget, whatever its speed', async () => {
    const clock = { now: 0 }
    const { target, sim } = simulatedTerminal(clock)
    const feed = new ConsoleFeed(target, endless(), { ...frames, now: () => clock.now })
    const run = async (batches: number): Promise<void> => {
      const until0 = feed.stats.batches + batches
      feed.pump()
      await until(() => feed.stats.batches >= until0, 'batches')
    }
    // A slow terminal: after the first guess, batches stay at the minimum (8 ms of its parse).
    sim.rate = 1000
    await run(20)
    for (const ms of sim.parseMs.slice(-10)) expect(ms).toBeCloseTo(FEED_DEFAULTS.minBatch / 1000, 1)
    // A fast one: batches grow until one takes about the budget (6 ms), never past the cap.
    sim.rate = 40_000
    await run(40)
    const fastMs = sim.parseMs.slice(-5)
    for (const ms of fastMs) {
      expect(ms).toBeGreaterThan(FEED_DEFAULTS.frameBudgetMs * 0.8)
      expect(ms).toBeLessThanOrEqual(FEED_DEFAULTS.frameBudgetMs * 1.05)
    }
    expect(feed.stats.largestBatch).toBeLessThanOrEqual(FEED_DEFAULTS.maxBatch)
    // The terminal slows down (the scrollback starts filling again): the next batch shrinks at once.
    sim.rate = 2000
    await run(2)
    const lastMs = sim.parseMs[sim.parseMs.length - 1]
    expect(lastMs).toBeLessThanOrEqual(FEED_DEFAULTS.frameBudgetMs * 1.05)
    feed.dispose()
  })

  test('time the terminal spends yielding to other work is not taken for parse time', async () => {
    const clock = { now: 0 }
    const { target, sim } = simulatedTerminal(clock)
    const feed = new ConsoleFeed(target, endless(), { ...frames, now: () => clock.now })
    sim.rate = 40_000
    sim.yieldAfter = 16 * 1024
    sim.gapMs = 200
    feed.pump()
    await until(() => feed.stats.batches >= 40, 'batches')
    // Counting the 200 ms gaps would hold the estimate near 16 K / 200 ms; it tracks the parse.
    expect(feed.charsPerMs).toBeGreaterThan(30_000)
    feed.dispose()
  })
})
