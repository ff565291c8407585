import { expect, type Page } from '@playwright/test'

export function appUrl(): string {
  const url = process.env.LOOPSCOPE_E2E_URL
  if (!url) throw new Error('LOOPSCOPE_E2E_URL is not set: the e2e global setup did not start the web host')
  return url
}

/** Opens the app and picks a bundled example through the Examples list of "Script path". */
export async function openExample(page: Page, name: string): Promise<void> {
  await page.goto(appUrl())
  const path = page.getByRole('textbox', { name: 'Script path' })
  await expect(path).toBeVisible()
  await page.getByRole('button', { name: 'Examples' }).click()
  // Anchored: the Recent entries above the examples name the same files ("Recent script …").
  await page.getByRole('menuitem', { name: new RegExp(`^${name.replace('.', '\\.')}`) }).click()
  await expect(path).toHaveValue(new RegExp(`${name.replace('.', '\\.')}$`))
}

export async function waitForExit(page: Page): Promise<void> {
  await expect(page.getByTestId('session-state')).toContainText(/exited/i, { timeout: 30_000 })
}
