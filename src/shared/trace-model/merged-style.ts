// How a merged block (spans too narrow to draw one by one, lod.ts) looks in the live
// swimlanes: coloured by what its lane holds, its opacity saying how busy the lane was. A
// selector-wait lane merged at a coarse zoom is the loop idling, so it keeps the selector
// colour instead of the step colour, or an idle loop would look busy. The image export
// draws merged blocks the same way (src/shared/export/image-option.ts).

import { SpanFlag, SpanKind, type LaneRow } from './model-types'
import type { SwimlaneFrame } from './swimlane-option'
import type { SwimlaneTheme } from './swimlane-theme'

export function mergedBlockFill(th: SwimlaneTheme, row: LaneRow | undefined, flags: number): string {
  if (flags & SpanFlag.Blocked) return th.blocked
  if (row?.kind === 'select') return th.select
  if (row?.kind === 'callbacks') return th.callback
  if (row?.kind === 'executor') return th.executor
  return th.merged
}

export function mergedBlockOpacity(busy: number): number {
  return 0.25 + 0.75 * Math.min(1, busy * 4)
}

interface RenderApi {
  value(dim: number): unknown
  coord(v: number[]): number[]
  size?(v: number[]): number | number[]
}
type Rect = { x: number; y: number; width: number; height: number }
type RenderItem = (params: { coordSys: unknown }, api: RenderApi) => unknown

/**
 * Wraps the frame's span renderer so merged blocks are drawn by lane kind; every other span,
 * the data, tooltips and clicks stay as the frame built them. Returns the same frame.
 */
export function colourMergedByLane(frame: SwimlaneFrame, th: SwimlaneTheme): SwimlaneFrame {
  const series = (frame.option.series ?? []) as { id?: string; renderItem?: RenderItem }[]
  const spans = series.find((s) => s.id === 'spans')
  const inner = spans?.renderItem
  if (!spans || !inner) return frame
  const rows = frame.rows
  spans.renderItem = (params, api) => {
    if ((api.value(3) as number) !== SpanKind.Merged) return inner(params, api)
    const cs = params.coordSys as Rect
    const row = api.value(0) as number
    const p0 = api.coord([api.value(1) as number, row])
    const p1 = api.coord([api.value(2) as number, row])
    const size = api.size?.([0, 1])
    const band = Array.isArray(size) ? size[1] : 0
    const x0 = Math.max(p0[0], cs.x)
    const x1 = Math.min(Math.max(p1[0], p0[0] + 1), cs.x + cs.width)
    if (x1 < x0) return null
    const isSelect = rows[row]?.kind === 'select'
    const h = band * (isSelect ? 0.5 : 0.62)
    const y = p0[1] - h / 2
    if (y + h < cs.y || y > cs.y + cs.height) return null
    return {
      type: 'rect',
      shape: { x: x0, y, width: Math.max(1, x1 - x0), height: h, r: x1 - x0 > 4 ? 2 : 0 },
      style: {
        fill: mergedBlockFill(th, rows[row], api.value(7) as number),
        opacity: mergedBlockOpacity(api.value(6) as number)
      }
    }
  }
  return frame
}
