// Export from the UI through the web host: the picture is rendered in the page with the
// same option builder as `loopscope export`, and arrives as a browser download.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { openExample, waitForExit } from './helpers'
import { decodePng, distinctColours, inkInRect } from '../fixtures/export-png-decode'

async function runWelcome(page: Page): Promise<void> {
  await openExample(page, '00_welcome.py')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await waitForExit(page)
}

/** Opens the export dialog from the toolbar and downloads the image in `format`. */
async function exportImageAs(page: Page, format: 'png' | 'svg') {
  await page.getByRole('button', { name: 'Export image', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: 'Export' })
  await expect(dialog).toBeVisible()
  await expect(dialog.getByRole('radio', { name: 'Image, PNG' })).toBeChecked()
  const download = page.waitForEvent('download')
  await dialog.getByRole('radio', { name: format === 'png' ? 'Image, PNG' : 'Image, SVG' }).check()
  await dialog.getByRole('radio', { name: 'Whole run' }).check()
  await dialog.getByTestId('export-go').click()
  await expect(dialog.getByRole('status')).toContainText('Downloaded')
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

  test("Export trace downloads the host's recording as NDJSON, which reopens with the same tasks", async ({
    page
  }) => {
    await runWelcome(page)
    await page.getByRole('button', { name: 'Export trace', exact: true }).click()
    const dialog = page.getByRole('dialog', { name: 'Export' })
    await expect(dialog.getByRole('radio', { name: /^Trace \(\.ndjson/ })).toBeChecked()
    const download = page.waitForEvent('download')
    await dialog.getByTestId('export-go').click()
    const saved = await (await download).path()
    const text = readFileSync(saved, 'utf8')
    expect(JSON.parse(text.slice(0, text.indexOf('\n')))).toMatchObject({
      type: 'header',
      format: 'loopscope-trace'
    })
    // The task names and the program's output are in it (however the events are packed).
    expect(text).toContain('"ticker"')
    expect(text).toContain('produced item 0')
    await dialog.getByRole('button', { name: 'Close' }).click()

    // Reopened by path in the web host's "Script path" field, it replays the same task rows.
    const tasks = page.getByRole('region', { name: 'Tasks' })
    const before = (await tasks.getByRole('row').allInnerTexts()).map((r) => r.split('\t')[0]).sort()
    const copy = join(mkdtempSync(join(tmpdir(), 'loopscope-e2e-')), 'reopened.ndjson')
    copyFileSync(saved, copy)
    await page.getByRole('textbox', { name: 'Script path' }).fill(copy)
    await page.getByRole('textbox', { name: 'Script path' }).press('Enter')
    await expect(page.getByRole('region', { name: 'Console' })).toContainText('all done: 12 items handled')
    await waitForExit(page)
    await expect
      .poll(async () => (await tasks.getByRole('row').allInnerTexts()).map((r) => r.split('\t')[0]).sort())
      .toEqual(before)
  })

  test('Export trace as Chrome JSON downloads one thread per task and complete events', async ({ page }) => {
    await runWelcome(page)
    await page.getByRole('button', { name: 'Export trace', exact: true }).click()
    const dialog = page.getByRole('dialog', { name: 'Export' })
    await dialog.getByRole('radio', { name: /^Chrome trace/ }).check()
    const download = page.waitForEvent('download')
    await dialog.getByTestId('export-go').click()
    const d = await download
    expect(d.suggestedFilename()).toMatch(/\.trace\.json$/)
    const chrome = JSON.parse(readFileSync(await d.path(), 'utf8'))
    const threads = chrome.traceEvents.filter(
      (e: { ph: string; name: string }) => e.ph === 'M' && e.name === 'thread_name'
    )
    expect(threads.map((e: { args: { name: string } }) => e.args.name).join(' ')).toContain('ticker')
    const steps = chrome.traceEvents.filter((e: { ph: string }) => e.ph === 'X')
    expect(steps.length).toBeGreaterThan(5)
    expect(steps.every((e: { dur: number }) => e.dur >= 0)).toBe(true)
  })

  test('Ctrl+Shift+E opens the export dialog, and Escape closes it', async ({ page }) => {
    await runWelcome(page)
    await page.getByRole('region', { name: 'Tasks' }).click()
    await page.keyboard.press('Control+Shift+E')
    const dialog = page.getByRole('dialog', { name: 'Export' })
    await expect(dialog).toBeVisible()
    await page.keyboard.press('Escape')
    await expect(dialog).toBeHidden()
  })
})
