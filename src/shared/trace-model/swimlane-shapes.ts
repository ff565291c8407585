// Batch shapes for the live swimlanes' ECharts custom series (swimlane-paint.ts). A chart
// element per span cost ECharts about 10 µs each (build, diff, brush), so a zoomed-out
// window of 20,000 spans could not redraw in a frame. Instead one element draws every item
// of one look: all run steps in one path, all merged blocks of one colour and opacity in
// another. The renderer registers these with `echarts.graphic.registerShape` (echarts-setup.ts);
// each `buildPath` walks a flat number array. Filled subpaths are left open (a fill closes
// them): closing each of thousands of subpaths of one path cost Chromium milliseconds a frame.
//
// Pure: no ECharts import, so the shapes are unit-tested with a recording path.

/** What zrender's PathProxy (and a 2D canvas) offers a shape's buildPath. */
export interface PathSink {
  moveTo(x: number, y: number): void
  lineTo(x: number, y: number): void
  arc(cx: number, cy: number, r: number, a0: number, a1: number, anticlockwise?: boolean): void
  rect(x: number, y: number, w: number, h: number): void
  closePath(): void
}

export interface ShapeDef<S> {
  shape: S
  buildPath(ctx: PathSink, shape: S): void
}

/** Rectangles [x, y, w, h, …]; those wider than 2·r + 0.5 get corners of radius r. */
export interface RectsShape {
  d: number[]
  r: number
}

/** Polygons of `k` corners each, [x0, y0, x1, y1, …]. */
export interface PolysShape {
  d: number[]
  k: number
}

/** Circles of radius r centred at [x, y, …]. */
export interface DotsShape {
  d: number[]
  r: number
}

/** Line segments [x0, y0, x1, y1, …]. */
export interface SegmentsShape {
  d: number[]
}

export const SHAPE_RECTS = 'ls-rects'
export const SHAPE_POLYS = 'ls-polys'
export const SHAPE_DOTS = 'ls-dots'
export const SHAPE_SEGMENTS = 'ls-segments'

function roundRect(ctx: PathSink, x: number, y: number, w: number, h: number, r: number): void {
  ctx.moveTo(x + r, y)
  ctx.lineTo(x + w - r, y)
  ctx.arc(x + w - r, y + r, r, -Math.PI / 2, 0)
  ctx.lineTo(x + w, y + h - r)
  ctx.arc(x + w - r, y + h - r, r, 0, Math.PI / 2)
  ctx.lineTo(x + r, y + h)
  ctx.arc(x + r, y + h - r, r, Math.PI / 2, Math.PI)
  ctx.lineTo(x, y + r)
  ctx.arc(x + r, y + r, r, Math.PI, Math.PI * 1.5)
}

export const RECTS: ShapeDef<RectsShape> = {
  shape: { d: [], r: 0 },
  buildPath(ctx, { d, r }) {
    const wide = 2 * r + 0.5
    for (let i = 0; i + 3 < d.length; i += 4) {
      const w = d[i + 2]
      if (r > 0 && w > wide) roundRect(ctx, d[i], d[i + 1], w, d[i + 3], r)
      else ctx.rect(d[i], d[i + 1], w, d[i + 3])
    }
  }
}

export const POLYS: ShapeDef<PolysShape> = {
  shape: { d: [], k: 3 },
  buildPath(ctx, { d, k }) {
    const step = 2 * k
    for (let i = 0; i + step - 1 < d.length; i += step) {
      ctx.moveTo(d[i], d[i + 1])
      for (let j = 2; j < step; j += 2) ctx.lineTo(d[i + j], d[i + j + 1])
      ctx.closePath()
    }
  }
}

export const DOTS: ShapeDef<DotsShape> = {
  shape: { d: [], r: 3 },
  buildPath(ctx, { d, r }) {
    for (let i = 0; i + 1 < d.length; i += 2) {
      ctx.moveTo(d[i] + r, d[i + 1])
      ctx.arc(d[i], d[i + 1], r, 0, Math.PI * 2)
    }
  }
}

export const SEGMENTS: ShapeDef<SegmentsShape> = {
  shape: { d: [] },
  buildPath(ctx, { d }) {
    for (let i = 0; i + 3 < d.length; i += 4) {
      ctx.moveTo(d[i], d[i + 1])
      ctx.lineTo(d[i + 2], d[i + 3])
    }
  }
}

/** Every batch shape by the name the custom series' elements give as `type`. */
export const SWIMLANE_SHAPES: Record<string, ShapeDef<never>> = {
  [SHAPE_RECTS]: RECTS as ShapeDef<never>,
  [SHAPE_POLYS]: POLYS as ShapeDef<never>,
  [SHAPE_DOTS]: DOTS as ShapeDef<never>,
  [SHAPE_SEGMENTS]: SEGMENTS as ShapeDef<never>
}
