// The "keep" toggle: a kept trace survives the trace folder's size-cap cleanup, which only
// ever deletes traces nobody asked to keep.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { SessionInfo } from '../../src/shared/api'
import { apiHarness } from '../fixtures/host-api'
import { scratchDir, writeScript } from '../fixtures/host-helpers'

const traces = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.ndjson'))

async function setup() {
  // Any finished run is past a one-byte cap, so every cleanup deletes all it may.
  const h = apiHarness({ traceDirMaxBytes: 1 })
  const script = writeScript(scratchDir(), 'keep_me.py', 'print("hello")\n')
  const runOnce = async (): Promise<{ info: SessionInfo; file: string }> => {
    const before = new Set(existsSync(h.traceDir) ? traces(h.traceDir) : [])
    const info = await h.run(script)
    await h.exited(info.id)
    const file = traces(h.traceDir).find((f) => !before.has(f))
    if (!file) throw new Error('the run left no trace')
    return { info, file }
  }
  return { ...h, runOnce }
}

describe('keeping a trace', () => {
  it('an older kept trace survives cleanup while an unkept one is deleted', async () => {
    const { api, traceDir, runOnce } = await setup()
    const kept = await runOnce()
    expect(kept.info.kept).toBe(false)
    expect(await api.handle('keepTrace', [kept.info.id, true])).toBe(true)
    const unkept = await runOnce()
    expect(traces(traceDir)).toEqual(expect.arrayContaining([kept.file, unkept.file]))
    const third = await runOnce()
    const left = traces(traceDir)
    expect(left).toContain(kept.file)
    expect(left).not.toContain(unkept.file)
    expect(left).toContain(third.file)
  })

  it('unkeeping makes a trace deletable again', async () => {
    const { api, traceDir, runOnce } = await setup()
    const first = await runOnce()
    await api.handle('keepTrace', [first.info.id, true])
    await runOnce()
    expect(traces(traceDir)).toContain(first.file)
    expect(await api.handle('keepTrace', [first.info.id, false])).toBe(false)
    expect(existsSync(join(traceDir, first.file + '.keep'))).toBe(false)
    await runOnce()
    expect(traces(traceDir)).not.toContain(first.file)
  })

  it('a reopened trace from the folder reports whether it is kept', async () => {
    const { api, traceDir, runOnce, exited } = await setup()
    const first = await runOnce()
    await api.handle('keepTrace', [first.info.id, true])
    const reopened = (await api.handle('openTrace', [join(traceDir, first.file)])) as SessionInfo
    await exited(reopened.id)
    expect(reopened.kept).toBe(true)
    // Keeping it through the reopened session is the same marker: letting it go there counts.
    expect(await api.handle('keepTrace', [reopened.id, false])).toBe(false)
    await runOnce()
    expect(traces(traceDir)).not.toContain(first.file)
  })

  it('a trace opened from outside the folder is left alone and counts as kept', async () => {
    const { api, traceDir, runOnce, exited } = await setup()
    const first = await runOnce()
    const outside = join(scratchDir(), 'elsewhere.ndjson')
    writeFileSync(outside, readFileSync(join(traceDir, first.file)))
    const info = (await api.handle('openTrace', [outside])) as SessionInfo
    await exited(info.id)
    expect(info.kept).toBe(true)
    expect(await api.handle('keepTrace', [info.id, false])).toBe(true)
    expect(await api.handle('keepTrace', [info.id, true])).toBe(true)
    expect(existsSync(outside + '.keep')).toBe(false)
    expect(existsSync(outside)).toBe(true)
  })

  it('refuses a session it has no trace of, and bad parameters', async () => {
    const { api, runOnce } = await setup()
    const { info } = await runOnce()
    await expect(api.handle('keepTrace', [info.id + 41, true])).rejects.toThrow(/has no trace to keep/)
    await expect(api.handle('keepTrace', [info.id, 'yes'])).rejects.toThrow(/Bad parameters/)
    await expect(api.handle('keepTrace', [0, true])).rejects.toThrow(/Bad parameters/)
    await expect(api.handle('keepTrace', [info.id])).rejects.toThrow(/Bad parameters/)
  })

  it('refuses to keep a trace that was already cleaned up', async () => {
    const { api, runOnce } = await setup()
    const first = await runOnce()
    await runOnce()
    await expect(api.handle('keepTrace', [first.info.id, true])).rejects.toThrow(/already cleaned up/)
  })

  it('a marker whose trace was deleted by hand is swept at the next cleanup', async () => {
    const { traceDir, runOnce } = await setup()
    await runOnce()
    writeFileSync(join(traceDir, 'gone.ndjson.keep'), '')
    await runOnce()
    expect(readdirSync(traceDir)).not.toContain('gone.ndjson.keep')
  })
})
