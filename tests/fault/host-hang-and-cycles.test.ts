// Issue 8, hangs and orphans: Stop ends a hung program and everything it started within
// 2 s, and many start/stop cycles leave no process, descriptor or listener behind.
import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiHarness } from '../fixtures/host-api'
import { ensureBuilt } from '../fixtures/host-cli'
import { hasRealAgent, processAlive, scratchDir, writeScript } from '../fixtures/host-helpers'

const dir = scratchDir()
let h: ReturnType<typeof apiHarness>

beforeAll(() => {
  ensureBuilt()
  h = apiHarness()
})
afterAll(() => h.api.dispose())

/** Pids of live (non-zombie) processes whose command line mentions marker. */
function processesMentioning(marker: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' })
  return out
    .split('\n')
    .filter((l) => l.includes(marker) && !l.includes('ps -eo'))
    .map((l) => l.trim().split(/\s+/))
    .filter(([, stat]) => !stat.startsWith('Z'))
    .map(([pid]) => Number(pid))
}

const openFds = (): number => readdirSync('/proc/self/fd').length

describe('hang', () => {
  it('Stop ends a loop blocked in time.sleep(30), and its children, within 2 s', async () => {
    const script = writeScript(
      dir,
      'hang_blocked.py',
      [
        'import asyncio, subprocess, sys, time',
        'def blocker():',
        '    time.sleep(30)',
        'async def main():',
        '    kid = subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)", "hang-kid-marker"])',
        '    print("kid", kid.pid, flush=True)',
        '    asyncio.get_running_loop().call_soon(blocker)',
        '    await asyncio.sleep(60)',
        'asyncio.run(main())'
      ].join('\n')
    )
    const info = await h.run(script)
    const end = Date.now() + 10_000
    while (!/kid \d+/.test(h.outputOf(info.id, 'stdout')) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 20))
    const kid = Number(/kid (\d+)/.exec(h.outputOf(info.id, 'stdout'))![1])
    await new Promise((r) => setTimeout(r, 1200))
    if (hasRealAgent) {
      // The agent reports who blocks the loop within a second of the block.
      expect(h.eventsOf(info.id).some((e) => e.type === 'blocked')).toBe(true)
    }
    const started = Date.now()
    await h.api.handle('stop', [])
    const took = Date.now() - started
    const status = await h.exited(info.id)
    console.log(`hang: Stop took ${took} ms (SIGTERM, grace, SIGKILL to the group)`)
    expect(took).toBeLessThan(2000)
    expect(status.signal).toBe('SIGTERM')
    await new Promise((r) => setTimeout(r, 100))
    expect(processAlive(kid)).toBe(false)
    expect(processesMentioning('hang-kid-marker')).toEqual([])
  })
})

describe('no orphans', () => {
  it('200 start/stop cycles leave no process, no descriptor and no listener behind', async () => {
    const script = writeScript(
      dir,
      'cycle_marker_script.py',
      'import asyncio\nasync def main():\n    await asyncio.sleep(60)\nasyncio.run(main())\n'
    )
    // Warm up once so lazily created handles (module loads, timers) are not counted as leaks.
    const warm = await h.run(script)
    await h.api.handle('stop', [])
    await h.exited(warm.id)
    const fdsBefore = openFds()
    const listenersBefore =
      process.listenerCount('exit') + process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')
    const heapBefore = process.memoryUsage().heapUsed
    const started = Date.now()
    const cycles = 200
    let last = warm
    for (let i = 0; i < cycles; i++) {
      last = await h.run(script)
      // Every other cycle stops a program that is running; the others stop one still starting.
      if (i % 2 === 0) {
        const end = Date.now() + 5000
        while (!h.statuses.some((s) => s.session === last.id && s.state === 'running') && Date.now() < end) {
          await new Promise((r) => setTimeout(r, 5))
        }
      }
    }
    await h.api.handle('stop', [])
    await h.exited(last.id)
    const seconds = (Date.now() - started) / 1000
    await new Promise((r) => setTimeout(r, 300))
    h.batches.length = 0
    if (global.gc) global.gc()
    const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024
    console.log(
      `${cycles} start/stop cycles in ${seconds.toFixed(1)} s; fds ${fdsBefore} -> ${openFds()}; heap growth ${heapGrowthMb.toFixed(1)} MB`
    )
    expect(processesMentioning('cycle_marker_script')).toEqual([])
    expect(openFds()).toBeLessThanOrEqual(fdsBefore + 2)
    expect(
      process.listenerCount('exit') + process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')
    ).toBe(listenersBefore)
    expect(h.statuses.filter((s) => s.state === 'exited').length).toBeGreaterThanOrEqual(cycles)
  }, 120_000)
})
