// An idle loop zoomed out must look idle: thousands of selector waits merge into one block
// per lane at this zoom, and that block keeps the selector's colour, not the step colour.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { appUrl, waitForExit } from './helpers'

/** A loop that wakes every 4 ms for a 50 µs callback: 3,000 ticks, almost all in the selector. */
function idleTrace(): string {
  const lines: object[] = [
    {
      type: 'header',
      format: 'loopscope-trace',
      version: 1,
      python: '3.11.7',
      pid: 1,
      argv: ['idle.py'],
      script: '/tmp/idle.py',
      cwd: '/tmp',
      started: '2026-11-25T08:00:00.000Z'
    },
    {
      type: 'loop.start',
      t: 0,
      loop: 1,
      thread: 1,
      threadName: 'MainThread',
      cls: 'Loop',
      instrumented: true
    },
    { type: 'callback', t: 0, cb: 1, label: 'tick_callback', site: '/tmp/idle.py:3' }
  ]
  let t = 0.001
  for (let tick = 1; tick <= 3000; tick++) {
    lines.push({ type: 'tick.begin', t, loop: 1, tick })
    lines.push({ type: 'select', t: t + 0.004, loop: 1, timeout: 0.004, waited: 0.004, fds: [] })
    t += 0.004
    lines.push({ type: 'handle.begin', t, loop: 1, handle: tick, cb: 1, tick })
    t += 0.00005
    lines.push({ type: 'handle.end', t, loop: 1, handle: tick, dur: 0.00005 })
    lines.push({ type: 'tick.end', t, loop: 1, tick })
  }
  return lines.map((l) => JSON.stringify(l)).join('\n') + '\n'
}

test('a merged selector-wait block is drawn in the selector colour, so an idle loop looks idle', async ({
  page
}) => {
  await page.emulateMedia({ colorScheme: 'dark' })
  const path = join(mkdtempSync(join(tmpdir(), 'loopscope-e2e-')), 'idle.ndjson')
  writeFileSync(path, idleTrace())
  await page.goto(appUrl())
  await page.getByRole('textbox', { name: 'Script path' }).fill(path)
  await page.getByRole('textbox', { name: 'Script path' }).press('Enter')
  await waitForExit(page)
  const swimlanes = page.getByRole('region', { name: 'Swimlanes' })
  await expect.poll(async () => Number(await swimlanes.getAttribute('data-lanes'))).toBe(2)
  await page.waitForTimeout(300)
  await swimlanes.screenshot({ path: 'test-results/screenshots/idle-loop-lanes.png' })
  // The mean colour along the middle of the selector-wait lane (the first row), in the
  // canvas of the lanes' chart (transparent where nothing is drawn).
  const mean = await swimlanes.locator('.lanes canvas').evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext('2d')!
    const ratio = c.width / c.clientWidth
    const y = Math.round((10 + 12) * ratio)
    const x0 = Math.round(200 * ratio)
    const x1 = Math.round((c.clientWidth - 30) * ratio)
    const data = ctx.getImageData(x0, y, x1 - x0, 1).data
    const sum = [0, 0, 0]
    for (let i = 0; i < data.length; i += 4) for (let k = 0; k < 3; k++) sum[k] += data[i + k]
    const n = data.length / 4
    return sum.map((s) => s / n)
  })
  const [r, g, b] = mean
  // The selector colour is a soft green; the step colour a saturated blue (#3794ff).
  expect(g).toBeGreaterThan(b)
  expect(g).toBeGreaterThan(r)
  expect(b).toBeLessThan(150)
})
