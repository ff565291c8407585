// Joins trace lines into one buffer to write (a trace file's lines, a batch's events),
// reusing the bytes a line arrived as where it can. The agent's channel is read in chunks
// of many lines; the parser tells where each ASCII line's bytes are in its chunk
// (AgentStreamParser's `source`, `at`), and lines that follow each other in a chunk are one
// slice here, copied once when the buffer is made. A flood of small events otherwise cost
// the host a string join and a UTF-8 encoding per destination (the trace file, and each
// batch sent to the page), about half of its time per event.

const NEWLINE = 0x0a

/** `lines` adjacent lines of one chunk: bytes [from, to), newlines between them. */
interface Run {
  source: Buffer
  from: number
  to: number
  lines: number
}

export class LineJoiner {
  private items: (string | Run)[] = []
  private size = 0

  /** `separator`: what goes between two lines in the buffer (one ASCII character). */
  constructor(private readonly separator: string) {}

  /** Lines held. */
  get length(): number {
    return this.items.length
  }

  /** About how many bytes the lines take (a string counted by its UTF-16 units). */
  get bytes(): number {
    return this.size
  }

  addString(line: string): void {
    this.items.push(line)
    this.size += line.length + 1
  }

  /** A line that is `length` bytes of `source` from `at`, followed there by a newline. */
  addBytes(source: Buffer, at: number, length: number): void {
    const last = this.items[this.items.length - 1]
    if (last !== undefined && typeof last !== 'string' && last.source === source && last.to + 1 === at) {
      last.to = at + length
      last.lines++
    } else {
      this.items.push({ source, from: at, to: at + length, lines: 1 })
    }
    this.size += length + 1
  }

  /** The lines joined by the separator, between `before` and `after`; then holds none. */
  take(before = '', after = ''): Buffer {
    const parts: Buffer[] = []
    const runs: number[] = []
    let size = 0
    let text = before
    const items = this.items
    for (let k = 0; k < items.length; k++) {
      const item = items[k]
      if (k > 0) text += this.separator
      if (typeof item === 'string') {
        text += item
        continue
      }
      if (text) {
        const encoded = Buffer.from(text, 'utf8')
        parts.push(encoded)
        size += encoded.length
        text = ''
      }
      const slice = item.source.subarray(item.from, item.to)
      if (item.lines > 1) runs.push(size, size + slice.length)
      parts.push(slice)
      size += slice.length
    }
    text += after
    if (text) {
      const encoded = Buffer.from(text, 'utf8')
      parts.push(encoded)
      size += encoded.length
    }
    this.items = []
    this.size = 0
    const out = parts.length === 1 && runs.length === 0 ? parts[0] : Buffer.concat(parts, size)
    const sep = this.separator.charCodeAt(0)
    if (sep !== NEWLINE) {
      // Inside a run the lines are separated by the newlines they arrived with (a line itself
      // holds none: the parser cut the chunk at every one).
      for (let r = 0; r < runs.length; r += 2) {
        const run = out.subarray(runs[r], runs[r + 1])
        for (let p = run.indexOf(NEWLINE); p !== -1; p = run.indexOf(NEWLINE, p + 1)) run[p] = sep
      }
    }
    return out
  }
}
