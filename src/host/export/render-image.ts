// Renders the exported picture without a window: the shared option builder, ECharts'
// server-side SVG renderer, and resvg for PNG.

import * as echarts from 'echarts'
import { Resvg } from '@resvg/resvg-js'
import type { TraceEvent, TraceHeader } from '@shared/trace-types'
import { TraceModel } from '@shared/trace-model/trace-model'
import { buildExportImageOption, type ExportImageLayout } from '@shared/export/image-option'
import { pickSansFont } from './fonts'
import { DEFAULT_PNG_SCALE } from './export-defaults'

export { DEFAULT_PNG_SCALE }

export interface ExportImageRequest {
  format: 'png' | 'svg'
  /** Window, seconds since the start of the trace. */
  from?: number
  to?: number
  width?: number
  height?: number
  /** PNG pixel ratio (default 2: sharp on high-density screens and in slides). */
  scale?: number
  header?: TraceHeader | null
}

/** resvg allocates width × height × 4 bytes; beyond this the request is surely a mistake. */
const MAX_PNG_PIXELS = 120_000_000

export function modelFromEvents(
  events: readonly TraceEvent[],
  header: TraceHeader | null = null
): TraceModel {
  const model = new TraceModel()
  if (header) model.setHeader(header)
  model.ingest(events)
  return model
}

export function renderSvg(
  model: TraceModel,
  req: Omit<ExportImageRequest, 'format' | 'scale'>
): { svg: string; layout: ExportImageLayout } {
  const font = pickSansFont()
  const { option, layout } = buildExportImageOption(model, { ...req, fontFamily: font.family })
  const chart = echarts.init(null, null, {
    renderer: 'svg',
    ssr: true,
    width: layout.width,
    height: layout.height
  })
  try {
    chart.setOption(option)
    return { svg: chart.renderToSVGString(), layout }
  } finally {
    chart.dispose()
  }
}

export function svgToPng(svg: string, scale = DEFAULT_PNG_SCALE): Buffer {
  if (!(scale > 0 && scale <= 8)) throw new Error(`scale must be in (0, 8], got ${scale}`)
  const font = pickSansFont()
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    font: {
      loadSystemFonts: true,
      fontFiles: font.file ? [font.file] : [],
      defaultFontFamily: font.family,
      sansSerifFamily: font.family
    }
  })
  if (resvg.width * resvg.height * scale * scale > MAX_PNG_PIXELS) {
    throw new Error(
      `a ${Math.round(resvg.width * scale)}×${Math.round(resvg.height * scale)} PNG is too large; lower --scale or the size`
    )
  }
  return resvg.render().asPng()
}

export function exportImage(
  events: readonly TraceEvent[],
  req: ExportImageRequest & { format: 'png' }
): Buffer
export function exportImage(
  events: readonly TraceEvent[],
  req: ExportImageRequest & { format: 'svg' }
): string
export function exportImage(events: readonly TraceEvent[], req: ExportImageRequest): Buffer | string
export function exportImage(events: readonly TraceEvent[], req: ExportImageRequest): Buffer | string {
  const model = modelFromEvents(events, req.header ?? null)
  const { svg } = renderSvg(model, req)
  return req.format === 'svg' ? svg : svgToPng(svg, req.scale ?? DEFAULT_PNG_SCALE)
}
