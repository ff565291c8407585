// A drag followed from its `pointerdown` until the pointer is released: the element that was
// pressed captures the pointer, so the drag goes on outside it (a splitter, a column border).

/** Calls `move` with the pointer's distance from where it was pressed, at each move, until release. */
export function followPointer(e: PointerEvent, move: (dx: number, dy: number) => void): void {
  const el = e.currentTarget as HTMLElement
  el.setPointerCapture(e.pointerId)
  const x0 = e.clientX
  const y0 = e.clientY
  const onMove = (ev: PointerEvent): void => move(ev.clientX - x0, ev.clientY - y0)
  const up = (): void => {
    el.removeEventListener('pointermove', onMove)
    el.removeEventListener('pointerup', up)
    el.removeEventListener('pointercancel', up)
  }
  el.addEventListener('pointermove', onMove)
  el.addEventListener('pointerup', up)
  el.addEventListener('pointercancel', up)
}
