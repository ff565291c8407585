import { expect, test, type Page } from '@playwright/test'
import { openExample, waitForExit } from './helpers'

// The plot's left and right margins in the chart (GRID_LEFT, GRID_RIGHT of swimlane-option.ts).
const GRID_LEFT = 190
const GRID_RIGHT = 22

/** The shown range, in ms since the trace began, from the label the header shows when zoomed. */
async function shownRange(page: Page): Promise<[number, number] | null> {
  const label = page.getByRole('region', { name: 'Swimlanes' }).getByTitle(/The time range shown/)
  // allTextContents does not wait for the label: it may come and go between two looks.
  const texts = await label.allTextContents()
  if (texts.length === 0) return null
  const m = /^([\d.]+) (µs|ms|s) – ([\d.]+) (µs|ms|s)$/.exec(texts[0].trim())
  expect(m, 'a range like "120 ms – 340 ms"').not.toBeNull()
  const ms = (v: string, unit: string): number =>
    Number(v) * (unit === 's' ? 1000 : unit === 'µs' ? 0.001 : 1)
  return [ms(m![1], m![2]), ms(m![3], m![4])]
}

test('Shift+drag zooms to the time range selected; Escape drops a selection; a drag pans; Reset zoom shows all', async ({
  page
}) => {
  await openExample(page, '00_welcome.py')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await waitForExit(page)
  const swimlanes = page.getByRole('region', { name: 'Swimlanes' })
  await expect.poll(async () => Number(await swimlanes.getAttribute('data-spans'))).toBeGreaterThan(5)
  expect(await shownRange(page)).toBeNull()

  const box = (await swimlanes.locator('.chart').boundingBox())!
  const plotX = box.x + GRID_LEFT
  const plotW = box.width - GRID_LEFT - GRID_RIGHT
  const y = box.y + 60

  // Shift+drag over the middle fifth of the plot.
  await page.keyboard.down('Shift')
  await page.mouse.move(plotX + plotW * 0.4, y)
  await page.mouse.down()
  await page.mouse.move(plotX + plotW * 0.5, y, { steps: 4 })
  await expect(swimlanes.locator('.band')).toBeVisible()
  await page.mouse.move(plotX + plotW * 0.6, y, { steps: 4 })
  await page.mouse.up()
  await page.keyboard.up('Shift')
  await expect(swimlanes.locator('.band')).toBeHidden()
  await expect.poll(() => shownRange(page)).not.toBeNull()
  const [a, b] = (await shownRange(page))!
  const loopText = await page.getByRole('status', { name: 'Status' }).textContent()
  const total = Number(/loop time ([\d.]+) s/.exec(loopText!)![1]) * 1000
  // A fifth of the trace, starting about 40% in (the trace's extent is about its loop time).
  expect((b - a) / total).toBeGreaterThan(0.12)
  expect((b - a) / total).toBeLessThan(0.3)
  expect(a / total).toBeGreaterThan(0.3)
  expect(a / total).toBeLessThan(0.5)

  // A selection dropped with Escape changes nothing.
  await page.keyboard.down('Shift')
  await page.mouse.move(plotX + plotW * 0.1, y)
  await page.mouse.down()
  await page.mouse.move(plotX + plotW * 0.3, y, { steps: 4 })
  await page.keyboard.press('Escape')
  await page.mouse.up()
  await page.keyboard.up('Shift')
  await page.waitForTimeout(200)
  expect(await shownRange(page)).toEqual([a, b])

  // A plain drag pans: the same width, earlier.
  await page.mouse.move(plotX + plotW * 0.3, y)
  await page.mouse.down()
  await page.mouse.move(plotX + plotW * 0.5, y, { steps: 6 })
  await page.mouse.up()
  await expect.poll(async () => (await shownRange(page))![0]).toBeLessThan(a)
  const [c, d] = (await shownRange(page))!
  expect(Math.abs(d - c - (b - a))).toBeLessThan((b - a) * 0.05)

  await swimlanes.getByRole('button', { name: 'Reset zoom' }).click()
  await expect.poll(() => shownRange(page)).toBeNull()
  await swimlanes.screenshot({ path: 'test-results/screenshots/swimlane-zoomed-reset.png' })
})
