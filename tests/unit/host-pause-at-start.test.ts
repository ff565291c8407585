// `loopscope serve --pause-at-start` / `start --pause-at-start`: every run starts held
// before its first tick, with the real agent, without touching the saved settings.
import { afterAll, describe, expect, it } from 'vitest'
import { apiHarness } from '../fixtures/host-api'
import { scratchDir, writeScript } from '../fixtures/host-helpers'

const h = apiHarness({ pauseAtStart: true, dataDir: scratchDir() })
afterAll(() => h.api.dispose())

describe('pause at start from the command line', () => {
  it('holds a run before its first tick until resumed, then it runs to the end', async () => {
    const script = writeScript(
      scratchDir(),
      'held.py',
      'import asyncio\nasync def main():\n    print("ran", flush=True)\nasyncio.run(main())\n'
    )
    const info = await h.run(script)
    const end = Date.now() + 15_000
    while (!h.eventsOf(info.id).some((e) => e.type === 'paused')) {
      if (Date.now() > end) throw new Error('the run was never held')
      await new Promise((r) => setTimeout(r, 20))
    }
    const paused = h.eventsOf(info.id).find((e) => e.type === 'paused')
    expect(paused).toMatchObject({ reason: 'start' })
    expect(h.outputOf(info.id, 'stdout')).toBe('')
    await h.api.handle('resume', [])
    const status = await h.exited(info.id)
    expect(status.exitCode).toBe(0)
    expect(h.outputOf(info.id, 'stdout')).toBe('ran\n')
  })
})
