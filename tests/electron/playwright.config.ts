// The Electron suite: Playwright's _electron driving the real app. It needs the Electron
// runtime binary, which cannot be downloaded on every machine; the tests skip with the
// reason when it is missing (see electron-runtime.ts).
import { defineConfig } from '@playwright/test'
import { fileURLToPath } from 'node:url'

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  timeout: 60_000,
  workers: 1,
  outputDir: fileURLToPath(new URL('../../test-results/electron', import.meta.url)),
  reporter: [
    ['list'],
    [
      'json',
      { outputFile: fileURLToPath(new URL('../../test-results/summary/electron-raw.json', import.meta.url)) }
    ]
  ]
})
