import { expect, test } from '@playwright/test'
import { runScript, tempScript, waitForExit } from './helpers'

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
