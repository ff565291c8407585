// Feeds the program's output to the terminal one bounded batch per animation frame. xterm
// parses what it is given in tasks of its own, yielding only between writes; handed a
// flood at once, it keeps the page busy for long stretches and frames stall. Here each
// frame gets one batch sized from xterm's measured parse speed to a few milliseconds, cut
// into short writes, and the next batch waits until that one is parsed — flow control by
// write callbacks, with at most one batch in the terminal at any time. Every character is
// written, in order; the terminal's scrollback alone decides what it keeps.

/**
 * What the feed needs of a terminal: xterm's `write` (with its parsed callback) and `reset`,
 * and its width in columns where it has one (notices are wrapped between words to it).
 */
export interface FeedTerminal {
  write(data: string, callback?: () => void): void
  reset(): void
  readonly cols?: number
}

/** One console chunk as the trace model keeps it. */
export interface FeedChunk {
  stream: 'stdout' | 'stderr' | 'notice'
  data: string
  level?: 'info' | 'warning' | 'error'
}

export interface ConsoleFeedOptions {
  /** Parse time allowed per frame; the rest of the page keeps the remainder. */
  frameBudgetMs?: number
  /** Characters per write: xterm checks its own time slice only between writes. */
  slice?: number
  minBatch?: number
  maxBatch?: number
  /** The parse speed assumed before any was measured (characters per millisecond). */
  initialCharsPerMs?: number
  requestFrame?: (cb: () => void) => number
  cancelFrame?: (id: number) => void
  now?: () => number
}

export const FEED_DEFAULTS = {
  // With another job taking one of two cores, 6 ms let the flood test's p95 frame reach 67 ms
  // once in six runs; 4 ms held it at 33 ms in five of five.
  frameBudgetMs: 4,
  // 8 K characters parse in 0.2-3 ms here (slowest while the scrollback is still filling).
  slice: 8 * 1024,
  minBatch: 8 * 1024,
  maxBatch: 512 * 1024,
  // Cold (JIT not warmed, scrollback filling) xterm parses 1-3 K characters per millisecond.
  initialCharsPerMs: 2_000
} as const

const NOTICE_MARK = '[loopscope] '

/**
 * stdout as is, stderr in red, notices in italics on lines of their own, marked [loopscope]
 * and, in a terminal `cols` wide, wrapped between words (the terminal would cut a word in two).
 */
export function formatChunk(chunk: FeedChunk, atLineStart: boolean, cols?: number): string {
  if (chunk.stream === 'stderr') return `\x1b[31m${chunk.data}\x1b[0m`
  if (chunk.stream === 'notice') {
    const color = chunk.level === 'error' ? '31' : chunk.level === 'warning' ? '33' : '36'
    const lead = atLineStart ? '' : '\n'
    const text = NOTICE_MARK + chunk.data.replace(/\n$/, '')
    // One column spare: a line that fills the last column leaves some terminals a blank line.
    const lines = cols !== undefined && cols > 1 ? wrapWords(text, cols - 1, NOTICE_MARK.length) : [text]
    return `${lead}\x1b[${color};3m${lines.join('\n')}\x1b[0m\n`
  }
  return chunk.data
}

/**
 * `text`'s lines broken between words so that none is wider than `width`; a word wider than
 * a line is cut (after a slash where it has one). The lines after a break are indented by `indent` (a hanging indent under
 * the mark) where the width leaves room for it. Spaces at a break are left out.
 */
export function wrapWords(text: string, width: number, indent: number): string[] {
  const pad = width >= indent * 3 ? ' '.repeat(indent) : ''
  const out: string[] = []
  for (const paragraph of text.split('\n')) {
    if (paragraph.length <= width) {
      out.push(paragraph)
      continue
    }
    // A paragraph's own indentation (a traceback's lines) is kept on its first line.
    const lead = /^ */.exec(paragraph)![0]
    let line = lead
    let first = true
    for (const word of paragraph.slice(lead.length).split(' ')) {
      if (first) line += word
      else if (line.length + 1 + word.length <= width) line += ' ' + word
      else {
        out.push(line)
        line = pad + word
      }
      first = false
      while (line.length > width) {
        // A word wider than the line (a path) is cut after its last slash that fits, if any.
        const slash = Math.max(line.lastIndexOf('/', width - 1), line.lastIndexOf('\\', width - 1))
        const cut = slash > pad.length ? slash + 1 : width
        out.push(line.slice(0, cut))
        line = pad + line.slice(cut)
      }
    }
    out.push(line)
  }
  return out
}

export class ConsoleFeed {
  private readonly budgetMs: number
  private readonly slice: number
  private readonly minBatch: number
  private readonly maxBatch: number
  private readonly requestFrame: (cb: () => void) => number
  private readonly cancelFrame: (id: number) => void
  private readonly now: () => number
  /** Chunks of the source already handed to the terminal (or skipped), counting dropped ones. */
  private written = 0
  /** The formatted text of the chunk being written, and how much of it has been written. */
  private current = ''
  private currentAt = 0
  private atLineStart = true
  private inFlight = false
  private frame = 0
  private disposed = false
  /** xterm's measured parse speed (characters per millisecond). */
  charsPerMs: number
  /** Batches written so far and the largest, for the tests and the flood measurements. */
  readonly stats = { batches: 0, chars: 0, largestBatch: 0 }

  /**
   * `source` gives the chunks kept now; `dropped`, how many older ones were dropped from its
   * front (the model keeps the newest output within a cap). A feed that fell behind a drop
   * says so in the terminal and goes on with what is kept.
   */
  constructor(
    private readonly term: FeedTerminal,
    private readonly source: () => readonly FeedChunk[],
    options: ConsoleFeedOptions = {},
    private readonly dropped: () => number = () => 0
  ) {
    this.budgetMs = options.frameBudgetMs ?? FEED_DEFAULTS.frameBudgetMs
    this.slice = options.slice ?? FEED_DEFAULTS.slice
    this.minBatch = options.minBatch ?? FEED_DEFAULTS.minBatch
    this.maxBatch = options.maxBatch ?? FEED_DEFAULTS.maxBatch
    this.charsPerMs = options.initialCharsPerMs ?? FEED_DEFAULTS.initialCharsPerMs
    this.requestFrame = options.requestFrame ?? ((cb) => requestAnimationFrame(cb))
    this.cancelFrame = options.cancelFrame ?? ((id) => cancelAnimationFrame(id))
    this.now = options.now ?? (() => performance.now())
  }

  /** Whether the terminal has shown everything the source has. */
  get idle(): boolean {
    return !this.inFlight && !this.hasPending()
  }

  /** Asks for a frame to write in when output is waiting and no batch is being parsed. */
  pump(): void {
    if (this.disposed || this.inFlight || this.frame || !this.hasPending()) return
    this.frame = this.requestFrame(() => this.writeBatch())
  }

  /** The source starts over (a new session): the terminal is cleared after what it still holds. */
  reset(): void {
    // A batch still queued in xterm belongs to the old output: reset after it, in write order.
    if (this.inFlight) this.term.write('', () => this.term.reset())
    else this.term.reset()
    this.written = 0
    this.current = ''
    this.currentAt = 0
    this.atLineStart = true
  }

  dispose(): void {
    this.disposed = true
    if (this.frame) this.cancelFrame(this.frame)
    this.frame = 0
  }

  private hasPending(): boolean {
    return this.currentAt < this.current.length || this.written < this.dropped() + this.source().length
  }

  /** The next at most `max` characters not yet written, or '' when there are none. */
  private nextPiece(max: number): string {
    const chunks = this.source()
    const dropped = this.dropped()
    while (this.currentAt >= this.current.length) {
      if (this.written < dropped) {
        const skipped = dropped - this.written
        this.written = dropped
        this.current = formatChunk(
          {
            stream: 'notice',
            data: `${skipped} older pieces of output were dropped before they could be shown (the window keeps the newest output)`,
            level: 'warning'
          },
          this.atLineStart,
          this.term.cols
        )
        this.currentAt = 0
        continue
      }
      if (this.written >= dropped + chunks.length) return ''
      this.current = formatChunk(chunks[this.written++ - dropped], this.atLineStart, this.term.cols)
      this.currentAt = 0
    }
    const text = this.current
    const piece =
      this.currentAt === 0 && text.length <= max ? text : text.slice(this.currentAt, this.currentAt + max)
    this.currentAt += piece.length
    if (this.currentAt >= text.length) this.current = ''
    this.atLineStart = piece.endsWith('\n')
    return piece
  }

  private writeBatch(): void {
    this.frame = 0
    if (this.disposed || this.inFlight || !this.hasPending()) return
    const budget = Math.min(
      this.maxBatch,
      Math.max(this.minBatch, Math.round(this.charsPerMs * this.budgetMs))
    )
    const clock = parseClock(this.now)
    let size = 0
    let piece: string
    this.term.write('', clock.tick)
    while (size < budget && (piece = this.nextPiece(Math.min(this.slice, budget - size)))) {
      this.term.write(piece, clock.tick)
      size += piece.length
    }
    this.inFlight = true
    this.stats.batches++
    this.stats.chars += size
    this.stats.largestBatch = Math.max(this.stats.largestBatch, size)
    this.term.write('', () => {
      clock.tick()
      // Under half a millisecond the clock says little (browsers coarsen it): the rate is then only
      // a lower bound, good for raising the estimate. A measured slower parse counts at once.
      const measured = clock.busy >= 0.5
      const rate = size / Math.max(clock.busy, 0.5)
      if (measured && rate < this.charsPerMs) this.charsPerMs = rate
      else if (rate > this.charsPerMs) this.charsPerMs = this.charsPerMs * 0.7 + rate * 0.3
      this.inFlight = false
      this.pump()
    })
  }
}

/**
 * Times xterm's parse from its write callbacks. They run one after another inside xterm's
 * parse task, so the time between two is parse time — unless xterm yielded between them (a
 * microtask checkpoint passed): that time went to other work and is not counted.
 */
function parseClock(now: () => number): { tick: () => void; busy: number } {
  let last = 0
  let inTask = false
  const clock = {
    busy: 0,
    tick(): void {
      const t = now()
      if (inTask) clock.busy += t - last
      last = t
      if (!inTask) {
        inTask = true
        queueMicrotask(() => (inTask = false))
      }
    }
  }
  return clock
}
