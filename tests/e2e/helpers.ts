import { expect, type Page } from '@playwright/test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

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

/** Opens the app, runs a bundled example and waits for it to exit. */
export async function runExampleToExit(page: Page, name: string): Promise<void> {
  await openExample(page, name)
  await page.getByRole('button', { name: 'Run', exact: true }).click()
  await waitForExit(page)
}

/** Writes a Python program (one string per line) to a fresh temporary folder; returns its path. */
export function tempScript(name: string, lines: string[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'loopscope-e2e-')), name)
  writeFileSync(path, [...lines, ''].join('\n'))
  return path
}

/** Opens the app and runs the script at `path` (typed in "Script path", then Run). */
export async function runScript(page: Page, path: string): Promise<void> {
  await page.goto(appUrl())
  await page.getByRole('textbox', { name: 'Script path' }).fill(path)
  await page.getByRole('button', { name: 'Run', exact: true }).click()
}
