// Hands a TraceModel from one thread to another as it is: a saved trace is read and applied
// in a worker (the page's reader worker), and the page takes over the finished model instead
// of applying a million events itself. `packModel` lists the model's class instances and
// typed arrays; a structured clone (postMessage) carries the graph, moving the arrays rather
// than copying them and keeping shared references shared; `unpackModel` gives the listed
// objects their classes back. The model is data only: a function anywhere in it is an error
// here, not a silent loss on the other side.

import { BatchExpander, PackedMemory } from './batch'
import { DenseNumberMap, F64Column, I32Column, StringTable, U8Column } from './columns'
import { DeltaLog, QueueState } from './queue-state'
import { HistoryLog, MarkerStore, SpanStore } from './span-store'
import { TraceModel } from './trace-model'

/** Every class whose instances a model holds. A new one must be listed here (packModel says so). */
const CLASSES = [
  TraceModel,
  SpanStore,
  MarkerStore,
  HistoryLog,
  StringTable,
  F64Column,
  I32Column,
  U8Column,
  DenseNumberMap,
  QueueState,
  DeltaLog,
  BatchExpander,
  PackedMemory
] as const

const CLASS_INDEX = new Map<unknown, number>(CLASSES.map((c, i) => [c.prototype, i]))

/** A model as postMessage carries it: `objects[i]` is, in the graph under `model`, an instance of CLASSES[classes[i]]. */
export interface PackedModel {
  model: object
  objects: object[]
  classes: number[]
}

/**
 * Lists `model`'s class instances for `unpackModel`, and the buffers of its typed arrays to
 * move with it (after the move this thread's model is unusable). Throws on anything a
 * structured clone would drop or refuse: a function, or an instance of an unlisted class.
 */
export function packModel(model: TraceModel): { packed: PackedModel; transfer: ArrayBuffer[] } {
  const objects: object[] = []
  const classes: number[] = []
  const buffers = new Set<ArrayBuffer>()
  const seen = new Set<object>()
  const stack: { value: unknown; at: string }[] = [{ value: model, at: 'model' }]
  const visit = (value: unknown, at: string): void => {
    if (typeof value === 'function') throw new Error(`packModel: a function at ${at}`)
    if (value !== null && typeof value === 'object' && !seen.has(value)) stack.push({ value, at })
  }
  while (stack.length) {
    const { value, at } = stack.pop() as { value: object; at: string }
    seen.add(value)
    if (ArrayBuffer.isView(value)) {
      if (value.buffer instanceof ArrayBuffer) buffers.add(value.buffer)
      continue
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i]
        if (v !== null && (typeof v === 'object' || typeof v === 'function')) visit(v, `${at}[${i}]`)
      }
      continue
    }
    if (value instanceof Map) {
      for (const [k, v] of value) {
        visit(k, `${at} key`)
        visit(v, `${at}.get(${String(k)})`)
      }
      continue
    }
    if (value instanceof Set) {
      for (const v of value) visit(v, `${at} member`)
      continue
    }
    const proto = Object.getPrototypeOf(value) as unknown
    if (proto !== Object.prototype && proto !== null) {
      const index = CLASS_INDEX.get(proto)
      if (index === undefined)
        throw new Error(
          `packModel: ${at} is a ${String((proto as { constructor?: { name?: string } }).constructor?.name)}, not a class model-transfer.ts lists`
        )
      objects.push(value)
      classes.push(index)
    }
    for (const key of Object.keys(value)) visit((value as Record<string, unknown>)[key], `${at}.${key}`)
  }
  return { packed: { model, objects, classes }, transfer: [...buffers] }
}

/** The model `packModel` listed, as a structured clone brought it over, with its classes back. */
export function unpackModel(packed: PackedModel): TraceModel {
  const { objects, classes } = packed
  if (objects.length !== classes.length) throw new Error('unpackModel: a damaged model')
  for (let i = 0; i < objects.length; i++) {
    const cls = CLASSES[classes[i]]
    if (!cls) throw new Error('unpackModel: a damaged model')
    Object.setPrototypeOf(objects[i], cls.prototype)
  }
  if (!(packed.model instanceof TraceModel)) throw new Error('unpackModel: not a model')
  return packed.model
}
