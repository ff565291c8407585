import { describe, expect, it } from 'vitest'
import { exportFileName } from '../../src/shared/export/export-file'
import type { TraceHeader } from '../../src/shared/trace-types'

const header = (script: string | null, started = '2026-11-25T08:00:00.000Z'): TraceHeader => ({
  type: 'header',
  format: 'loopscope-trace',
  version: 1,
  python: '3.11.2',
  pid: 1,
  argv: script ? [script] : [],
  script,
  started
})

describe('export file names', () => {
  it('name the script and when it ran, with the extension of the format', () => {
    expect(exportFileName(header('/home/me/00_welcome.py'), 'png')).toBe('00_welcome-2026-11-25-0800.png')
    expect(exportFileName(header('C:\\work\\svc.py'), 'chrome')).toBe('svc-2026-11-25-0800.trace.json')
    expect(exportFileName(header('/x/app.py'), 'ndjson')).toBe('app-2026-11-25-0800.ndjson')
  })

  it('stay safe file names whatever the script is called', () => {
    expect(exportFileName(header('/x/my script: v2?.py'), 'svg')).toBe('my_script_v2_-2026-11-25-0800.svg')
    expect(exportFileName(header(null, 'not a date'), 'svg')).toBe('trace.svg')
    expect(exportFileName(null, 'png')).toBe('trace.png')
  })
})
