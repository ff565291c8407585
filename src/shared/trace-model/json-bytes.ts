// JSON read straight from a line's bytes, for the common case of a trace line: printable
// ASCII, strings without escapes, numbers a double holds exactly or that divide exactly.
// Anything else (an escape, a byte outside printable ASCII, a syntax error, a very deep
// value, a `__proto__` key) gives NOT_FAST, and the caller decodes the line and hands it to
// JSON.parse: so every line reads exactly as JSON.parse reads its text, and errors keep
// JSON.parse's words. What it saves is making a string of every line first: decoding the
// 1 M-event synthetic trace and checking it was ASCII took ~0.45 s of the reader's ~1.2 s in
// Node (docs/performance.md, thirteenth session).

/** What `parseJsonBytes` returns for a line it leaves to JSON.parse. */
export const NOT_FAST: unique symbol = Symbol('not fast')

/** Exact doubles 10^0 … 10^22: m / 10^k is then correctly rounded for an exact m (Clinger's fast path). */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`))
/** A decimal mantissa of at most this many digits is an exact double (10^15 < 2^53). */
const EXACT_DIGITS = 15
/** Nesting deeper than this is left to JSON.parse (no trace line nests so deep). */
const MAX_DEPTH = 64
/** Short strings (keys, event types, labels) are made once and looked up after. */
const INTERN_MAX_LENGTH = 32
/** Slots in the table of short strings (a power of two). */
const INTERN_SLOTS = 8192
const INTERN_MASK = INTERN_SLOTS - 1
/** Longer strings are decoded whole: joined from String.fromCharCode's parts they would be a rope to flatten. */
const LONG_STRING = 8192

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const MINUS = 0x2d
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

/**
 * A parser with its own table of short strings: one per reader, so a long read's table
 * stays its own.
 */
export class JsonBytesParser {
  private b: Uint8Array = new Uint8Array(0)
  private p = 0
  private end = 0
  private depth = 0
  private readonly interned = new Array<string | undefined>(INTERN_SLOTS).fill(undefined)
  private decoder: { decode(bytes: Uint8Array): string } | null = null

  /**
   * The JSON value of `bytes[start, end)`, as JSON.parse would give for its text, or
   * NOT_FAST. The byte at `end`, if any, must not continue a value (a newline does not).
   */
  parse(bytes: Uint8Array, start: number, end: number): unknown {
    this.b = bytes
    this.p = start
    this.end = end
    this.depth = 0
    const value = this.value()
    if (value === NOT_FAST) return NOT_FAST
    this.space()
    return this.p === end ? value : NOT_FAST
  }

  /** Skips JSON's whitespace within the line (a newline ends a line, so it is not one). */
  private space(): void {
    const b = this.b
    let p = this.p
    let c = b[p]
    while (c === 0x20 || c === 0x09 || c === 0x0d) c = b[++p]
    this.p = p
  }

  private value(): unknown {
    this.space()
    const b = this.b
    const p = this.p
    if (p >= this.end) return NOT_FAST
    const c = b[p]
    if (c === QUOTE) return this.string()
    if (c === OPEN_BRACE) return this.object()
    if (c === OPEN_BRACKET) return this.array()
    if (c === 0x6e /* n */) return this.word(0x6e756c6c, null)
    if (c === 0x74 /* t */) return this.word(0x74727565, true)
    if (c === 0x66 /* f */) {
      if (b[p + 4] !== 0x65 /* e */) return NOT_FAST
      return this.word(0x66616c73, false, 1)
    }
    return this.number()
  }

  /** `null`, `true` or `false`: four bytes compared as one word (and `extra` more already checked). */
  private word(word: number, value: unknown, extra = 0): unknown {
    const b = this.b
    const p = this.p
    if (p + 4 + extra > this.end) return NOT_FAST
    if (((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) !== (word | 0)) return NOT_FAST
    this.p = p + 4 + extra
    return value
  }

  private string(): unknown {
    const b = this.b
    const end = this.end
    const start = ++this.p
    let p = start
    // The hash of a short string is taken on the way to its closing quote: one pass over it.
    let hash = 0
    for (;;) {
      if (p >= end) return NOT_FAST
      const c = b[p]
      if (c === QUOTE) break
      // An escape, a control character or a byte outside ASCII: JSON.parse's to read.
      if (c === BACKSLASH || c < 0x20 || c > 0x7e) return NOT_FAST
      hash = (Math.imul(hash, 31) + c) | 0
      p++
    }
    this.p = p + 1
    const length = p - start
    if (length > INTERN_MAX_LENGTH) return length > LONG_STRING ? this.long(start, p) : ascii(b, start, p)
    // A table indexed by the hash, each slot the last string that hashed to it: no map to
    // look in, and a string that lost its slot is only made again.
    const slot = (hash ^ (hash >>> 15) ^ length) & INTERN_MASK
    const known = this.interned[slot]
    if (known !== undefined && sameText(known, b, start, length)) return known
    const text = ascii(b, start, p)
    this.interned[slot] = text
    return text
  }

  /** A long string (an agent batch's packed columns) made in one piece, not joined from many. */
  private long(start: number, end: number): string {
    this.decoder ??= new TextDecoder()
    return this.decoder.decode(this.b.subarray(start, end))
  }

  private number(): unknown {
    const b = this.b
    const start = this.p
    let p = start
    const negative = b[p] === MINUS
    if (negative) p++
    let c = b[p]
    let mantissa = 0
    let digits = 0
    let decimals = 0
    if (c === ZERO) c = b[++p]
    else if (c > ZERO && c <= NINE) {
      do {
        mantissa = mantissa * 10 + (c - ZERO)
        digits++
        c = b[++p]
      } while (c >= ZERO && c <= NINE)
    } else return NOT_FAST
    if (c === DOT) {
      c = b[++p]
      if (!(c >= ZERO && c <= NINE)) return NOT_FAST
      do {
        mantissa = mantissa * 10 + (c - ZERO)
        if (mantissa !== 0) digits++
        decimals++
        c = b[++p]
      } while (c >= ZERO && c <= NINE)
    }
    if (p > this.end) return NOT_FAST
    if (c === 0x65 || c === 0x45 /* e E */ || digits > EXACT_DIGITS || decimals >= POW10.length) {
      // An exponent or a long mantissa: the engine's own conversion, as JSON.parse's.
      if (c === 0x65 || c === 0x45) {
        c = b[++p]
        if (c === 0x2b || c === MINUS) c = b[++p]
        if (!(c >= ZERO && c <= NINE)) return NOT_FAST
        do c = b[++p]
        while (c >= ZERO && c <= NINE)
        if (p > this.end) return NOT_FAST
      }
      this.p = p
      return Number(ascii(b, start, p))
    }
    this.p = p
    const value = decimals === 0 ? mantissa : mantissa / POW10[decimals]
    return negative ? -value : value
  }

  private object(): unknown {
    if (++this.depth > MAX_DEPTH) return NOT_FAST
    const b = this.b
    this.p++
    const out: Record<string, unknown> = {}
    this.space()
    if (b[this.p] === CLOSE_BRACE) {
      this.p++
      this.depth--
      return out
    }
    for (;;) {
      this.space()
      if (b[this.p] !== QUOTE) return NOT_FAST
      const key = this.string()
      // JSON.parse makes an own property of it; an assignment would set the prototype.
      if (key === NOT_FAST || key === '__proto__') return NOT_FAST
      this.space()
      if (b[this.p] !== COLON) return NOT_FAST
      this.p++
      const value = this.value()
      if (value === NOT_FAST) return NOT_FAST
      out[key as string] = value
      this.space()
      const c = b[this.p]
      this.p++
      if (c === COMMA) continue
      if (c === CLOSE_BRACE && this.p <= this.end) {
        this.depth--
        return out
      }
      return NOT_FAST
    }
  }

  private array(): unknown {
    if (++this.depth > MAX_DEPTH) return NOT_FAST
    const b = this.b
    this.p++
    const out: unknown[] = []
    this.space()
    if (b[this.p] === CLOSE_BRACKET) {
      this.p++
      this.depth--
      return out
    }
    for (;;) {
      const value = this.value()
      if (value === NOT_FAST) return NOT_FAST
      out.push(value)
      this.space()
      const c = b[this.p]
      this.p++
      if (c === COMMA) continue
      if (c === CLOSE_BRACKET && this.p <= this.end) {
        this.depth--
        return out
      }
      return NOT_FAST
    }
  }
}

/** Characters for ASCII bytes, at most this many per call (a call's arguments are bounded). */
const CHARS_PER_CALL = 8192

/** `bytes[start, end)`, all ASCII, as a string. */
function ascii(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= CHARS_PER_CALL)
    return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[])
  let text = ''
  for (let p = start; p < end; p += CHARS_PER_CALL)
    text += String.fromCharCode.apply(
      null,
      bytes.subarray(p, Math.min(end, p + CHARS_PER_CALL)) as unknown as number[]
    )
  return text
}

function sameText(text: string, bytes: Uint8Array, start: number, length: number): boolean {
  if (text.length !== length) return false
  for (let i = 0; i < length; i++) if (text.charCodeAt(i) !== bytes[start + i]) return false
  return true
}
