// The "keep" toggle in the status bar, through the web host: it reaches the host, which
// reports the trace kept, and the button shows it.
import { expect, test } from '@playwright/test'
import { openExample, waitForExit } from './helpers'

test('Keep trace marks a finished run as kept, and a second press lets it go', async ({ page }) => {
  await openExample(page, '05_async_await.py')
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await waitForExit(page)
  const keep = page.getByRole('button', { name: 'Keep trace', exact: true })
  await expect(keep).toHaveAttribute('aria-pressed', 'false')
  await keep.click()
  await expect(keep).toHaveAttribute('aria-pressed', 'true')
  await expect(keep).toHaveAttribute('title', /^Kept: not deleted when old traces are cleaned up/)
  await keep.click()
  await expect(keep).toHaveAttribute('aria-pressed', 'false')
})
