import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runExportCommand, parseTime } from '../../src/host/export/export-command'
import { modelFromEvents } from '../../src/host/export/render-image'
import { buildExportImageOption } from '../../src/shared/export/image-option'
import { parseTraceText } from '../../src/host/trace-reader'
import { decodePng, distinctColours, inkInRect, pngSize } from '../fixtures/export-png-decode'

const FIXTURE = join(__dirname, '../fixtures/export-welcome.ndjson')
const dir = mkdtempSync(join(tmpdir(), 'loopscope-export-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await runExportCommand(argv, { out: (t) => (out += t), err: (t) => (err += t) })
  return { code, out, err }
}

function layoutOf(path: string, opts: Parameters<typeof buildExportImageOption>[1] = {}) {
  const read = parseTraceText(readFileSync(path, 'utf8'))
  return buildExportImageOption(modelFromEvents(read.events, read.header), opts).layout
}

describe('loopscope export', () => {
  it('renders a PNG at twice the CSS size with a picture on it, not a blank page', async () => {
    const out = join(dir, 'welcome.png')
    const r = await run(FIXTURE, '--png', out)
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    const layout = layoutOf(FIXTURE)
    const png = readFileSync(out)
    expect(pngSize(png)).toEqual({ width: layout.width * 2, height: layout.height * 2 })
    const img = decodePng(png)
    // Anti-aliased bars, text and markers in several colours; a blank or one-colour image has 1-2.
    expect(distinctColours(img)).toBeGreaterThan(50)
    // The title block sits in the top-left corner.
    expect(inkInRect(img, 40, 30, 400, 90)).toBeGreaterThan(500)
  })

  it('draws a label at the left of every lane', async () => {
    const out = join(dir, 'labels.png')
    expect((await run(FIXTURE, '--png', out, '--scale', '1')).code).toBe(0)
    const layout = layoutOf(FIXTURE)
    expect(layout.lanes).toBe(6) // selector wait + five tasks
    const img = decodePng(readFileSync(out))
    const band = (layout.grid.bottom - layout.grid.top) / layout.lanes
    for (let row = 0; row < layout.lanes; row++) {
      const mid = Math.round(layout.grid.top + (row + 0.5) * band)
      const ink = inkInRect(img, 4, mid - 6, layout.grid.left - 4, mid + 6)
      expect(ink, `label ink in lane ${row}`).toBeGreaterThan(25)
    }
    // Between the title block and the first lane there is no label: the check above can tell.
    expect(inkInRect(img, 4, layout.grid.top - 14, layout.grid.left - 4, layout.grid.top - 2)).toBe(0)
  })

  it('honours --width, --height and --scale', async () => {
    const out = join(dir, 'sized.png')
    const r = await run(FIXTURE, '--png', out, '--width', '900', '--height', '420', '--scale', '1.5')
    expect(r.code).toBe(0)
    expect(pngSize(readFileSync(out))).toEqual({ width: 1350, height: 630 })
    expect(r.out).toContain('1350×630')
  })

  it('writes an SVG that names every task and the script', async () => {
    const out = join(dir, 'welcome.svg')
    expect((await run(FIXTURE, '--svg', out)).code).toBe(0)
    const svg = readFileSync(out, 'utf8')
    expect(svg.startsWith('<svg')).toBe(true)
    for (const name of [
      'Task-1 · main()',
      'ticker',
      'Task-2 · producer()',
      'Task-3 · consumer()',
      'Task-4 · consumer()'
    ]) {
      expect(svg).toContain(name)
    }
    expect(svg).toContain('00_welcome.py')
    expect(svg).toContain('Python 3.11.2')
    expect(svg).toContain('task running a step')
    expect(svg).toContain('timer due')
  })

  it('limits the picture to --from/--to and says so in the title block', async () => {
    const out = join(dir, 'window.svg')
    expect((await run(FIXTURE, '--svg', out, '--from', '200ms', '--to', '0.5')).code).toBe(0)
    const svg = readFileSync(out, 'utf8')
    expect(svg).toContain('showing 200.0 ms – 500.0 ms')
    expect(svg).toContain('sleep(0.19)')
    expect(svg).not.toContain('sleep(0.20)')
  })

  it('writes Chrome trace JSON with one thread per task and positive step durations', async () => {
    const out = join(dir, 'welcome.json')
    expect((await run(FIXTURE, '--chrome-trace', out)).code).toBe(0)
    const trace = JSON.parse(readFileSync(out, 'utf8'))
    const names = trace.traceEvents.filter(
      (e: { ph: string; name: string }) => e.ph === 'M' && e.name === 'thread_name'
    )
    const taskThreads = names.filter((e: { tid: number }) => e.tid < 1_000_000)
    expect(taskThreads.map((e: { args: { name: string } }) => e.args.name).sort()).toEqual([
      'Task-1 main()',
      'Task-2 producer()',
      'Task-3 consumer()',
      'Task-4 consumer()',
      'ticker ticker()'
    ])
    const steps = trace.traceEvents.filter((e: { ph: string }) => e.ph === 'X')
    expect(steps.length).toBeGreaterThan(50)
    for (const s of steps) expect(s.dur).toBeGreaterThan(0)
  })

  it('exports the valid part of a truncated, corrupted trace and says where it broke', async () => {
    const lines = readFileSync(FIXTURE, 'utf8').split('\n')
    const broken = [
      ...lines.slice(0, 150),
      '{"type":"handle.begin", "t": 50',
      ...lines.slice(151, 250),
      lines[250].slice(0, 30)
    ]
    const path = join(dir, 'broken.ndjson')
    writeFileSync(path, broken.join('\n'))
    const png = join(dir, 'broken.png')
    const json = join(dir, 'broken.json')
    const r = await run(path, '--png', png, '--chrome-trace', json)
    expect(r.code).toBe(0)
    expect(r.err).toMatch(/line 151: .*2 lines skipped.*exporting the valid part/)
    expect(pngSize(readFileSync(png)).width).toBe(3200)
    const trace = JSON.parse(readFileSync(json, 'utf8'))
    expect(trace.traceEvents.some((e: { ph: string }) => e.ph === 'X')).toBe(true)
  })

  it('fails with exit 1 on a file with no trace in it', async () => {
    const path = join(dir, 'junk.ndjson')
    writeFileSync(path, 'hello\nworld\n')
    const r = await run(path, '--svg', join(dir, 'junk.svg'))
    expect(r.code).toBe(1)
    expect(r.err).toContain('no trace events')
    const missing = await run(join(dir, 'nope.ndjson'), '--svg', join(dir, 'x.svg'))
    expect(missing.code).toBe(1)
    expect(missing.err).toContain('cannot read')
  })

  it('explains bad arguments with the help text and exit 2', async () => {
    for (const argv of [
      [FIXTURE],
      ['--png', 'x.png'],
      [FIXTURE, '--png'],
      [FIXTURE, '--svg', 'a', '--scale', '0'],
      [FIXTURE, '--bogus']
    ]) {
      const r = await run(...argv)
      expect(r.code, argv.join(' ')).toBe(2)
      expect(r.err).toContain('Usage: loopscope export TRACE')
    }
    const help = await run('--help')
    expect(help.code).toBe(0)
    expect(help.out).toContain('--chrome-trace OUT.json')
  })

  it('reads times in seconds, milliseconds and microseconds', () => {
    expect(parseTime('1.5')).toBe(1.5)
    expect(parseTime('1.5s')).toBe(1.5)
    expect(parseTime('300ms')).toBeCloseTo(0.3)
    expect(parseTime('250us')).toBeCloseTo(0.00025)
    expect(() => parseTime('soon')).toThrow(/not a time/)
  })
})

describe('loopscope export in the CLI command table', () => {
  it('accepts options before the trace as the table parser hands them over', async () => {
    const { parseArgs } = await import('../../src/cli/args')
    const { EXPORT_COMMAND, EXPORT_OPTIONS } = await import('../../src/host/export/export-command')
    const out = join(dir, 'table.svg')
    const args = parseArgs(['--svg', out, '--width', '800', FIXTURE, '--to', '1s'], EXPORT_OPTIONS)
    expect(args.positionals).toEqual([FIXTURE, '--to', '1s'])
    expect(await EXPORT_COMMAND.run(args)).toBe(0)
    const svg = readFileSync(out, 'utf8')
    expect(svg).toContain('width="800"')
    expect(svg).toContain('showing 0 s – 1.000 s')
  })
})
