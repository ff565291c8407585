// Export of a trace recorded for real: `loopscope record` runs the welcome example under the
// agent, and the export is checked on what it wrote.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseTraceText } from '../../src/host/trace-reader'
import { modelFromEvents } from '../../src/host/export/render-image'
import { buildExportImageOption } from '../../src/shared/export/image-option'
import { BatchExpander } from '../../src/shared/trace-model/batch'
import { decodePng, distinctColours, inkInRect, pngSize } from '../fixtures/export-png-decode'

const root = join(__dirname, '../..')
const bin = join(root, 'bin/loopscope.mjs')
const dir = mkdtempSync(join(tmpdir(), 'loopscope-export-rec-'))
const trace = join(dir, 'welcome.ndjson')

const loopscope = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 })

let recorded = false
/** Records once, inside the first test that needs it, so a failure fails a test (not a hook). */
function record(): void {
  if (recorded) return
  if (!existsSync(join(root, 'out/main/cli.js')))
    throw new Error('the CLI is not built: run `npx electron-vite build` first')
  // Without this, `loopscope export …` would fall through to the default command (start the app).
  const help = loopscope('help', 'export')
  if (help.status !== 0)
    throw new Error(`\`loopscope export\` is not a command of the built CLI: ${help.stderr}`)
  const r = loopscope('record', '-o', trace, join(root, 'resources/examples/00_welcome.py'))
  if (!existsSync(trace)) throw new Error(`record wrote no trace: ${r.stderr}`)
  recorded = true
}
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('loopscope export of a recorded trace', () => {
  it('renders the recorded run to a PNG with every lane labelled', () => {
    record()
    const out = join(dir, 'welcome.png')
    const r = loopscope('export', trace, '--png', out)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const read = parseTraceText(readFileSync(trace, 'utf8'))
    const { layout } = buildExportImageOption(modelFromEvents(read.events, read.header))
    const png = readFileSync(out)
    expect(pngSize(png)).toEqual({ width: layout.width * 2, height: layout.height * 2 })
    const img = decodePng(png)
    expect(distinctColours(img)).toBeGreaterThan(50)
    // producer, two consumers, ticker and main at least, plus the loop's own lanes.
    expect(layout.lanes).toBeGreaterThanOrEqual(6)
    const band = (layout.grid.bottom - layout.grid.top) / layout.lanes
    for (let row = 0; row < layout.lanes; row++) {
      const mid = Math.round((layout.grid.top + (row + 0.5) * band) * 2)
      expect(
        inkInRect(img, 8, mid - 12, (layout.grid.left - 8) * 2, mid + 12),
        `label of lane ${row}`
      ).toBeGreaterThan(60)
    }
  })

  it('writes an SVG naming the recorded tasks and Chrome JSON with a thread for each', () => {
    record()
    const svgPath = join(dir, 'welcome.svg')
    const jsonPath = join(dir, 'welcome.json')
    const r = loopscope('export', trace, '--svg', svgPath, '--chrome-trace', jsonPath)
    expect(r.status).toBe(0)
    const read = parseTraceText(readFileSync(trace, 'utf8'))
    // The agent writes most loop events inside `batch` lines.
    const tasks = new BatchExpander().expandAll(read.events).filter((e) => e.type === 'task.create')
    expect(tasks.map((t) => t.coro).join(' ')).toMatch(/producer.*consumer.*consumer/s)
    const svg = readFileSync(svgPath, 'utf8')
    for (const t of tasks) expect(svg).toContain(t.name)
    expect(svg).toContain('ticker')
    const chrome = JSON.parse(readFileSync(jsonPath, 'utf8'))
    const threads = new Set(
      chrome.traceEvents
        .filter((e: { ph: string; name: string }) => e.ph === 'M' && e.name === 'thread_name')
        .map((e: { tid: number }) => e.tid)
    )
    for (const t of tasks) expect(threads.has(t.task)).toBe(true)
    const steps = chrome.traceEvents.filter(
      (e: { ph: string; cat: string }) => e.ph === 'X' && e.cat === 'task'
    )
    expect(steps.length).toBeGreaterThan(20)
    for (const s of steps) expect(s.dur).toBeGreaterThan(0)
  })
})
