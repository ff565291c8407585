import { expect, test } from '@playwright/test'
import { appUrl, waitForExit, tempScript } from './helpers'

interface FloodFrames {
  /** Gaps between animation frames from the click on Run until the last line was on screen. */
  gaps: number[]
  floodMs: number
}

test('an output flood streams into the console and the window keeps painting', async ({ page }) => {
  const script = tempScript('flood.py', [
    'import asyncio, sys',
    'async def main():',
    '    for chunk in range(160):',
    '        sys.stdout.write("".join(f"line {chunk * 2500 + i} " + "x" * 60 + "\\n" for i in range(2500)))',
    '        if chunk == 158:',
    '            sys.stderr.write("a warning on stderr\\n")',
    '        await asyncio.sleep(0)',
    '    print("flood finished")',
    'asyncio.run(main())'
  ])
  await page.goto(appUrl())
  await page.getByRole('textbox', { name: 'Script path' }).fill(script)
  // 400,000 lines (26.6 MB): frames are timed from the click on Run until the last line is on screen.
  await page.evaluate(() => {
    const w = window as unknown as { __flood: FloodFrames & { done: boolean } }
    const rows = document.querySelector('.xterm-rows')
    const flood = { gaps: [] as number[], floodMs: 0, done: false }
    w.__flood = flood
    let start = 0
    let last = 0
    const run = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Run')
    run?.addEventListener('click', () => (start = last = performance.now()), { once: true })
    const tick = (now: number): void => {
      if (start) {
        flood.gaps.push(now - last)
        last = now
        if (rows?.textContent?.includes('flood finished')) {
          flood.floodMs = now - start
          flood.done = true
          return
        }
      }
      requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
  })
  const cdp = await page.context().newCDPSession(page)
  const heapBefore = (await cdp.send('Runtime.getHeapUsage')).usedSize
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await waitForExit(page)
  const consoleRegion = page.getByRole('region', { name: 'Console' })
  await expect(consoleRegion).toContainText('flood finished', { timeout: 30_000 })
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { __flood: { done: boolean } }).__flood.done))
    .toBe(true)
  const { gaps, floodMs } = await page.evaluate(() => (window as unknown as { __flood: FloodFrames }).__flood)
  const heapAfter = (await cdp.send('Runtime.getHeapUsage')).usedSize
  await page.screenshot({ path: 'test-results/screenshots/console-flood.png' })

  const sorted = gaps.slice().sort((a, b) => a - b)
  const p50 = sorted[Math.floor(sorted.length * 0.5)]
  const p95 = sorted[Math.floor(sorted.length * 0.95)]
  const worst = sorted[sorted.length - 1]
  console.log(
    `console flood: 26.6 MB on screen ${(floodMs / 1000).toFixed(2)} s after Run, ${gaps.length} frames, ` +
      `gap p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, worst ${worst.toFixed(1)} ms; ` +
      `JS heap ${(heapBefore / 1e6).toFixed(0)} -> ${(heapAfter / 1e6).toFixed(0)} MB`
  )
  // The window never freezes: it keeps painting through the flood. Frame-time targets are the
  // benchmark's to measure (npm run bench); on two shared cores (the program, the host, the
  // browser) the p95 here swings between 33 and 67 ms with the machine, so it is only logged.
  // The bounds below fail on a page that stops painting, not on a busy machine.
  expect(gaps.length).toBeGreaterThan(10)
  expect(p50).toBeLessThan(50)
  expect(worst).toBeLessThan(500)

  // Every line reached the terminal: the newest are there, the scrollback (10,000 rows; these
  // lines wrap) holds the tail, and what scrolled out of it is gone.
  const find = page.getByRole('searchbox', { name: 'Find in console' })
  const result = page.getByRole('status', { name: 'Search result' })
  for (const [text, found] of [
    ['line 399999 x', '1 of 1'],
    ['line 397000 x', '1 of 1'],
    ['a warning on stderr', '1 of 1'],
    ['line 300000 x', 'No match']
  ]) {
    await find.fill(text)
    await find.press('Enter')
    await expect(result, text).toHaveText(found)
  }
})
