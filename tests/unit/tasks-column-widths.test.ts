// The Tasks table's column widths: shares of the pane that a dragged border moves from one
// column to its neighbour, never below a column's minimum, remembered across reloads; and
// which columns are hidden, whose shares wait for them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import {
  fitToMinimums,
  normalizeShares,
  shiftBorder,
  shownShares,
  useColumnWidths,
  useHiddenColumns
} from '@renderer/composables/use-column-widths'

class MemoryStorage {
  items = new Map<string, string>()
  getItem(k: string): string | null {
    return this.items.get(k) ?? null
  }
  setItem(k: string, v: string): void {
    this.items.set(k, v)
  }
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0)

describe('column shares', () => {
  it('normalizes relative widths to shares that sum to 1, and bad ones to equal shares', () => {
    expect(normalizeShares([1, 3])).toEqual([0.25, 0.75])
    expect(normalizeShares([0, 0, 0, 0])).toEqual([0.25, 0.25, 0.25, 0.25])
    expect(normalizeShares([2, NaN, 2])).toEqual([0.5, 0, 0.5])
  })

  it('moves a border between two neighbours only, keeping the sum', () => {
    const out = shiftBorder([0.2, 0.3, 0.5], 0, 0.1, [0, 0, 0])
    expect(out[0]).toBeCloseTo(0.3)
    expect(out[1]).toBeCloseTo(0.2)
    expect(out[2]).toBe(0.5)
    const back = shiftBorder(out, 1, -0.05, [0, 0, 0])
    expect(back[1]).toBeCloseTo(0.15)
    expect(back[2]).toBeCloseTo(0.55)
    expect(sum(back)).toBeCloseTo(1)
  })

  it('stops at either column minimum, and ignores a border past the last column', () => {
    const min = [0.1, 0.25, 0.1]
    expect(shiftBorder([0.2, 0.3, 0.5], 0, 0.5, min)).toEqual([0.25, 0.25, 0.5])
    const left = shiftBorder([0.2, 0.3, 0.5], 0, -0.5, min)
    expect(left[0]).toBeCloseTo(0.1)
    expect(left[1]).toBeCloseTo(0.4)
    expect(shiftBorder([0.2, 0.3, 0.5], 2, 0.1, min)).toEqual([0.2, 0.3, 0.5])
    // A column already below its minimum (a narrower pane) is not squeezed further, nor jumped.
    expect(shiftBorder([0.05, 0.45, 0.5], 0, -0.01, min)).toEqual([0.05, 0.45, 0.5])
  })
})

describe('columns drawn in a narrow pane', () => {
  it('draws a column below its minimum at it, the others giving up the room in proportion', () => {
    const out = fitToMinimums([0.5, 0.3, 0.2], [0, 0, 0.4])
    expect(out[2]).toBeCloseTo(0.4)
    expect(out[0]).toBeCloseTo(0.375)
    expect(out[1]).toBeCloseTo(0.225)
    expect(sum(out)).toBeCloseTo(1)
  })

  it('keeps going while giving up room takes another column below its minimum', () => {
    const out = fitToMinimums([0.6, 0.25, 0.15], [0, 0.24, 0.3])
    expect(out[2]).toBeCloseTo(0.3)
    expect(out[1]).toBeCloseTo(0.24)
    expect(out[0]).toBeCloseTo(0.46)
  })

  it('leaves shares that fit alone, and scales minimums that take more than the whole', () => {
    expect(fitToMinimums([0.5, 0.5], [0.2, 0.2])).toEqual([0.5, 0.5])
    const over = fitToMinimums([0.9, 0.1], [0.6, 0.6])
    expect(over[0]).toBeCloseTo(0.5)
    expect(over[1]).toBeCloseTo(0.5)
  })
})

describe('useColumnWidths', () => {
  let storage: MemoryStorage
  beforeEach(() => {
    storage = new MemoryStorage()
    ;(globalThis as { localStorage?: unknown }).localStorage = storage
  })
  afterEach(() => {
    delete (globalThis as { localStorage?: unknown }).localStorage
  })

  it('resizes by pixels of the table, remembers the widths, and resets to the defaults', async () => {
    const a = useColumnWidths('t', [100, 100, 200], [40, 40, 40])
    expect(a.shares.value).toEqual([0.25, 0.25, 0.5])
    a.resize(0, 40, 400)
    expect(a.shares.value[0]).toBeCloseTo(0.35)
    expect(a.shares.value[1]).toBeCloseTo(0.15)
    // Dragged as far as the next column's 40 px minimum goes, no further.
    a.resize(0, 100, 400)
    expect(a.shares.value[1]).toBeCloseTo(0.1)
    await nextTick()
    const b = useColumnWidths('t', [100, 100, 200], [40, 40, 40])
    expect(b.shares.value[0]).toBeCloseTo(0.4)
    b.reset()
    expect(b.shares.value).toEqual([0.25, 0.25, 0.5])
  })

  it('measures a drag from the widths it began with, so the border comes back to the pointer', () => {
    const w = useColumnWidths('d', [100, 100, 200], [40, 40, 40])
    const from = w.shares.value.slice()
    w.resize(0, 100, 400, from) // past the next column's minimum: stops there
    expect(w.shares.value[1]).toBeCloseTo(0.1)
    w.resize(0, 20, 400, from) // the pointer comes back: 20 px from the start, not from the stop
    expect(w.shares.value[0]).toBeCloseTo(0.3)
    expect(w.shares.value[1]).toBeCloseTo(0.2)
  })

  it('ignores remembered widths that do not fit the columns', () => {
    storage.setItem('loopscope.layout.t', JSON.stringify([0.5, 0.5]))
    expect(useColumnWidths('t', [1, 1, 2], [0, 0, 0]).shares.value).toEqual([0.25, 0.25, 0.5])
    storage.setItem('loopscope.layout.t', '{not json')
    expect(useColumnWidths('t', [1, 1, 2], [0, 0, 0]).shares.value).toEqual([0.25, 0.25, 0.5])
    storage.setItem('loopscope.layout.t', JSON.stringify([1, -1, 2]))
    expect(useColumnWidths('t', [1, 1, 2], [0, 0, 0]).shares.value).toEqual([0.25, 0.25, 0.5])
  })

  it('with columns hidden, moves a border between two shown ones and keeps the hidden shares', () => {
    const w = useColumnWidths('h', [100, 100, 100, 100], [10, 10, 10, 10])
    // Columns 0, 2 and 3 shown: each a third of the table.
    const shown = [0, 2, 3]
    expect(shownShares(w.shares.value, shown).map((x) => Math.round(x * 300))).toEqual([100, 100, 100])
    // The border after the first shown column (between 0 and 2) moves 30 px of a 300 px table.
    w.resize(0, 30, 300, undefined, shown)
    expect(shownShares(w.shares.value, shown).map((x) => Math.round(x * 300))).toEqual([130, 70, 100])
    expect(w.shares.value[1]).toBeCloseTo(0.25)
    expect(sum(w.shares.value)).toBeCloseTo(1)
  })
})

describe('useHiddenColumns', () => {
  beforeEach(() => {
    ;(globalThis as { localStorage?: unknown }).localStorage = new MemoryStorage()
  })
  afterEach(() => {
    delete (globalThis as { localStorage?: unknown }).localStorage
  })

  it('hides and shows columns in table order, remembers them, and forgets keys it does not know', async () => {
    const keys = ['name', 'state', 'site', 'parent']
    const a = useHiddenColumns('c', keys)
    expect(a.hidden.value).toEqual([])
    a.toggle('parent')
    a.toggle('state')
    expect(a.hidden.value).toEqual(['state', 'parent'])
    a.toggle('parent')
    expect(a.hidden.value).toEqual(['state'])
    await nextTick()
    expect(useHiddenColumns('c', keys).hidden.value).toEqual(['state'])
    localStorage.setItem('loopscope.layout.c', JSON.stringify(['gone', 'site']))
    expect(useHiddenColumns('c', keys).hidden.value).toEqual(['site'])
    localStorage.setItem('loopscope.layout.c', '{not json')
    expect(useHiddenColumns('c', keys).hidden.value).toEqual([])
  })
})
