import { expect, test } from '@playwright/test'
import { openExample, waitForExit } from './helpers'

test.describe('stepping from the toolbar', () => {
  test('Step tick on a script that is not running starts it held, then steps and resumes', async ({
    page
  }) => {
    await openExample(page, '02_generator_coroutines_tasks.py')
    await page.getByRole('button', { name: 'Step tick', exact: true }).click()
    const state = page.getByTestId('session-state')
    await expect(state).toContainText(/paused/i)
    await expect(page.getByRole('button', { name: 'Resume', exact: true })).toBeEnabled()
    await expect(page.getByRole('button', { name: 'Pause', exact: true })).toBeDisabled()
    // Held before the first tick, the ready queue already shows what it will run.
    const ready = page.getByRole('region', { name: 'Ready queue' })
    await expect(ready.getByRole('listitem').first()).toBeVisible()
    const tickText = async (): Promise<number> =>
      Number((await page.getByRole('status', { name: 'Status' }).innerText()).match(/tick (\d+)/)?.[1] ?? -1)
    const before = await tickText()
    await page.keyboard.press('F10')
    await expect.poll(tickText).toBeGreaterThan(before)
    await page.getByRole('button', { name: 'Resume', exact: true }).click()
    await waitForExit(page)
  })
})
