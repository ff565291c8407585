import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { SavedFile, SessionInfo } from '../../src/shared/api'
import { readTraceFile } from '../../src/host/trace-reader'
import { toChromeTrace } from '../../src/shared/export/chrome-trace'
import { apiHarness } from '../fixtures/host-api'
import { scratchDir, writeScript } from '../fixtures/host-helpers'

const PROGRAM = [
  'import asyncio',
  'async def child(i):',
  '    await asyncio.sleep(0.001 * i)',
  '    print("child", i, "é")',
  'async def main():',
  '    await asyncio.gather(*(child(i) for i in range(3)))',
  'asyncio.run(main())',
  ''
].join('\n')

async function recorded() {
  const h = apiHarness()
  const script = writeScript(scratchDir(), 'export_me.py', PROGRAM)
  const info = await h.run(script)
  await h.exited(info.id)
  const [file] = readdirSync(h.traceDir)
  return { ...h, info, path: join(h.traceDir, file) }
}

describe('exporting a session trace', () => {
  it('ndjson export hands back the recording byte for byte', async () => {
    const { api, info, path } = await recorded()
    const saved = (await api.handle('exportTrace', [info.id, 'ndjson'])) as SavedFile
    expect(saved.path).toBeNull()
    expect(saved.mime).toMatch(/ndjson|json/)
    expect(saved.name).toMatch(/\.ndjson$/)
    const bytes = Buffer.from(saved.data ?? '', 'base64')
    expect(bytes.equals(readFileSync(path))).toBe(true)
    // The recording is the agent's own lines plus the host's: every line reads back cleanly.
    const read = await readTraceFile(path)
    expect(read.skipped).toBe(0)
    // Unbuffered print() writes its pieces one by one: they may arrive as several chunks.
    const stdout = read.events
      .map((e) => (e.type === 'output' && e.stream === 'stdout' ? e.data : ''))
      .join('')
    expect(stdout).toContain('child 2 é')
    expect(read.events.at(-1)).toMatchObject({ type: 'exit', code: 0 })
  })

  it('chrome export is valid JSON in the Trace Event format, converted from the recording', async () => {
    const { api, info, path } = await recorded()
    const saved = (await api.handle('exportTrace', [info.id, 'chrome'])) as SavedFile
    expect(saved.name).toMatch(/\.json$/)
    const parsed = JSON.parse(Buffer.from(saved.data ?? '', 'base64').toString('utf8')) as {
      traceEvents: { ph: string; name: string; ts?: number }[]
    }
    expect(Array.isArray(parsed.traceEvents)).toBe(true)
    for (const e of parsed.traceEvents) expect(typeof e.ph).toBe('string')
    const read = await readTraceFile(path)
    expect(parsed).toEqual(JSON.parse(JSON.stringify(toChromeTrace(read.events, read.header))))
  })

  it('exports a reopened trace from its file, and refuses sessions it does not know', async () => {
    const first = await recorded()
    const h = apiHarness()
    const replay = (await h.api.handle('openTrace', [first.path])) as SessionInfo
    await h.exited(replay.id)
    const saved = (await h.api.handle('exportTrace', [replay.id, 'ndjson'])) as SavedFile
    expect(Buffer.from(saved.data ?? '', 'base64').equals(readFileSync(first.path))).toBe(true)
    await expect(h.api.handle('exportTrace', [replay.id + 41, 'ndjson'])).rejects.toThrow(
      /has no trace to export/
    )
    await expect(h.api.handle('exportTrace', [replay.id, 'pdf'])).rejects.toThrow(/Bad parameters/)
    await expect(h.api.handle('exportTrace', [-1, 'ndjson'])).rejects.toThrow(/Bad parameters/)
  })
})
