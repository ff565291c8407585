// Growable typed-array columns: the bulk of a trace (spans, markers, ticks, queue deltas)
// lives here instead of in millions of small objects, which keeps memory per event low and
// keeps Vue's reactivity away from it.

type TypedArray = Float64Array | Int32Array | Uint8Array
type TypedArrayCtor<T extends TypedArray> = new (length: number) => T

class Column<T extends TypedArray> {
  data: T
  length = 0
  private readonly ctor: TypedArrayCtor<T>

  constructor(ctor: TypedArrayCtor<T>, capacity = 1024) {
    this.ctor = ctor
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

  private grow(): void {
    const next = new this.ctor(Math.max(16, this.data.length * 2))
    next.set(this.data as never)
    this.data = next
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

/**
 * A map from small non-negative integer ids (handles, numbered from 1 by the agent) to numbers,
 * kept in one typed array: a million handles cost 8 MB here against ~40 MB as Map entries, and
 * a lookup is an index. Other keys fall back to a Map.
 */
export class DenseNumberMap {
  private data = new Float64Array(1024).fill(NaN)
  private readonly sparse = new Map<unknown, number>()

  set(key: number, value: number): void {
    if (Number.isInteger(key) && key >= 0 && key < DENSE_KEY_LIMIT && typeof value === 'number') {
      if (key >= this.data.length) {
        const next = new Float64Array(
          Math.min(DENSE_KEY_LIMIT, Math.max(key + 1, this.data.length * 2))
        ).fill(NaN)
        next.set(this.data)
        this.data = next
      }
      this.data[key] = value
    } else this.sparse.set(key, value)
  }

  get(key: number): number | undefined {
    if (Number.isInteger(key) && key >= 0 && key < DENSE_KEY_LIMIT) {
      const v = key < this.data.length ? this.data[key] : NaN
      if (v === v) return v
    }
    return this.sparse.get(key)
  }
}
