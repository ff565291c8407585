// Parsed trace lines packed into a few flat arrays, to hand them from a worker (which parses
// and checks each line) to the page's main thread (which applies them). Handing over the
// objects themselves costs more than parsing them again (structured clone builds every
// object through the slow path); two typed arrays, a string table and a list of object
// shapes are copied almost for free, and `decodeColumns` builds the objects from them in a
// quarter of JSON.parse's time: the event shapes the agent writes are built as object
// literals, so they get the same fast layout JSON.parse gives them.
//
// Any JSON value round-trips exactly: decodeColumns(encode(values)) deep-equals values,
// key order included.

import { TRACE_EVENT_TYPES } from '../trace-types'

/** One value's op in `ops`; strings, arrays and objects carry one more int (table index, length, shape). */
const NUM = 0
const STR = 1
const TRUE = 2
const FALSE = 3
const NULL = 4
const ARR = 5
const OBJ = 6

export interface EventColumns {
  /** How many top-level values. */
  count: number
  /** Each object's keys, by shape id, in the object's own order. */
  shapes: string[][]
  strs: string[]
  nums: Float64Array
  ops: Int32Array
}

/** The buffers `postMessage` can move instead of copy. */
export function columnBuffers(c: EventColumns): ArrayBuffer[] {
  return [c.nums.buffer as ArrayBuffer, c.ops.buffer as ArrayBuffer]
}

/** A node of the encoder's trie of key lists: the shape of an object with exactly these keys. */
interface ShapeNode {
  next: Map<string, ShapeNode>
  shape: number
}

/** Packs values one at a time; `finish` hands out the columns and starts afresh. */
export class ColumnEncoder {
  private shapes: string[][] = []
  private root: ShapeNode = { next: new Map(), shape: -1 }
  private strs: string[] = []
  private strIds = new Map<string, number>()
  private nums = new Float64Array(4096)
  private numAt = 0
  private ops = new Int32Array(8192)
  private opAt = 0
  private count = 0

  get size(): number {
    return this.count
  }

  add(value: unknown): void {
    this.count++
    this.value(value)
  }

  finish(): EventColumns {
    const out: EventColumns = {
      count: this.count,
      shapes: this.shapes,
      strs: this.strs,
      nums: this.nums.slice(0, this.numAt),
      ops: this.ops.slice(0, this.opAt)
    }
    this.shapes = []
    this.root = { next: new Map(), shape: -1 }
    this.strs = []
    this.strIds.clear()
    this.numAt = 0
    this.opAt = 0
    this.count = 0
    return out
  }

  private op(a: number): void {
    if (this.opAt === this.ops.length) this.ops = grow(this.ops, Int32Array)
    this.ops[this.opAt++] = a
  }

  private value(v: unknown): void {
    switch (typeof v) {
      case 'number':
        this.op(NUM)
        if (this.numAt === this.nums.length) this.nums = grow(this.nums, Float64Array)
        this.nums[this.numAt++] = v
        return
      case 'string': {
        let id = this.strIds.get(v)
        if (id === undefined) {
          id = this.strs.length
          this.strs.push(v)
          this.strIds.set(v, id)
        }
        this.op(STR)
        this.op(id)
        return
      }
      case 'boolean':
        this.op(v ? TRUE : FALSE)
        return
      case 'object':
        if (v === null) {
          this.op(NULL)
        } else if (Array.isArray(v)) {
          this.op(ARR)
          this.op(v.length)
          for (let i = 0; i < v.length; i++) this.value(v[i])
        } else {
          // The shape is found by walking a trie of key names, so no key list is joined or
          // looked up whole per object.
          const o = v as Record<string, unknown>
          const keys = Object.keys(o)
          let node = this.root
          for (let i = 0; i < keys.length; i++) {
            const k = keys[i]
            let next = node.next.get(k)
            if (next === undefined) {
              next = { next: new Map(), shape: -1 }
              node.next.set(k, next)
            }
            node = next
          }
          if (node.shape < 0) {
            node.shape = this.shapes.length
            this.shapes.push(keys)
          }
          this.op(OBJ)
          this.op(node.shape)
          for (let i = 0; i < keys.length; i++) this.value(o[keys[i]])
        }
        return
      default:
        // Not JSON (undefined, a function): what JSON.stringify would leave of it.
        this.op(NULL)
    }
  }
}

function grow<T extends Float64Array | Int32Array>(a: T, Kind: { new (n: number): T }): T {
  const b = new Kind(a.length * 2)
  b.set(a)
  return b
}

/** Strings the model compares often, as the program's own literals (compared by identity). */
const CANONICAL = new Map<string, string>(
  [
    ...TRACE_EVENT_TYPES,
    'running',
    'waiting',
    'done',
    'failed',
    'cancelled',
    'created',
    'stdout',
    'stderr',
    'add',
    'remove',
    'r',
    'w'
  ].map((s) => [s, s])
)

/** Builds the values back, in order. */
export function decodeColumns(c: EventColumns): unknown[] {
  const { shapes, nums, ops } = c
  const strs = c.strs.map((s) => CANONICAL.get(s) ?? s)
  let oi = 0
  let ni = 0
  const value = (): unknown => {
    const op = ops[oi++]
    if (op === NUM) return nums[ni++]
    if (op === STR) return strs[ops[oi++]]
    if (op === OBJ) return object(ops[oi++])
    switch (op) {
      case TRUE:
        return true
      case FALSE:
        return false
      case ARR: {
        const n = ops[oi++]
        const a = new Array<unknown>(n)
        for (let i = 0; i < n; i++) a[i] = value()
        return a
      }
      default:
        return null
    }
  }
  const makers = shapes.map((keys) => makerFor(keys, value))
  const object = (id: number): unknown => {
    const make = makers[id]
    if (make !== null) return make()
    const keys = shapes[id]
    const o: Record<string, unknown> = {}
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]
      // An own "__proto__" (JSON.parse makes one) must not become the prototype.
      if (k === '__proto__')
        Object.defineProperty(o, k, { value: value(), writable: true, enumerable: true, configurable: true })
      else o[k] = value()
    }
    return o
  }
  const out = new Array<unknown>(c.count)
  for (let i = 0; i < c.count; i++) out[i] = value()
  return out
}

type Maker = () => unknown

/**
 * The shapes the agent and older traces write most, each built as one object literal. A
 * shape's keys must match one of these exactly (names and order) to be built by it.
 */
function makerFor(keys: string[], v: () => unknown): Maker | null {
  // Joined by NULs, a name holding one could pass for two: such shapes are built key by key.
  if (keys.some((k) => k.includes('\u0000'))) return null
  switch (keys.join('\u0000')) {
    case 'type\u0000t\u0000loop\u0000handle\u0000cb\u0000task\u0000tick':
      return () => ({ type: v(), t: v(), loop: v(), handle: v(), cb: v(), task: v(), tick: v() })
    case 'type\u0000t\u0000loop\u0000handle\u0000dur':
      return () => ({ type: v(), t: v(), loop: v(), handle: v(), dur: v() })
    case 'type\u0000t\u0000loop\u0000handle\u0000cb\u0000task':
      return () => ({ type: v(), t: v(), loop: v(), handle: v(), cb: v(), task: v() })
    case 'type\u0000t\u0000loop\u0000handle\u0000cb\u0000when\u0000task':
      return () => ({ type: v(), t: v(), loop: v(), handle: v(), cb: v(), when: v(), task: v() })
    case 'type\u0000t\u0000loop\u0000handle':
      return () => ({ type: v(), t: v(), loop: v(), handle: v() })
    case 'type\u0000t\u0000task\u0000state\u0000awaiting':
      return () => ({ type: v(), t: v(), task: v(), state: v(), awaiting: v() })
    case 'type\u0000t\u0000task\u0000state\u0000result':
      return () => ({ type: v(), t: v(), task: v(), state: v(), result: v() })
    case 'type\u0000t\u0000task\u0000state':
      return () => ({ type: v(), t: v(), task: v(), state: v() })
    case 'type\u0000t\u0000loop\u0000tick':
      return () => ({ type: v(), t: v(), loop: v(), tick: v() })
    case 'type\u0000t\u0000loop\u0000timeout\u0000waited\u0000fds':
      return () => ({ type: v(), t: v(), loop: v(), timeout: v(), waited: v(), fds: v() })
    case 'type\u0000t\u0000loop\u0000task\u0000name\u0000coro\u0000parent\u0000site':
      return () => ({ type: v(), t: v(), loop: v(), task: v(), name: v(), coro: v(), parent: v(), site: v() })
    case 'type\u0000t\u0000stream\u0000data':
      return () => ({ type: v(), t: v(), stream: v(), data: v() })
    case 'kind\u0000label':
      return () => ({ kind: v(), label: v() })
    case 'kind\u0000label\u0000ref':
      return () => ({ kind: v(), label: v(), ref: v() })
    default:
      return null
  }
}
