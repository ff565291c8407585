// Export image (PNG / SVG, the same picture the command line renders) and export trace
// (NDJSON), handed to the host's saveFile; in the web host the browser downloads it.

import type { SavedFile } from '@shared/api'
import type { TraceModel } from '@shared/trace-model/trace-model'
import { buildExportImageOption } from '@shared/export/image-option'
import { echarts } from './echarts-setup'

export function bytesToBase64(bytes: Uint8Array): string {
  let s = ''
  const CHUNK = 0x8000
  for (let i = 0; i < bytes.length; i += CHUNK) s += String.fromCharCode(...bytes.subarray(i, i + CHUNK))
  return btoa(s)
}

export function textToBase64(text: string): string {
  return bytesToBase64(new TextEncoder().encode(text))
}

/** Renders the exported picture of the trace for a window (seconds since its origin). */
export function renderTraceImage(
  model: TraceModel,
  format: 'png' | 'svg',
  window: [number, number] | null
): string {
  const { option, layout } = buildExportImageOption(model, window ? { from: window[0], to: window[1] } : {})
  if (format === 'svg') {
    const chart = echarts.init(null, null, {
      renderer: 'svg',
      ssr: true,
      width: layout.width,
      height: layout.height
    })
    chart.setOption(option as never)
    const svg = chart.renderToSVGString()
    chart.dispose()
    return textToBase64(svg)
  }
  const div = document.createElement('div')
  div.style.cssText = `position:fixed;left:-10000px;top:0;width:${layout.width}px;height:${layout.height}px;`
  document.body.appendChild(div)
  try {
    const chart = echarts.init(div, null, { renderer: 'canvas', width: layout.width, height: layout.height })
    chart.setOption(option as never)
    const url = chart.getDataURL({ type: 'png', pixelRatio: 2 })
    chart.dispose()
    return url.slice(url.indexOf(',') + 1)
  } finally {
    div.remove()
  }
}

/** In the web host a saved file comes back as data: offer it as a download. */
export function offerDownload(saved: SavedFile): void {
  if (!saved.data) return
  const bin = atob(saved.data)
  const bytes = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
  const url = URL.createObjectURL(new Blob([bytes], { type: saved.mime }))
  const a = document.createElement('a')
  a.href = url
  a.download = saved.name
  a.rel = 'noopener'
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export function exportBaseName(model: TraceModel): string {
  const script = model.header?.script ?? model.header?.argv?.[0] ?? 'trace'
  const base = script.split(/[/\\]/).pop()!.replace(/\.py$/, '')
  return `loopscope-${base || 'trace'}`
}
