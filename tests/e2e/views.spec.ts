import { expect, test } from '@playwright/test'
import { appUrl, openExample, runExampleToExit, runScript, tempScript, waitForExit } from './helpers'

test.describe('the web host runs a bundled example and shows it live', () => {
  test('toolbar controls and regions carry their accessible names', async ({ page }) => {
    await openExample(page, '05_async_await.py')
    for (const name of [
      'Open',
      'Run',
      'Stop',
      'Pause',
      'Step tick',
      'Step callback',
      'Resume',
      'Export image',
      'Export trace'
    ]) {
      await expect(page.getByRole('button', { name, exact: true })).toHaveCount(1)
    }
    for (const name of [
      'Swimlanes',
      'Tasks',
      'Ready queue',
      'Timers',
      'Console',
      'I/O',
      'Inspector',
      'Problems'
    ]) {
      await expect(page.getByRole('region', { name, exact: true })).toHaveCount(1)
    }
    // Nothing runs yet: Stop, Pause and Resume have nothing to act on.
    await expect(page.getByRole('button', { name: 'Stop', exact: true })).toBeDisabled()
    await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeDisabled()
    await expect(page.getByRole('button', { name: 'Resume', exact: true })).toBeDisabled()
    await expect(page.getByRole('button', { name: 'Run', exact: true })).toBeEnabled()
  })

  test('running 00_welcome.py shows its output, its tasks and a non-empty swimlane chart', async ({
    page
  }) => {
    await openExample(page, '00_welcome.py')
    await page.getByRole('button', { name: 'Run', exact: true }).click()
    const consoleRegion = page.getByRole('region', { name: 'Console' })
    await expect(consoleRegion).toContainText('produced item 0')
    await waitForExit(page)
    const tasks = page.getByRole('region', { name: 'Tasks' })
    await expect(tasks.getByRole('row', { name: /^ticker / })).toHaveCount(1)
    await expect(tasks.getByRole('row', { name: /^Task-1 / })).toContainText(/done|failed/)
    const swimlanes = page.getByRole('region', { name: 'Swimlanes' })
    await expect(swimlanes.locator('canvas').first()).toBeVisible()
    await expect.poll(async () => Number(await swimlanes.getAttribute('data-spans'))).toBeGreaterThan(5)
    await expect
      .poll(async () => Number(await swimlanes.getAttribute('data-lanes')))
      .toBeGreaterThanOrEqual(7)
  })

  test('selecting a task row shows it in the inspector', async ({ page }) => {
    await runExampleToExit(page, '00_welcome.py')
    await page
      .getByRole('region', { name: 'Tasks' })
      .getByRole('row', { name: /^ticker / })
      .click()
    const inspector = page.getByRole('region', { name: 'Inspector' })
    await expect(inspector).toContainText('ticker')
    await expect(inspector).toContainText('Created at')
    // The whole path reads as one string: it wraps at its slashes, with nothing put in it.
    await expect(inspector).toContainText(/\/resources\/examples\/00_welcome\.py:\d+/)
  })

  test("a task in asyncio.wait waits on the tasks it was given; the inspector's history keeps within its pane", async ({
    page
  }) => {
    await page.setViewportSize({ width: 1280, height: 800 })
    await runExampleToExit(page, '02_generator_coroutines_tasks.py')
    await page
      .getByRole('region', { name: 'Tasks' })
      .getByRole('row', { name: /^Task-3 / })
      .click()
    const inspector = page.getByRole('region', { name: 'Inspector' })
    const label = inspector.getByRole('cell', { name: 'asyncio.wait of 2' })
    await expect(label).toBeVisible()
    const pane = await inspector.boundingBox()
    const cell = await label.boundingBox()
    expect(pane && cell && cell.x + cell.width <= pane.x + pane.width).toBe(true)
  })

  test('the Tasks table fits its pane; a column border drags, is remembered, and double-click resets it', async ({
    page
  }) => {
    await runExampleToExit(page, '00_welcome.py')
    const tasks = page.getByRole('region', { name: 'Tasks' })
    const scroller = tasks.locator('.scroll')
    const width = async (name: string): Promise<number> =>
      (await tasks.getByRole('columnheader', { name }).boundingBox())!.width
    // Every column is in the pane, the last one included: nothing to scroll sideways to.
    const pane = (await scroller.boundingBox())!
    const parent = (await tasks.getByRole('columnheader', { name: 'Parent' }).boundingBox())!
    expect(parent.x + parent.width).toBeLessThanOrEqual(pane.x + pane.width + 0.5)
    expect(await scroller.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0)
    await expect(
      tasks
        .getByRole('row', { name: /^ticker / })
        .getByRole('cell')
        .last()
    ).toHaveText('Task-1')

    const site0 = await width('Created at')
    const parent0 = await width('Parent')
    const border = tasks.getByRole('separator', { name: 'Resize the Created at column' })
    const box = (await border.boundingBox())!
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width / 2 + 5, box.y + box.height / 2, { steps: 4 })
    await page.mouse.move(box.x + box.width / 2 + 10, box.y + box.height / 2, { steps: 4 })
    await page.mouse.up()
    // Created at took 10 px from Parent; the sort order did not change (no click reached it).
    expect(await width('Created at')).toBeCloseTo(site0 + 10, 0)
    expect(await width('Parent')).toBeCloseTo(parent0 - 10, 0)
    await expect(tasks.getByRole('columnheader', { name: 'Created at' })).toHaveAttribute('aria-sort', 'none')
    // The keyboard moves it too.
    await border.focus()
    await page.keyboard.press('ArrowLeft')
    expect(await width('Created at')).toBeCloseTo(site0 - 6, 0)

    await page.reload()
    await expect(tasks.getByRole('columnheader', { name: 'Task' })).toBeVisible()
    expect(await width('Created at')).toBeCloseTo(site0 - 6, 0)
    await tasks.getByRole('separator', { name: 'Resize the Created at column' }).dblclick()
    expect(await width('Created at')).toBeCloseTo(site0, 0)
    expect(await width('Parent')).toBeCloseTo(parent0, 0)
  })

  test('the Columns menu hides and shows Tasks columns, from the button or a right-click on the header, by mouse or keys; remembered', async ({
    page
  }) => {
    await runExampleToExit(page, '00_welcome.py')
    const tasks = page.getByRole('region', { name: 'Tasks' })
    const header = (name: string) => tasks.getByRole('columnheader', { name })
    const awaiting0 = (await header('Awaiting').boundingBox())!.width
    const button = tasks.getByRole('button', { name: /^Columns/ })
    await button.click()
    const menu = page.getByRole('menu', { name: 'Tasks columns' })
    // Opened, its first item has focus.
    await expect(menu.getByRole('menuitemcheckbox', { name: 'Task' })).toBeFocused()
    await expect(menu.getByRole('menuitemcheckbox')).toHaveCount(7)
    // The column that names the row cannot be hidden.
    await expect(menu.getByRole('menuitemcheckbox', { name: 'Task' })).toHaveAttribute(
      'aria-disabled',
      'true'
    )
    await menu.getByRole('menuitemcheckbox', { name: 'Created at' }).click()
    await expect(menu.getByRole('menuitemcheckbox', { name: 'Created at' })).toHaveAttribute(
      'aria-checked',
      'false'
    )
    await expect(header('Created at')).toHaveCount(0)
    // The shown columns share the room it left: Awaiting is wider, and each row has a cell less.
    expect((await header('Awaiting').boundingBox())!.width).toBeGreaterThan(awaiting0 + 5)
    await expect(tasks.getByRole('row', { name: /^ticker / }).getByRole('cell')).toHaveCount(6)
    await page.screenshot({ path: 'test-results/screenshots/tasks-columns-menu.png' })
    // Keys: Home to the first item, down to State, Enter hides it; Escape closes, focus back on the button.
    await page.keyboard.press('Home')
    await expect(menu.getByRole('menuitemcheckbox', { name: 'Task' })).toBeFocused()
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('Enter')
    await expect(header('State')).toHaveCount(0)
    await page.keyboard.press('Escape')
    await expect(menu).toHaveCount(0)
    await expect(button).toBeFocused()

    await page.reload()
    await expect(header('Task')).toBeVisible()
    await expect(header('Created at')).toHaveCount(0)
    await expect(header('State')).toHaveCount(0)
    // A right-click on the header opens the same menu where the pointer is.
    await header('Steps').click({ button: 'right' })
    await expect(menu).toBeVisible()
    // Under the pointer, inside the pane.
    const steps = (await header('Steps').boundingBox())!
    const at = (await menu.boundingBox())!
    expect(Math.abs(at.y - (steps.y + steps.height / 2))).toBeLessThan(4)
    expect(at.x + at.width).toBeLessThanOrEqual(
      (await tasks.boundingBox())!.x + (await tasks.boundingBox())!.width
    )
    await page.screenshot({ path: 'test-results/screenshots/tasks-columns-context.png' })
    await menu.getByRole('menuitemcheckbox', { name: 'Created at' }).click()
    await menu.getByRole('menuitemcheckbox', { name: 'State' }).click()
    await page.mouse.click(5, 5)
    await expect(menu).toHaveCount(0)
    for (const name of ['Task', 'State', 'Awaiting', 'Steps', 'Running', 'Created at', 'Parent'])
      await expect(header(name)).toBeVisible()
  })

  test('the pane splitters drag and take arrow keys, and the layout is remembered', async ({ page }) => {
    await page.goto(appUrl())
    const tasks = page.getByRole('region', { name: 'Tasks' })
    await expect(tasks).toBeVisible()
    const width = async (): Promise<number> => (await tasks.boundingBox())!.width
    const w0 = await width()
    const bar = page.getByRole('separator', { name: 'Resize tasks' })
    const box = (await bar.boundingBox())!
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width / 2 - 30, box.y + box.height / 2, { steps: 3 })
    await page.mouse.move(box.x + box.width / 2 - 60, box.y + box.height / 2, { steps: 3 })
    await page.mouse.up()
    expect(await width()).toBeCloseTo(w0 - 60, 0)
    await bar.focus()
    await page.keyboard.press('ArrowRight')
    expect(await width()).toBeCloseTo(w0 - 44, 0)
    const swimlanes = page.getByRole('region', { name: 'Swimlanes' })
    const h0 = (await swimlanes.boundingBox())!.height
    await page.getByRole('separator', { name: 'Resize swimlanes' }).focus()
    await page.keyboard.press('ArrowDown')
    expect((await swimlanes.boundingBox())!.height).toBeCloseTo(h0 + 16, 0)
    await page.reload()
    await expect(tasks).toBeVisible()
    expect(await width()).toBeCloseTo(w0 - 44, 0)
    expect((await swimlanes.boundingBox())!.height).toBeCloseTo(h0 + 16, 0)
  })

  test('a 1280-pixel window on first run draws every Tasks header whole', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 800 })
    await runExampleToExit(page, '00_welcome.py')
    const tasks = page.getByRole('region', { name: 'Tasks' })
    const cut = await tasks
      .locator('th .sort')
      .evaluateAll((els) => els.filter((el) => el.scrollWidth > el.clientWidth).map((el) => el.textContent))
    expect(cut).toEqual([])
    await expect(tasks.locator('th .sort')).toHaveCount(7)
  })

  test('a 1024-pixel window on first run still shows every Tasks column and the console find buttons', async ({
    page
  }) => {
    await page.setViewportSize({ width: 1024, height: 700 })
    await runExampleToExit(page, '00_welcome.py')
    const tasks = page.getByRole('region', { name: 'Tasks' })
    const pane = (await tasks.locator('.scroll').boundingBox())!
    for (const name of ['Task', 'State', 'Awaiting', 'Steps', 'Running', 'Created at', 'Parent']) {
      const box = (await tasks.getByRole('columnheader', { name }).boundingBox())!
      expect(box.x + box.width, name).toBeLessThanOrEqual(pane.x + pane.width + 0.5)
    }
    // A state and a running time are not cut short (names, sites and waits may be: their
    // titles hold the whole).
    for (const cls of ['.state-text', 'td.num']) {
      const cut = await tasks
        .locator(cls)
        .evaluateAll((els) => els.filter((el) => el.scrollWidth > el.clientWidth).map((el) => el.textContent))
      expect(cut, cls).toEqual([])
    }
    await expect(tasks.locator('.state-text', { hasText: 'cancelled' }).first()).toBeVisible()
    const consoleRegion = page.getByRole('region', { name: 'Console' })
    const consoleBox = (await consoleRegion.boundingBox())!
    for (const name of ['Previous match', 'Next match', 'Clear console']) {
      const box = (await consoleRegion.getByRole('button', { name }).boundingBox())!
      expect(box.x + box.width, name).toBeLessThanOrEqual(consoleBox.x + consoleBox.width + 0.5)
    }
    await page.screenshot({ path: 'test-results/screenshots/window-1024.png' })
  })

  test("a long script path shows its file's name; once the run ends the status bar counts its events", async ({
    page
  }) => {
    await page.setViewportSize({ width: 1024, height: 700 })
    await openExample(page, '02_generator_coroutines_tasks.py')
    const path = page.getByRole('textbox', { name: 'Script path' })
    const value = await path.inputValue()
    await expect(path).toHaveAttribute('title', value)
    // Longer than its field, it is scrolled to its end, the file's name; also once left.
    const scrolled = (): Promise<{ left: number; most: number }> =>
      path.evaluate((el: HTMLInputElement) => ({
        left: el.scrollLeft,
        most: el.scrollWidth - el.clientWidth
      }))
    await expect.poll(async () => (await scrolled()).most).toBeGreaterThan(20)
    await expect
      .poll(async () => {
        const s = await scrolled()
        return s.most - s.left
      })
      .toBeLessThanOrEqual(1)
    await path.evaluate((el: HTMLInputElement) => {
      el.scrollLeft = 0
      el.setSelectionRange(0, 0)
    })
    await page.getByRole('region', { name: 'Console' }).click()
    await expect
      .poll(async () => {
        const s = await scrolled()
        return s.most - s.left
      })
      .toBeLessThanOrEqual(1)
    const status = page.getByRole('status', { name: 'Status' })
    await expect(status).not.toContainText('events/s')
    await page.getByRole('button', { name: 'Run', exact: true }).click()
    await expect(status.getByTestId('event-rate')).toContainText('events/s')
    await waitForExit(page)
    // Over: the trace's events in all, not a rate; loop time with its two decimals.
    await expect(status).not.toContainText('events/s')
    const total = Number((await status.getByTestId('event-total').innerText()).replace(/[^\d]/g, ''))
    expect(total).toBeGreaterThan(20)
    await expect(status).toContainText(/loop time \d+\.\d\d s/)
  })

  test('a script that fails on a missing module: its traceback, then a notice naming the interpreter; no loop ran', async ({
    page
  }) => {
    await runScript(
      page,
      tempScript('needs_module.py', ['import asyncio', 'import loopscope_no_such_module'])
    )
    await waitForExit(page)
    const consoleRegion = page.getByRole('region', { name: 'Console' })
    await expect(consoleRegion).toContainText("No module named 'loopscope_no_such_module'")
    await expect(consoleRegion).toContainText('This program imports loopscope_no_such_module')
    const text = (await consoleRegion.textContent()) ?? ''
    expect(text.indexOf('No module named')).toBeLessThan(text.indexOf('This program imports'))
    await expect(page.getByRole('region', { name: 'Swimlanes' })).toContainText(
      'No event loop ran: the program exited with code 1 first'
    )
    // The message alone: no empty time axis around it.
    await expect(page.getByRole('region', { name: 'Swimlanes' }).locator('.chart')).toBeHidden()
  })

  test('hovering a span in the swimlanes describes it, and clicking it inspects it', async ({ page }) => {
    await runExampleToExit(page, '00_welcome.py')
    const swimlanes = page.getByRole('region', { name: 'Swimlanes' })
    await expect
      .poll(async () => Number(await swimlanes.getAttribute('data-lanes')))
      .toBeGreaterThanOrEqual(7)
    // Rows: selector wait, callbacks, then Task-1, which waits on its gather the whole run.
    // The plot starts 190 px in and 10 px down; a row is ~24 px high.
    const box = (await swimlanes.locator('.chart').boundingBox())!
    const x = box.x + 190 + (box.width - 190 - 22) * 0.5
    const y = box.y + 10 + 2.5 * 24
    await page.mouse.move(x, y)
    const tip = page.getByRole('tooltip')
    await expect(tip).toBeVisible()
    await expect(tip).toContainText('Task-1 waiting')
    await expect(tip).toContainText('gather')
    // Beside the pointer, on the page: not placed relative to (or clipped by) the contained
    // pane around the swimlanes.
    const at = (await tip.boundingBox())!
    expect(Math.abs(at.x - (x + 14))).toBeLessThan(2)
    expect(Math.abs(at.y - (y + 14))).toBeLessThan(2)
    await page.screenshot({ path: 'test-results/screenshots/swimlane-tooltip.png' })
    await page.mouse.click(x, y)
    const inspector = page.getByRole('region', { name: 'Inspector' })
    await expect(inspector).toContainText('Waiting')
    await expect(inspector).toContainText('Task-1')
    await page.mouse.move(box.x + 5, box.y + box.height + 40)
    await expect(tip).toBeHidden()
  })

  test('a blocking callback is reported as a problem, and clicking it inspects the block', async ({
    page
  }) => {
    await runExampleToExit(page, '07_blocking_callback.py')
    const problems = page.getByRole('region', { name: 'Problems' })
    await expect(problems).toContainText('Blocked loop')
    await expect(problems).toContainText('07_blocking_callback.py:19')
    await problems.getByRole('button').filter({ hasText: 'Blocked loop' }).first().click()
    const inspector = page.getByRole('region', { name: 'Inspector' })
    await expect(inspector).toContainText('time.sleep(0.6)')
    await expect(inspector).toContainText('slow_handler')
    // Shown in the swimlanes within the trace: the 0.6 s block of a 1.4 s run once showed
    // the window from before the trace's start ("-289 ms – 1513 ms").
    const range = page.getByRole('region', { name: 'Swimlanes' }).getByTitle(/The time range shown/)
    for (const text of await range.allTextContents()) expect(text).not.toMatch(/-\d/)
    await page.waitForTimeout(300)
    for (const text of await range.allTextContents()) expect(text).not.toMatch(/-\d/)
  })

  test('scrubbing back to an early tick shows the queues as they were then', async ({ page }) => {
    await runExampleToExit(page, '00_welcome.py')
    const slider = page.getByRole('slider', { name: 'Tick' })
    await slider.focus()
    await slider.press('Home')
    // At the first tick the ready queue holds main's first step.
    await expect(page.getByRole('region', { name: 'Ready queue' })).toContainText('main')
    await page.keyboard.press('Alt+ArrowRight')
    await page.keyboard.press('Alt+ArrowRight')
    await page.keyboard.press('Alt+ArrowRight')
    await expect(page.getByRole('region', { name: 'Timers' })).toContainText(/ms|s/)
    await page.getByRole('button', { name: 'Now', exact: true }).click()
    await expect(page.getByRole('button', { name: 'Now', exact: true })).toBeDisabled()
  })

  test('whole-window screenshots in dark and light themes', async ({ page }) => {
    for (const scheme of ['dark', 'light'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      await runExampleToExit(page, '00_welcome.py')
      await page
        .getByRole('region', { name: 'Tasks' })
        .getByRole('row', { name: /^Task-3 / })
        .click()
      await page.getByRole('button', { name: 'Awaits', exact: true }).click()
      await expect(page.getByRole('button', { name: 'Awaits', exact: true })).toHaveAttribute(
        'aria-pressed',
        'true'
      )
      await page.waitForTimeout(300)
      await page.screenshot({ path: `test-results/screenshots/window-${scheme}.png` })
    }
  })

  test('screenshot of a run held mid-way, with queues and timers filled', async ({ page }) => {
    await openExample(page, '00_welcome.py')
    await page.getByRole('button', { name: 'Step tick', exact: true }).click()
    await expect(page.getByTestId('session-state')).toContainText(/paused/i)
    for (let i = 0; i < 12; i++) await page.keyboard.press('F10')
    await expect(page.getByRole('region', { name: 'Timers' }).getByRole('row')).not.toHaveCount(0)
    await page.waitForTimeout(500)
    await page.screenshot({ path: 'test-results/screenshots/window-held.png' })
    await page.getByRole('button', { name: 'Stop', exact: true }).click()
    await waitForExit(page)
  })

  test('the README picture: 00_welcome.py paused mid-run, a task inspected', async ({ page }) => {
    await page.emulateMedia({ colorScheme: 'dark' })
    await openExample(page, '00_welcome.py')
    await page.getByRole('button', { name: 'Run', exact: true }).click()
    await expect(page.getByRole('region', { name: 'Console' })).toContainText('produced item 6')
    await page.getByRole('button', { name: 'Pause', exact: true }).click()
    await expect(page.getByTestId('session-state')).toContainText(/paused/i)
    await expect(page.getByRole('status', { name: 'Why held' })).toContainText('Held')
    await page
      .getByRole('region', { name: 'Tasks' })
      .getByRole('row', { name: /^Task-3 / })
      .click()
    await expect(page.getByRole('region', { name: 'Inspector' })).toContainText('producer')
    await page.waitForTimeout(400)
    // The README's copy is refreshed on request only, so a test run leaves the tree as it was.
    const readmeCopy = process.env.LOOPSCOPE_UPDATE_DOCS_IMAGES === '1'
    await page.screenshot({
      path: readmeCopy ? 'docs/images/loopscope-web.png' : 'test-results/screenshots/readme-picture.png'
    })
    await page.getByRole('button', { name: 'Resume', exact: true }).click()
    await waitForExit(page)
  })
})
