// Export from the UI through the web host: the picture is rendered in the page with the
// same option builder as `loopscope export`, and arrives as a browser download.
import { readFileSync } from 'node:fs'
import { expect, test, type Page } from '@playwright/test'
import { openExample, waitForExit } from './helpers'
import { decodePng, distinctColours, inkInRect } from '../fixtures/export-png-decode'

async function runWelcome(page: Page): Promise<void> {
  await openExample(page, '00_welcome.py')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await waitForExit(page)
}

/** Opens "Export image" and asks for `format`: through the export dialog, or the format menu. */
async function exportImageAs(page: Page, format: 'png' | 'svg') {
  await page.getByRole('button', { name: 'Export image', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: 'Export' })
  const menuItem = page.getByRole('menuitem', { name: format === 'png' ? 'PNG image' : 'SVG image' })
  await expect(dialog.or(menuItem)).toBeVisible()
  const download = page.waitForEvent('download')
  if (await dialog.isVisible()) {
    await dialog.getByRole('radio', { name: format === 'png' ? 'Image, PNG' : 'Image, SVG' }).check()
    await dialog.getByRole('radio', { name: 'Whole run' }).check()
    await dialog.getByTestId('export-go').click()
  } else {
    await menuItem.click()
  }
  return download
}

test.describe('export from the UI', () => {
  test('Export image as PNG downloads a picture of the run that decodes', async ({ page }) => {
    await runWelcome(page)
    const download = await exportImageAs(page, 'png')
    expect(download.suggestedFilename()).toMatch(/00_welcome.*\.png$/)
    const png = readFileSync(await download.path())
    const img = decodePng(png)
    expect(img.width).toBeGreaterThanOrEqual(1600)
    expect(img.height).toBeGreaterThan(300)
    expect(distinctColours(img)).toBeGreaterThan(50)
    // The title block in the top-left corner and lane labels down the left edge.
    expect(inkInRect(img, 0, 0, img.width / 4, img.height / 10)).toBeGreaterThan(200)
    expect(inkInRect(img, 0, img.height / 5, img.width / 8, (img.height * 4) / 5)).toBeGreaterThan(500)
  })

  test('Export image as SVG downloads a picture naming the tasks', async ({ page }) => {
    await runWelcome(page)
    const download = await exportImageAs(page, 'svg')
    const svg = readFileSync(await download.path(), 'utf8')
    expect(svg.startsWith('<svg')).toBe(true)
    for (const text of ['00_welcome.py', 'ticker', 'producer', 'consumer', 'task running a step'])
      expect(svg).toContain(text)
  })

  test('Export trace downloads the native trace, which is the run as NDJSON', async ({ page }) => {
    await runWelcome(page)
    const download = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Export trace', exact: true }).click()
    const dialog = page.getByRole('dialog', { name: 'Export' })
    if (await dialog.isVisible()) {
      await dialog.getByRole('radio', { name: /^Trace \(\.ndjson/ }).check()
      await dialog.getByTestId('export-go').click()
    }
    const text = readFileSync(await (await download).path(), 'utf8')
    const lines = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines[0]).toMatchObject({ type: 'header', format: 'loopscope-trace' })
    expect(lines.filter((e) => e.type === 'task.create').map((e) => e.name)).toContain('ticker')
    expect(lines.some((e) => e.type === 'output' && e.data.includes('produced item 0'))).toBe(true)
  })
})
