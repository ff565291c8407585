// A table's column widths as shares of its width, remembered (localStorage) and changed by
// dragging the border between two columns, as in VS Code's tables: the column on one side
// takes what the other gives, so the table always fits its pane and no column disappears
// off its right edge.

import { ref, watch, type Ref } from 'vue'
import { readLayoutJson, writeLayout } from './use-persisted-size'

/** `shares` scaled to sum to 1 (all equal where they cannot be). */
export function normalizeShares(shares: readonly number[]): number[] {
  const sum = shares.reduce((a, b) => a + (Number.isFinite(b) && b > 0 ? b : 0), 0)
  if (!(sum > 0)) return shares.map(() => 1 / shares.length)
  return shares.map((s) => (Number.isFinite(s) && s > 0 ? s : 0) / sum)
}

/**
 * Moves the border after column `i` by `delta` (a share of the table's width; positive widens
 * column `i`), taking the room from column `i + 1` or giving it back: neither ends narrower than
 * its `min` share. Returns the new shares (the sum is kept).
 */
export function shiftBorder(
  shares: readonly number[],
  i: number,
  delta: number,
  min: readonly number[]
): number[] {
  const out = shares.slice()
  if (i < 0 || i + 1 >= out.length) return out
  const lo = Math.min(0, min[i] - out[i])
  const hi = Math.max(0, out[i + 1] - min[i + 1])
  const d = Math.min(hi, Math.max(lo, delta))
  out[i] += d
  out[i + 1] -= d
  return out
}

/** The shares of the columns `shown` (indices, in order), scaled to fill the table between them. */
export function shownShares(shares: readonly number[], shown: readonly number[]): number[] {
  return normalizeShares(shown.map((k) => shares[k]))
}

/**
 * `shares` (summing to 1) as drawn in a table where column `i` may not be narrower than
 * `min[i]` (a share of the table's width): a column below its minimum is drawn at it, and
 * the others give up the room in proportion to their shares. Where the minimums take more
 * than the whole, each column gets its minimum scaled to fit.
 */
export function fitToMinimums(shares: readonly number[], min: readonly number[]): number[] {
  const need = min.reduce((a, b) => a + b, 0)
  if (need >= 1) return normalizeShares(min.slice())
  const out = shares.slice()
  const pinned = new Array<boolean>(out.length).fill(false)
  for (;;) {
    let room = 1
    let free = 0
    for (let i = 0; i < out.length; i++) {
      if (pinned[i]) room -= min[i]
      else free += shares[i]
    }
    let again = false
    for (let i = 0; i < out.length; i++) {
      if (pinned[i]) continue
      out[i] = free > 0 ? (shares[i] * room) / free : room / out.length
      if (out[i] < min[i]) {
        pinned[i] = true
        out[i] = min[i]
        again = true
      }
    }
    if (!again) return out
  }
}

export interface ColumnWidths {
  /** Each column's share of the table's width, summing to 1 (hidden ones' kept for when they return). */
  shares: Ref<number[]>
  /**
   * Moves the border after the `pos`-th of the columns `shown` (indices; all by default) by
   * `px` pixels of a table `tablePx` wide, from where it is or from the widths `from` (those
   * a drag began with). Hidden columns keep their shares.
   */
  resize(pos: number, px: number, tablePx: number, from?: readonly number[], shown?: readonly number[]): void
  /** Back to the defaults. */
  reset(): void
}

/**
 * Column widths remembered under `key`. `defaults` are relative widths (any scale); `minPx` the
 * narrowest each column may be dragged to (the table itself is kept at least their sum wide).
 */
export function useColumnWidths(
  key: string,
  defaults: readonly number[],
  minPx: readonly number[]
): ColumnWidths {
  const initial = normalizeShares(defaults)
  const stored = readLayoutJson(key)
  const valid =
    Array.isArray(stored) &&
    stored.length === defaults.length &&
    stored.every((s) => typeof s === 'number' && Number.isFinite(s) && s > 0)
  const shares = ref(valid ? normalizeShares(stored as number[]) : initial)
  watch(shares, (v) => writeLayout(key, JSON.stringify(v.map((s) => Math.round(s * 1e4) / 1e4))))
  return {
    shares,
    resize(pos, px, tablePx, from = shares.value, shown = defaults.map((_, k) => k)) {
      if (!(tablePx > 0)) return
      const min = shown.map((k) => minPx[k] / tablePx)
      const moved = shiftBorder(shownShares(from, shown), pos, px / tablePx, min)
      const total = shown.reduce((a, k) => a + from[k], 0)
      const out = from.slice()
      shown.forEach((k, j) => (out[k] = moved[j] * total))
      shares.value = out
    },
    reset() {
      shares.value = initial.slice()
    }
  }
}

export interface HiddenColumns {
  /** The keys of the columns hidden, remembered. */
  hidden: Ref<string[]>
  /** Hides a shown column or shows a hidden one. */
  toggle(key: string): void
}

/** Which of a table's columns (`keys`) the person has hidden, remembered under `key`. */
export function useHiddenColumns(key: string, keys: readonly string[]): HiddenColumns {
  const stored = readLayoutJson(key)
  const hidden = ref<string[]>(
    Array.isArray(stored) ? keys.filter((k) => (stored as unknown[]).includes(k)) : []
  )
  watch(hidden, (v) => writeLayout(key, JSON.stringify(v)))
  return {
    hidden,
    toggle(k) {
      hidden.value = hidden.value.includes(k)
        ? hidden.value.filter((h) => h !== k)
        : keys.filter((c) => c === k || hidden.value.includes(c))
    }
  }
}
