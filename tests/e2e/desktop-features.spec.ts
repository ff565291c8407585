// The desktop-app features of issues 6 and 7 through the web host: settings, run
// configuration, recent files, traces dropped on the window, breakpoints, console search,
// lanes folded from the keyboard and the loop picker.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { appUrl, waitForExit } from './helpers'

const FIXTURES = resolve(import.meta.dirname, '../fixtures')

function tempScript(name: string, source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'loopscope-e2e-'))
  const path = join(dir, name)
  writeFileSync(path, source)
  return path
}

/** Opens the saved trace of a 00_welcome.py run by path, as a person types it in the web host. */
async function openSavedWelcome(page: Page): Promise<void> {
  await openPath(page, join(FIXTURES, 'export-welcome.ndjson'))
  await page.getByRole('textbox', { name: 'Script path' }).press('Enter')
  await waitForExit(page)
  await expect(
    page.getByRole('region', { name: 'Tasks' }).getByRole('row', { name: /^ticker / })
  ).toHaveCount(1)
}

async function openPath(page: Page, path: string): Promise<void> {
  await page.goto(appUrl())
  await page.getByRole('textbox', { name: 'Script path' }).fill(path)
}

/** Drops a file with `content` on the window as a person dragging it from a file manager would. */
async function dropFile(page: Page, name: string, content: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ([fileName, text]) => {
      const dt = new DataTransfer()
      dt.items.add(new File([text], fileName))
      return dt
    },
    [name, content]
  )
  await page.dispatchEvent('.app', 'dragover', { dataTransfer })
  await page.dispatchEvent('.app', 'drop', { dataTransfer })
}

test.describe('settings and run configuration', () => {
  test('Settings applies the theme at once and keeps it across a reload', async ({ page }) => {
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.goto(appUrl())
    await expect(page.locator('html')).not.toHaveClass(/light/)
    await page.getByRole('button', { name: 'Settings', exact: true }).click()
    const dialog = page.getByRole('dialog', { name: 'Settings' })
    await page.screenshot({ path: 'test-results/screenshots/settings-dialog.png' })
    await dialog.getByRole('radio', { name: 'Light' }).check()
    await dialog.getByRole('button', { name: 'Save' }).click()
    await expect(dialog).toBeHidden()
    await expect(page.locator('html')).toHaveClass(/light/)
    await page.reload()
    await expect(page.locator('html')).toHaveClass(/light/)
    // Back to following the system, which says dark.
    await page.getByRole('button', { name: 'Settings', exact: true }).click()
    await dialog.getByRole('radio', { name: 'Same as the system' }).check()
    await dialog.getByRole('button', { name: 'Save' }).click()
    await expect(page.locator('html')).not.toHaveClass(/light/)
  })

  test('Settings refuses a value out of range and says why', async ({ page }) => {
    await page.goto(appUrl())
    await page.getByRole('button', { name: 'Settings', exact: true }).click()
    const dialog = page.getByRole('dialog', { name: 'Settings' })
    await dialog.getByLabel('Console scrollback (lines)').fill('5')
    await expect(dialog).toContainText('Between 100 and 1,000,000.')
    await expect(dialog.getByRole('button', { name: 'Save' })).toBeDisabled()
    await page.keyboard.press('Escape')
    await expect(dialog).toBeHidden()
  })

  test('a run configuration gives the script its arguments and environment, and is remembered', async ({
    page
  }) => {
    const script = tempScript(
      'show_args.py',
      'import asyncio, os, sys\n\nasync def main():\n    print("args:", sys.argv[1:], "env:", os.environ.get("GREETING"))\n\nasyncio.run(main())\n'
    )
    await openPath(page, script)
    await page.getByRole('button', { name: 'Run configuration', exact: true }).click()
    const dialog = page.getByRole('dialog', { name: 'Run configuration' })
    await expect(dialog).toContainText(script)
    await dialog.getByLabel('Arguments').fill(`one "two words"`)
    await dialog.getByLabel('Environment additions').fill('GREETING=hello')
    // Interpreters are probed and listed with their versions.
    await expect(dialog).toContainText(/Python 3\.\d+/)
    await page.screenshot({ path: 'test-results/screenshots/run-config-dialog.png' })
    await dialog.getByRole('button', { name: 'Save and Run' }).click()
    await expect(dialog).toBeHidden()
    const consoleRegion = page.getByRole('region', { name: 'Console' })
    await expect(consoleRegion).toContainText("args: ['one', 'two words'] env: hello")
    await waitForExit(page)

    // Remembered: a plain Run after a reload uses the same configuration.
    await openPath(page, script)
    await page.getByRole('button', { name: 'Run', exact: true }).click()
    await expect(consoleRegion).toContainText("args: ['one', 'two words'] env: hello")
    await page.getByRole('button', { name: 'Run configuration', exact: true }).click()
    await expect(dialog.getByLabel('Arguments')).toHaveValue(`one "two words"`)
  })

  test('the script picker lists recent scripts and traces, and can forget them', async ({ page }) => {
    const script = tempScript('recent_one.py', 'print("recent")\n')
    await openPath(page, script)
    await page.getByRole('button', { name: 'Run', exact: true }).click()
    await waitForExit(page)
    await page.getByRole('button', { name: 'Examples' }).click()
    const item = page.getByRole('menuitem', { name: 'Recent script recent_one.py' })
    await expect(item).toBeVisible()
    await page.getByRole('menuitem', { name: 'Clear recent' }).click()
    await expect(item).toBeHidden()
    await page.keyboard.press('Escape')
    await page.getByRole('button', { name: 'Examples' }).click()
    await expect(page.getByRole('menuitem', { name: /^Recent / })).toHaveCount(0)
  })
})

test.describe('saved traces', () => {
  test('a trace dropped on the browser window replays in every view, console included', async ({ page }) => {
    // Read off the main thread, by the reader worker the page starts once its window is up
    // (were the worker broken, the in-page fallback would hide it from every other
    // assertion): the drop takes that one, which is ended once it has read the file.
    const workers: { url: string; closed: boolean }[] = []
    page.on('worker', (w) => {
      const seen = { url: w.url(), closed: false }
      workers.push(seen)
      w.on('close', () => (seen.closed = true))
    })
    await page.goto(appUrl())
    await expect.poll(() => workers.filter((w) => /reader\.worker/.test(w.url)).length).toBe(1)
    await dropFile(page, 'welcome.ndjson', readFileSync(join(FIXTURES, 'export-welcome.ndjson'), 'utf8'))
    await expect(page.getByTestId('session-state')).toContainText(/exited/i)
    await expect.poll(() => workers.find((w) => /reader\.worker/.test(w.url))?.closed).toBe(true)
    const tasks = page.getByRole('region', { name: 'Tasks' })
    await expect(tasks.getByRole('row', { name: /^ticker / })).toHaveCount(1)
    await expect(page.getByRole('region', { name: 'Console' })).toContainText('all done: 12 items handled')
    const swimlanes = page.getByRole('region', { name: 'Swimlanes' })
    await expect.poll(async () => Number(await swimlanes.getAttribute('data-spans'))).toBeGreaterThan(5)
    await page.screenshot({ path: 'test-results/screenshots/dropped-trace.png' })
    // Exported again from the page, since the host never saw the file.
    await page.getByRole('button', { name: 'Export trace', exact: true }).click()
    const download = page.waitForEvent('download')
    await page.getByRole('dialog', { name: 'Export' }).getByTestId('export-go').click()
    expect(readFileSync(await (await download).path(), 'utf8')).toBe(
      readFileSync(join(FIXTURES, 'export-welcome.ndjson'), 'utf8')
    )
  })

  test('a corrupt trace opens as far as it is valid and says on which line it broke', async ({ page }) => {
    const lines = readFileSync(join(FIXTURES, 'export-welcome.ndjson'), 'utf8').split('\n')
    const broken = [...lines.slice(0, 30), '{"type":"handle.begin","t":0.1,"lo', ...lines.slice(30)].join(
      '\n'
    )
    // Dropped in the page…
    await page.goto(appUrl())
    await dropFile(page, 'broken.ndjson', broken)
    const consoleRegion = page.getByRole('region', { name: 'Console' })
    await expect(consoleRegion).toContainText('Trace read with problems from line 31')
    await expect(
      page.getByRole('region', { name: 'Tasks' }).getByRole('row', { name: /^ticker / })
    ).toHaveCount(1)
    // …and opened by path through the host, which says the same.
    const path = tempScript('broken.ndjson', broken)
    await openPath(page, path)
    await page.getByRole('textbox', { name: 'Script path' }).press('Enter')
    await expect(consoleRegion).toContainText('line 31')
    await expect(page.getByTestId('session-state')).toContainText(/exited/i)
  })

  test('Stop ends the reading of a big dropped trace in the worker, keeping what was read', async ({
    page
  }) => {
    let readerClosed = false
    page.on('worker', (w) => {
      if (/reader\.worker/.test(w.url())) w.on('close', () => (readerClosed = true))
    })
    await page.goto(appUrl())
    // The fixture followed by 1,200,000 ticks (~85 MB), made in the page and dropped on it:
    // seconds of reading, so Stop comes before the end.
    const welcome = readFileSync(join(FIXTURES, 'export-welcome.ndjson'), 'utf8').trimEnd()
    const dataTransfer = await page.evaluateHandle((head) => {
      const parts: string[] = [head, '\n']
      for (let block = 0; block < 12; block++) {
        const ticks: string[] = []
        for (let i = block * 100_000 + 1; i <= (block + 1) * 100_000; i++)
          ticks.push(`{"type":"tick.begin","t":${100 + i / 1000},"loop":1,"tick":${1000 + i}}`)
        parts.push(ticks.join('\n'), '\n')
      }
      const dt = new DataTransfer()
      dt.items.add(new File(parts, 'big.ndjson'))
      return dt
    }, welcome)
    await page.dispatchEvent('.app', 'dragover', { dataTransfer })
    await page.dispatchEvent('.app', 'drop', { dataTransfer })
    // The worker reads it into a model of its own; the status bar says how far in it is, as a
    // share of the file.
    const state = page.getByTestId('session-state')
    await expect(state).toHaveText(/^Reading trace · \d+%$/)
    const shown = Number(/(\d+)%/.exec((await state.textContent()) ?? '')?.[1])
    expect(shown).toBeLessThan(100)
    // So do the swimlanes, with a bar, until there is something to draw.
    await expect(page.getByRole('progressbar', { name: 'Reading the trace' })).toContainText(
      /Reading the trace · \d+%/
    )
    await page.screenshot({ path: 'test-results/screenshots/reading-trace.png' })
    await page.getByRole('button', { name: 'Stop', exact: true }).click()
    const consoleRegion = page.getByRole('region', { name: 'Console' })
    await expect(consoleRegion).toContainText('Stopped reading big.ndjson')
    // The worker itself is ended, not left holding the rest of the file.
    await expect.poll(() => readerClosed).toBe(true)
    await expect(page.getByTestId('session-state')).toContainText(/exited/i)
    // What was read is shown, and the page answers at once.
    const tasks = page.getByRole('region', { name: 'Tasks' })
    await expect(tasks.getByRole('row', { name: /^ticker / })).toHaveCount(1)
    await expect(tasks.getByRole('row', { name: /^Task-4 / })).toHaveCount(1)
    await expect(page.getByRole('progressbar', { name: 'Reading the trace' })).toHaveCount(0)
    const tick = Number(
      (await page.getByTestId('session-state').locator('..').textContent())?.match(/tick (\d+)/)?.[1]
    )
    expect(tick).toBeGreaterThan(0)
    expect(tick).toBeLessThan(1_201_000)
    await page.getByRole('button', { name: 'Settings', exact: true }).click()
    await expect(page.getByRole('dialog', { name: 'Settings' })).toBeVisible()
  })

  test('a script dropped on a browser window asks for its path instead', async ({ page }) => {
    await page.goto(appUrl())
    await dropFile(page, 'app.py', 'print(1)\n')
    await expect(page.getByRole('alert')).toContainText('type the path of app.py in "Script path"')
  })
})

test.describe('breakpoints, search and lanes', () => {
  test('a breakpoint on a failing task holds the loop and the toolbar says why', async ({ page }) => {
    const script = tempScript(
      'fails.py',
      [
        'import asyncio',
        '',
        'async def doomed():',
        '    await asyncio.sleep(0.05)',
        '    raise ValueError("boom")',
        '',
        'async def main():',
        '    t = asyncio.create_task(doomed(), name="doomed")',
        '    try:',
        '        await t',
        '    except ValueError:',
        '        print("caught")',
        '',
        'asyncio.run(main())',
        ''
      ].join('\n')
    )
    await openPath(page, script)
    await page.getByRole('button', { name: 'Breakpoints', exact: true }).click()
    const panel = page.getByRole('dialog', { name: 'Breakpoints' })
    await panel.getByRole('checkbox', { name: 'a task fails' }).check()
    await page.screenshot({ path: 'test-results/screenshots/breakpoints-panel.png' })
    await panel.getByRole('button', { name: 'Close' }).click()
    await expect(page.getByRole('button', { name: 'Breakpoints', exact: true })).toContainText('1')
    await page.getByRole('button', { name: 'Run', exact: true }).click()
    await expect(page.getByTestId('session-state')).toContainText(/paused/i)
    await expect(page.getByRole('status', { name: 'Why held' })).toContainText(
      'Held at breakpoint: task doomed failed'
    )
    await page.screenshot({ path: 'test-results/screenshots/held-at-breakpoint.png' })
    await expect(page.getByRole('region', { name: 'Console' })).not.toContainText('caught')
    await page.getByRole('button', { name: 'Resume', exact: true }).click()
    await expect(page.getByRole('region', { name: 'Console' })).toContainText('caught')
    await waitForExit(page)
    // Cleared for the tests after this one (the host keeps breakpoints for every run).
    await page.getByRole('button', { name: 'Breakpoints', exact: true }).click()
    await panel.getByRole('button', { name: 'Clear all' }).click()
  })

  test('the console search finds each match and counts them', async ({ page }) => {
    await openSavedWelcome(page)
    const find = page.getByRole('searchbox', { name: 'Find in console' })
    await find.fill('produced item')
    await find.press('Enter')
    const result = page.getByRole('status', { name: 'Search result' })
    await expect(result).toHaveText(/^\d+ of 12$/)
    const first = Number((await result.innerText()).split(' of ')[0])
    await find.press('Enter')
    await expect(result).toHaveText(`${(first % 12) + 1} of 12`)
    await find.press('Shift+Enter')
    await expect(result).toHaveText(`${first} of 12`)
    await find.fill('no such text anywhere')
    await find.press('Enter')
    await expect(result).toHaveText('No match')
  })

  test("a parent task's child lanes fold and unfold from the keyboard", async ({ page }) => {
    await openSavedWelcome(page)
    const swimlanes = page.getByRole('region', { name: 'Swimlanes' })
    const lanes = async (): Promise<number> => Number(await swimlanes.getAttribute('data-lanes'))
    await expect.poll(lanes).toBeGreaterThan(3)
    const all = await lanes()
    // Task-1 runs main(), the parent of the other tasks.
    const row = page.getByRole('region', { name: 'Tasks' }).getByRole('row', { name: /^Task-1 / })
    await row.click()
    await row.press('ArrowLeft')
    await expect.poll(lanes).toBeLessThan(all)
    await row.press('ArrowRight')
    await expect.poll(lanes).toBe(all)
    // And in the chart itself: Enter folds the selected task's children.
    await swimlanes.getByLabel(/^Swimlane chart/).focus()
    await page.keyboard.press('Enter')
    await expect.poll(lanes).toBeLessThan(all)
    await page.keyboard.press('Enter')
    await expect.poll(lanes).toBe(all)
  })

  test('with a loop in another thread, a loop picker chooses which loop the views follow', async ({
    page
  }) => {
    const script = tempScript(
      'two_loops.py',
      [
        'import asyncio, threading',
        '',
        'async def worker():',
        '    for _ in range(3):',
        '        await asyncio.sleep(0.05)',
        '',
        'def in_thread():',
        '    asyncio.run(worker())',
        '',
        'async def main():',
        '    t = threading.Thread(target=in_thread, name="side")',
        '    t.start()',
        '    await asyncio.sleep(0.3)',
        '    t.join()',
        '    print("both done")',
        '',
        'asyncio.run(main())',
        ''
      ].join('\n')
    )
    await openPath(page, script)
    await page.getByRole('button', { name: 'Run', exact: true }).click()
    await waitForExit(page)
    const picker = page.getByRole('combobox', { name: 'Loop' })
    await expect(picker).toBeVisible()
    const options = await picker.getByRole('option').allInnerTexts()
    expect(options.some((o) => o.includes('side'))).toBe(true)
    const side = options.find((o) => o.includes('side'))!
    await picker.selectOption({ label: side })
    // The tasks shown are the side loop's only: worker()'s, not main()'s (Task-1).
    const tasks = page.getByRole('region', { name: 'Tasks' })
    await expect(tasks.getByRole('row', { name: /^Task-\d+ / })).not.toHaveCount(0)
    await expect(tasks.getByRole('row', { name: /^Task-1 / })).toHaveCount(0)
    await picker.selectOption({ label: options.find((o) => o.includes('MainThread'))! })
    await expect(tasks.getByRole('row', { name: /^Task-1 / })).toHaveCount(1)
    await expect(picker).toHaveAttribute('title', /Pause and step/)
    await expect(page.getByTestId('loop-note')).toContainText('the others run on')
  })

  test("Pause holds only the loop picked; the program's other loop runs on", async ({ page }) => {
    const script = tempScript(
      'two_live_loops.py',
      [
        'import asyncio, threading',
        '',
        'async def beat(name):',
        '    for i in range(300):',
        '        print(f"{name} {i}", flush=True)',
        '        await asyncio.sleep(0.05)',
        '',
        'threading.Thread(target=lambda: asyncio.run(beat("side")), name="side", daemon=True).start()',
        'asyncio.run(beat("main"))',
        ''
      ].join('\n')
    )
    await openPath(page, script)
    await page.getByRole('button', { name: 'Run', exact: true }).click()
    const picker = page.getByRole('combobox', { name: 'Loop' })
    await expect(picker).toBeVisible()
    const options = await picker.getByRole('option').allInnerTexts()
    await picker.selectOption({ label: options.find((o) => o.includes('side'))! })
    await page.getByRole('button', { name: 'Pause', exact: true }).click()
    await expect(page.getByTestId('session-state')).toContainText(/paused/i)
    const consoleRegion = page.getByRole('region', { name: 'Console' })
    const last = async (name: string): Promise<number> => {
      const text = await consoleRegion.innerText()
      const seen = [...text.matchAll(new RegExp(`^${name} (\\d+)$`, 'gm'))].map((m) => Number(m[1]))
      return seen.length ? Math.max(...seen) : -1
    }
    // Give a held loop's last in-flight line time to arrive, then watch both loops.
    await page.waitForTimeout(300)
    const side = await last('side')
    const main = await last('main')
    await expect.poll(() => last('main'), { timeout: 10_000 }).toBeGreaterThan(main + 5)
    expect(await last('side')).toBe(side)
    await page.getByRole('button', { name: 'Resume', exact: true }).click()
    await expect.poll(() => last('side'), { timeout: 10_000 }).toBeGreaterThan(side)
    await page.getByRole('button', { name: 'Stop', exact: true }).click()
  })
})
