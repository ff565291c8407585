// What an export is called and what it is: shared by the dialog and its tests.

import type { TraceHeader } from '../trace-types'

export type ExportKind = 'png' | 'svg' | 'ndjson' | 'chrome'

export const EXPORT_MIME: Record<ExportKind, string> = {
  png: 'image/png',
  svg: 'image/svg+xml',
  ndjson: 'application/x-ndjson',
  chrome: 'application/json'
}

const EXTENSION: Record<ExportKind, string> = {
  png: '.png',
  svg: '.svg',
  ndjson: '.ndjson',
  chrome: '.trace.json'
}

/** "00_welcome-2026-11-25-0800.png": the script's name and when it ran, safe on every file system. */
export function exportFileName(header: TraceHeader | null, kind: ExportKind): string {
  const script = header?.script ?? header?.argv?.[0] ?? 'trace'
  const base =
    (script.split(/[\\/]/).pop() ?? 'trace').replace(/\.py$/, '').replace(/[^\w.-]+/g, '_') || 'trace'
  const started = header?.started ? new Date(header.started) : null
  const stamp =
    started && !Number.isNaN(started.getTime())
      ? `-${started.toISOString().slice(0, 16).replace('T', '-').replace(':', '')}`
      : ''
  return `${base}${stamp}${EXTENSION[kind]}`
}
