// Growable typed-array columns: the bulk of a trace (spans, markers, ticks, queue deltas)
// lives here instead of in millions of small objects, which keeps memory per event low and
// keeps Vue's reactivity away from it.

type TypedArray = Float64Array | Int32Array | Uint8Array
type TypedArrayCtor<T extends TypedArray> = new (length: number) => T

export class Column<T extends TypedArray> {
  data: T
  length = 0

  // Only data: a model built in a worker is handed to the page as it is (model-transfer.ts),
  // and a function field could not be. Growth takes the array's own constructor.
  constructor(ctor: TypedArrayCtor<T>, capacity = 1024) {
    this.data = new ctor(capacity)
  }

  push(value: number): number {
    if (this.length === this.data.length) this.grow()
    this.data[this.length] = value
    return this.length++
  }

  get(i: number): number {
    return this.data[i]
  }

  set(i: number, value: number): void {
    this.data[i] = value
  }

  last(): number {
    return this.data[this.length - 1]
  }

  /**
   * Room for `capacity` values, in one copy: a reader that can tell how many are coming
   * (buildModel, from how much of a file gave how many) saves the doublings on the way, each
   * a copy into memory the process has not touched before.
   */
  reserve(capacity: number): void {
    if (!(capacity > this.data.length)) return
    const next = new (this.data.constructor as TypedArrayCtor<T>)(Math.ceil(capacity))
    next.set(this.data as never)
    this.data = next
  }

  private grow(): void {
    this.reserve(Math.max(16, this.data.length * 2))
  }

  /** Bytes held by the backing store (for memory budgets). */
  get bytes(): number {
    return this.data.byteLength
  }
}

/**
 * The first capacity of the k-th of n columns that grow together: staggered over one
 * doubling, so they fill, and are copied into arrays twice their size, at different pushes.
 * Nine span columns growing in the same push held a frame for 60 ms at a million spans; one
 * at a time, each copy is a ninth of that.
 */
export function staggered(k: number, n: number, base = 1024): number {
  return Math.round(base * (1 + k / n))
}

export class F64Column extends Column<Float64Array> {
  constructor(capacity = 1024) {
    super(Float64Array, capacity)
  }
}

export class I32Column extends Column<Int32Array> {
  constructor(capacity = 1024) {
    super(Int32Array, capacity)
  }
}

export class U8Column extends Column<Uint8Array> {
  constructor(capacity = 1024) {
    super(Uint8Array, capacity)
  }
}

/** First index i in [lo, hi) with values[i] >= x, for ascending values. */
export function lowerBound(values: ArrayLike<number>, x: number, lo = 0, hi = values.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (values[mid] < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** First index i in [lo, hi) with values[i] > x, for ascending values. */
export function upperBound(values: ArrayLike<number>, x: number, lo = 0, hi = values.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (values[mid] <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Interns strings so spans can refer to labels by a small integer. */
export class StringTable {
  readonly values: string[] = ['']
  private readonly index = new Map<string, number>([['', 0]])

  intern(s: string): number {
    let i = this.index.get(s)
    if (i === undefined) {
      i = this.values.length
      this.values.push(s)
      this.index.set(s, i)
    }
    return i
  }

  get(i: number): string {
    return this.values[i] ?? ''
  }
}

/** Keys below this go in the dense array; others (ids that are addresses, say) in a Map. */
const DENSE_KEY_LIMIT = 1 << 24

/** A dense window grows to hold `key` (NaN marks a hole). */
function widen(data: Float64Array, key: number): Float64Array<ArrayBuffer> {
  const next = new Float64Array(Math.min(DENSE_KEY_LIMIT, Math.max(key + 1, data.length * 2))).fill(NaN)
  next.set(data)
  return next
}

/**
 * A map from integer ids to numbers, kept in typed arrays: a million handles cost 8 MB here
 * against ~40 MB as Map entries, and a lookup is an index. Two dense windows: ids from 0 (the
 * agent numbers handles from 1), and ids from the first one past 2^24 (the agent numbers the
 * runs of a `batch` no event names from `r`, 2^40 + 2^32: a recording's anonymous runs, a
 * quarter of a million in a 1 M-event trace, are then an index too instead of a Map entry
 * keyed by a number that is not a small integer, which cost more than the rest of ingesting
 * them). Other keys fall back to a Map.
 */
export class DenseNumberMap {
  private data = new Float64Array(1024).fill(NaN)
  /** The second window: its first id (-1 until a key past the first window arrives). */
  private highBase = -1
  private high = new Float64Array(0)
  private readonly sparse = new Map<unknown, number>()

  set(key: number, value: number): void {
    // NaN marks a hole in a window: a NaN value (or one not a number) goes to the Map.
    if (typeof value === 'number' && value === value && Number.isInteger(key) && key >= 0) {
      if (key < DENSE_KEY_LIMIT) {
        if (key >= this.data.length) this.data = widen(this.data, key)
        this.data[key] = value
        return
      }
      if (this.highBase < 0) this.highBase = key
      const k = key - this.highBase
      if (k >= 0 && k < DENSE_KEY_LIMIT) {
        if (k >= this.high.length) this.high = widen(this.high, k)
        this.high[k] = value
        return
      }
    } else this.clearSlot(key)
    this.sparse.set(key, value)
  }

  /** Leaves a hole where `key` may have had a value in a window. */
  private clearSlot(key: number): void {
    if (!Number.isInteger(key) || key < 0) return
    if (key < DENSE_KEY_LIMIT) {
      if (key < this.data.length) this.data[key] = NaN
    } else {
      const k = key - this.highBase
      if (this.highBase >= 0 && k >= 0 && k < this.high.length) this.high[k] = NaN
    }
  }

  get(key: number): number | undefined {
    if (Number.isInteger(key) && key >= 0) {
      let v = NaN
      if (key < DENSE_KEY_LIMIT) {
        if (key < this.data.length) v = this.data[key]
      } else {
        const k = key - this.highBase
        if (this.highBase >= 0 && k >= 0 && k < this.high.length) v = this.high[k]
      }
      if (v === v) return v
    }
    return this.sparse.get(key)
  }
}
