// How far into a trace file the model has got, for the status bar while the file is read in.
// The reader says how much of the file it had read when it made each piece; the model says
// how many of the events handed to it it has taken. Within a piece, its bytes are taken to
// be spread evenly over its events (a recording's piece is a few hundred `batch` lines of
// about the same size, so the model's progress through one shows too).

export class ReadProgress {
  /** Per piece handed to the model: events handed over so far, and the file read by then. */
  private readonly marks: { events: number; read: number }[] = []
  private sent = 0
  /** The file's size in bytes (null where the source did not say). */
  private total: number | null = null

  /**
   * A piece of `events` events handed to the model, made when `read` of the file had been
   * read; `total` is the file's size as the source knows it by then.
   */
  piece(events: number, read: number, total: number | null): void {
    this.total = total
    this.sent += events
    this.marks.push({ events: this.sent, read: Math.max(read, this.marks.at(-1)?.read ?? 0) })
  }

  /**
   * The share of the file (0 to 1) whose events the model has taken, given how many of those
   * handed over it has not taken yet; null when the file's size is not known.
   */
  fraction(queued: number): number | null {
    if (this.total === null || !(this.total > 0)) return null
    const taken = Math.max(0, this.sent - queued)
    let lo = 0
    let hi = this.marks.length
    // The first piece not wholly taken.
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.marks[mid].events <= taken) lo = mid + 1
      else hi = mid
    }
    const before = lo > 0 ? this.marks[lo - 1] : { events: 0, read: 0 }
    const at = lo < this.marks.length ? this.marks[lo] : before
    const span = at.events - before.events
    const read =
      span > 0 ? before.read + ((at.read - before.read) * (taken - before.events)) / span : before.read
    return Math.min(1, Math.max(0, read / this.total))
  }
}
