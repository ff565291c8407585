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
