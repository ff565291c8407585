import { expect, test, type Locator, type Page } from '@playwright/test'
import { runScript, tempScript, waitForExit } from './helpers'

/** Runs `script` to its end; the rows of the Problems list. */
async function problemRows(page: Page, script: string): Promise<Locator> {
  await runScript(page, script)
  await waitForExit(page)
  return page.getByRole('region', { name: 'Problems' }).getByRole('listitem')
}

test('a loop blocked right now is shown live, and Pause says it waits for the callback to return', async ({
  page
}) => {
  const script = tempScript('block.py', [
    'import asyncio, time',
    'async def stuck():',
    '    await asyncio.sleep(0.2)',
    '    time.sleep(3)',
    '    print("stuck returned")',
    'asyncio.run(stuck())'
  ])
  await runScript(page, script)
  const toolbar = page.getByRole('toolbar', { name: 'Debug' })
  await expect(toolbar.getByRole('alert')).toContainText(/Loop blocked by Task-1 for .* in block\.py:4/, {
    timeout: 5000
  })
  await page.getByRole('button', { name: 'Pause', exact: true }).click()
  await expect(toolbar.getByRole('alert')).toContainText('Pause waits for Task-1 to return')
  await expect(page.getByTestId('session-state')).toContainText(/paused/i, { timeout: 10_000 })
  await expect(page.getByRole('region', { name: 'Console' })).toContainText('stuck returned')
  await page.getByRole('button', { name: 'Resume', exact: true }).click()
  await waitForExit(page)
  await expect(page.getByRole('region', { name: 'Problems' })).toContainText('Blocked loop')
})

test('a run a little past the blocked threshold that ended unseen is a slow callback in Problems and the inspector', async ({
  page
}) => {
  const script = tempScript('slow.py', [
    'import asyncio, time',
    'def plain():',
    '    time.sleep(0.13)',
    'async def stepper():',
    '    await asyncio.sleep(0)',
    '    time.sleep(0.14)',
    '    await asyncio.sleep(0)',
    'async def main():',
    '    loop = asyncio.get_running_loop()',
    '    loop.call_soon(plain)',
    '    loop.call_later(0.01, time.sleep, 0.12)',
    '    await asyncio.gather(stepper(), asyncio.sleep(0.2))',
    'asyncio.run(main())'
  ])
  // Each of the three long runs is one problem: the watchdog saw it (blocked) or it did not.
  // (A busy machine can make another run that long: at least three.)
  const rows = await problemRows(page, script)
  await expect(rows.nth(2)).toBeVisible()
  const slow = rows.filter({ hasText: 'Slow callback' })
  expect(await slow.count()).toBeGreaterThanOrEqual(1)
  await expect(slow.first()).toContainText(/took 0\.1\d\d s: nothing else ran on the loop meanwhile/)
  await slow.first().click()
  const inspector = page.getByRole('region', { name: 'Inspector' })
  await expect(inspector.getByRole('heading', { name: 'Slow callback' })).toBeVisible()
  // A warning, as in the Problems list, not an error.
  await expect(inspector.getByRole('heading', { name: 'Slow callback' })).toHaveClass(/warning/)
  await expect(slow.first().getByRole('button')).toHaveClass(/warning/)
  await expect(inspector).toContainText('Blocked for')
  // The run itself, with where its code is.
  await expect(inspector.getByRole('heading', { name: /^(Task step|Callback)$/ })).toBeVisible()
  await expect(inspector).toContainText(/slow\.py:\d+/)
  await page.screenshot({ path: 'test-results/slow-callback.png' })
})

test('the same block again is one row in Problems with a count, and the inspector steps through its occurrences', async ({
  page
}) => {
  const script = tempScript('again.py', [
    'import asyncio, time',
    'async def handler():',
    '    await asyncio.sleep(0.01)',
    '    time.sleep(0.3)',
    'async def main():',
    '    for _ in range(4):',
    '        await handler()',
    '    await asyncio.sleep(0.01)',
    '    time.sleep(0.3)',
    'asyncio.run(main())'
  ])
  const rows = await problemRows(page, script)
  await expect(rows).toHaveCount(2)
  await expect(rows.nth(0)).toContainText('Blocked loop')
  await expect(rows.nth(0)).toContainText('×4')
  await expect(rows.nth(0)).toContainText('again.py:4')
  await expect(rows.nth(1)).toContainText('again.py:9')
  await expect(rows.nth(1)).not.toContainText('×')
  // The section counts every problem, not the rows.
  await expect(page.getByRole('region', { name: 'Problems' }).getByRole('heading')).toContainText('5')
  await rows.nth(0).getByRole('button').click()
  const inspector = page.getByRole('region', { name: 'Inspector' })
  await expect(inspector).toContainText('4 of 4')
  await expect(inspector.getByRole('button', { name: 'Next occurrence' })).toBeDisabled()
  await inspector.getByRole('button', { name: 'Previous occurrence' }).click()
  await expect(inspector).toContainText('3 of 4')
  await expect(rows.nth(0).getByRole('button')).toHaveClass(/selected/)
  await page.screenshot({ path: 'test-results/screenshots/problem-groups.png' })
})
