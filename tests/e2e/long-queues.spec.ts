// Thousands of pending timers and ready handles: every one can be scrolled to, and only
// those in view are in the page (the lists follow the trace without re-rendering thousands
// of rows).
import { expect, test } from '@playwright/test'
import { runScript, tempScript } from './helpers'

test('2,000 timers and 1,500 ready task steps are all reachable, a screenful of rows at a time', async ({
  page
}) => {
  const script = tempScript('queues.py', [
    'import asyncio',
    'async def sleeper(i):',
    '    await asyncio.sleep(30 + i / 1000)',
    'async def spinner(i):',
    '    while True:',
    '        await asyncio.sleep(0)',
    'async def main():',
    '    tasks = [asyncio.create_task(sleeper(i)) for i in range(2000)]',
    '    tasks += [asyncio.create_task(spinner(i)) for i in range(1500)]',
    '    await asyncio.sleep(30)',
    'asyncio.run(main())'
  ])
  await runScript(page, script)
  const timers = page.getByRole('region', { name: 'Timers' })
  await expect(timers.locator('.count')).toHaveText(/^200[01]$/, { timeout: 20_000 })
  // Held, the 1,500 spinning tasks' steps wait in the ready queue, wherever the hold is:
  // at a tick's start, or between two handles (docs/stepping.md), where the queue shown is
  // the hold's own snapshot (the steps already rescheduled in this tick are in it).
  const ready = page.getByRole('region', { name: 'Ready queue' })
  await page.getByRole('button', { name: 'Pause', exact: true }).click()
  await expect(page.getByTestId('session-state')).toContainText(/paused/i)

  const total = Number(await timers.locator('.count').textContent())
  const timerRows = timers.locator('tbody tr.row')
  const shown = await timerRows.count()
  expect(shown).toBeGreaterThan(3)
  expect(shown).toBeLessThan(120)
  const timerScroller = timers.locator('.scroll')
  // The table is as tall as all its rows: the last is reached by scrolling.
  expect(await timerScroller.evaluate((el) => el.scrollHeight)).toBeGreaterThan(total * 20)
  await timerScroller.evaluate((el) => (el.scrollTop = el.scrollHeight))
  await expect(timers.locator('tbody tr.row').last()).toHaveAttribute('aria-rowindex', String(total + 1))
  expect(await timerRows.count()).toBeLessThan(120)

  // 1,500 steps, and after them the loop's self-pipe reader when the Pause request had to
  // wake the loop from its selector (the host writes to the self-pipe, as
  // call_soon_threadsafe does): that handle is really in the queue, so it is shown.
  await expect(ready.locator('.count')).toHaveText(/^150[01]$/)
  const queued = Number(await ready.locator('.count').textContent())
  const items = ready.getByRole('listitem')
  expect(await items.count()).toBeLessThan(120)
  await expect(items.first().locator('.pos')).toHaveText('1')
  await expect(items.first()).toContainText('spinner')
  await ready.locator('.scroll').evaluate((el) => (el.scrollTop = el.scrollHeight))
  await expect(items.last().locator('.pos')).toHaveText(String(queued))
  if (queued === 1501) {
    await expect(items.last()).toContainText('_read_from_self')
    await expect(items.nth(-2)).toContainText('spinner')
  } else await expect(items.last()).toContainText('spinner')
  expect(await items.count()).toBeLessThan(120)
  // From the keyboard too: Enter on a handle inspects its task.
  const step = items.filter({ hasText: 'spinner' }).last()
  const taskName = (await step.locator('.task').textContent())!.trim()
  await step.focus()
  await page.keyboard.press('Enter')
  await expect(page.getByRole('region', { name: 'Inspector' })).toContainText(taskName)
  await page.screenshot({ path: 'test-results/screenshots/long-queues.png' })

  await page.getByRole('button', { name: 'Stop', exact: true }).click()
})
