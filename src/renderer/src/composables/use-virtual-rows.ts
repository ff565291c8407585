// Rows of a long list rendered only where they can be seen (and a few either side): a
// program with thousands of tasks or timers would otherwise have thousands of rows
// re-rendered and laid out each time the list follows the trace. Every row is `rowHeight`
// pixels high; spacers of the right height stand for the rest, so the scroll bar is true.

import { computed, onBeforeUnmount, onMounted, ref, type ComputedRef, type Ref } from 'vue'

export interface VirtualRows {
  /** The scrolling element (bind with `ref="scroller"`). */
  scroller: Ref<HTMLElement | null>
  /** Index of the first rendered row. */
  first: ComputedRef<number>
  /** One past the last rendered row. */
  last: ComputedRef<number>
  /** Bind to the scroller's `scroll` event. */
  onScroll: () => void
  /** Scrolls just enough to show row `index` whole (below `headerPx` of sticky header). */
  reveal: (index: number, headerPx?: number) => void
}

export function useVirtualRows(count: () => number, rowHeight: number, overscan = 8): VirtualRows {
  const scroller = ref<HTMLElement | null>(null)
  const scrollTop = ref(0)
  const viewHeight = ref(600)
  const first = computed(() => Math.max(0, Math.floor(scrollTop.value / rowHeight) - overscan))
  const last = computed(() =>
    Math.min(count(), Math.ceil((scrollTop.value + viewHeight.value) / rowHeight) + overscan)
  )
  const onScroll = (): void => {
    scrollTop.value = scroller.value?.scrollTop ?? 0
  }
  const reveal = (index: number, headerPx = 0): void => {
    const el = scroller.value
    if (!el) return
    const top = index * rowHeight
    if (top < el.scrollTop) el.scrollTop = top
    else if (top + rowHeight + headerPx > el.scrollTop + el.clientHeight)
      el.scrollTop = top + rowHeight + headerPx - el.clientHeight
    onScroll()
  }
  let observer: ResizeObserver | null = null
  onMounted(() => {
    observer = new ResizeObserver(() => (viewHeight.value = scroller.value?.clientHeight ?? 600))
    if (scroller.value) observer.observe(scroller.value)
  })
  onBeforeUnmount(() => observer?.disconnect())
  return { scroller, first, last, onScroll, reveal }
}
