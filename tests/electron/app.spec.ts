import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { electronBinary, repoRoot, SKIP_REASON } from './electron-runtime'

const binary = electronBinary()
test.skip(binary === null, SKIP_REASON)

const example = (name: string) => join(repoRoot, 'resources', 'examples', name)

let userData: string
let app: ElectronApplication
let page: Page

async function launch(...args: string[]): Promise<void> {
  app = await electron.launch({
    executablePath: binary!,
    // The repository root is the app: package.json's main is out/main/index.js.
    args: [repoRoot, ...args],
    env: { ...process.env, LOOPSCOPE_USER_DATA_DIR: userData, ELECTRON_RENDERER_URL: '' }
  })
  page = await app.firstWindow()
  await page.waitForLoadState('domcontentloaded')
}

test.beforeEach(() => {
  userData = mkdtempSync(join(tmpdir(), 'loopscope-electron-'))
})
test.afterEach(async () => {
  await app?.close().catch(() => {})
  rmSync(userData, { recursive: true, force: true })
})

test('opens on the script it was launched with, runs it and shows its output', async () => {
  await launch(example('05_async_await.py'))
  await page.getByRole('button', { name: 'Run' }).click()
  const consoleRegion = page.getByRole('region', { name: 'Console' })
  await expect(consoleRegion).toContainText('end', { timeout: 20_000 })
  await expect(consoleRegion).toContainText('a')
  await page.screenshot({ path: join(repoRoot, 'test-results', 'electron', 'run-05.png') })
})

test('the page gets window.loopscope and nothing of Node or Electron', async () => {
  await launch()
  const seen = await page.evaluate(() => ({
    api: Object.keys((window as unknown as { loopscope: object }).loopscope).sort(),
    require: typeof (window as unknown as { require?: unknown }).require,
    process: typeof (window as unknown as { process?: unknown }).process,
    ipc: 'ipcRenderer' in window
  }))
  expect(seen.api).toContain('run')
  expect(seen.api).toContain('onBatch')
  expect(seen).toMatchObject({ require: 'undefined', process: 'undefined', ipc: false })
  const info = await page.evaluate(() =>
    (window as unknown as { loopscope: { getInfo(): Promise<{ kind: string }> } }).loopscope.getInfo()
  )
  expect(info.kind).toBe('electron')
})

test('new windows, navigation and permissions are refused', async () => {
  await launch()
  const before = page.url()
  const opened = await page.evaluate(() => window.open('https://example.com/') === null)
  expect(opened).toBe(true)
  await page.evaluate(() => {
    location.href = 'https://example.com/'
  })
  await page.waitForTimeout(500)
  expect(page.url()).toBe(before)
  expect(app.windows()).toHaveLength(1)
  const permission = await page.evaluate(
    async () => (await navigator.permissions.query({ name: 'geolocation' })).state
  )
  expect(permission).not.toBe('granted')
})

test('IPC from another window is refused, even one showing our page with our preload', async () => {
  await launch()
  await expect(
    page.evaluate(() =>
      (window as unknown as { loopscope: { getInfo(): Promise<unknown> } }).loopscope.getInfo()
    )
  ).resolves.toBeTruthy()
  const outcome = await app.evaluate(
    async ({ BrowserWindow }, { preload, url }) => {
      const other = new BrowserWindow({
        show: false,
        webPreferences: { preload, sandbox: true, contextIsolation: true }
      })
      await other.loadURL(url)
      try {
        return await other.webContents.executeJavaScript(
          'window.loopscope.getInfo().then(() => "allowed", (e) => String(e && e.message))'
        )
      } finally {
        other.destroy()
      }
    },
    {
      preload: join(repoRoot, 'out', 'preload', 'index.cjs'),
      url: pathToFileURL(join(repoRoot, 'out', 'renderer', 'index.html')).href
    }
  )
  expect(outcome).toContain('Loopscope refused this call')
})

test('the Run menu drives the renderer through the menu channel', async () => {
  await launch()
  const labels = await app.evaluate(({ Menu }) => Menu.getApplicationMenu()!.items.map((i) => i.label))
  expect(labels).toEqual(expect.arrayContaining(['File', 'Edit', 'View', 'Run', 'Window', 'Help']))
  await page.evaluate(() => {
    const w = window as unknown as {
      loopscope: { onMenu(cb: (c: unknown) => void): void }
      menuSeen: unknown[]
    }
    w.menuSeen = []
    w.loopscope.onMenu((c) => w.menuSeen.push(c))
  })
  await app.evaluate(({ Menu }) => {
    Menu.getApplicationMenu()!.getMenuItemById('run.stop')!.click()
    Menu.getApplicationMenu()!.getMenuItemById('run.step-tick')!.click()
  })
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { menuSeen: unknown[] }).menuSeen))
    .toEqual([{ action: 'stop' }, { action: 'step-tick' }])
})

test('a second launch hands its script to the window already open', async () => {
  await launch()
  await page.evaluate(() => {
    const w = window as unknown as {
      loopscope: { onMenu(cb: (c: unknown) => void): void }
      menuSeen: unknown[]
    }
    w.menuSeen = []
    w.loopscope.onMenu((c) => w.menuSeen.push(c))
  })
  const second = spawn(binary!, [repoRoot, example('04_legacy_coroutine.py'), '--run'], {
    env: { ...process.env, LOOPSCOPE_USER_DATA_DIR: userData },
    stdio: 'ignore'
  })
  const code = await new Promise<number | null>((resolve) => second.on('exit', resolve))
  expect(code).toBe(0)
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { menuSeen: unknown[] }).menuSeen))
    .toEqual([{ action: 'open-script', path: example('04_legacy_coroutine.py'), args: [], autoRun: true }])
  expect(app.windows()).toHaveLength(1)
})

test('window size is remembered for the next launch', async () => {
  await launch()
  await app.evaluate(({ BrowserWindow }) =>
    BrowserWindow.getAllWindows()[0].setBounds({ width: 1111, height: 777 })
  )
  await app.close()
  const saved = JSON.parse(readFileSync(join(userData, 'window-state.json'), 'utf8'))
  expect(saved).toMatchObject({ width: 1111, height: 777, maximized: false })
  await launch()
  const size = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0].getNormalBounds())
  expect(size).toMatchObject({ width: 1111, height: 777 })
})
