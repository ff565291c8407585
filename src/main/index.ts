// The Electron shell: one window, its menu and dialogs, and the IPC gate in front of the
// host core. Everything a session does lives in src/host (plain Node, shared with the web
// host and the CLI); this file only connects it to Electron.

import { app, BrowserWindow, dialog, ipcMain, Menu, screen, type IpcMainInvokeEvent } from 'electron'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { API_METHODS } from '../shared/api'
import { invokeChannel, PUSH_CHANNELS } from '../shared/ipc-channels'
import { ApiServer } from '../host/api-server'
import { hostPaths } from '../host/settings'
import { pickPython, pickScript, pickTrace, saveWithDialog } from './dialogs'
import { InvokeGuard } from './invoke-guard'
import { readJsonFile, writeJsonFile } from './json-file'
import { documentKind, launchFromAdditionalData, parseLaunchArgs, type LaunchRequest } from './launch-args'
import { MENU_PUSH_CHANNEL, type MenuCommand } from './menu-commands'
import { buildMenuTemplate } from './menu-template'
import { preloadPath, rendererUrl, resourcesDir, userDataFile } from './paths'
import type { RecentEntry } from './recent-list'
import { hardenAllWebContents, hardenSession, openExternalSafely } from './security'
import type { SenderFacts, TrustedRenderer } from './sender-policy'
import { MIN_WINDOW_SIZE, restoreWindowState, windowStateOf } from './window-state'

const log = (message: string): void => console.warn(`[loopscope] ${message}`)
const WINDOW_STATE_FILE = 'window-state.json'
const DISPOSE_TIMEOUT_MS = 5000

app.setName('Loopscope')
// The folders the web host and the CLI use too (settings, recent list, traces), whatever the
// name above would make of userData; tests and portable setups keep their own
// (LOOPSCOPE_USER_DATA_DIR), and with it their own single-instance lock.
const paths = hostPaths()
app.setPath('userData', paths.dataDir)
app.enableSandbox()

const launch = parseLaunchArgs(process.argv, { defaultApp: Boolean(process.defaultApp), cwd: process.cwd() })

if (!app.requestSingleInstanceLock({ ...launch })) {
  // The first instance received our script through 'second-instance'.
  app.quit()
} else {
  startShell(launch)
}

function startShell(first: LaunchRequest): void {
  let win: BrowserWindow | null = null
  let rendererReady = false
  const pending: MenuCommand[] = []
  const firstIsTrace = first.script !== null && documentKind(first.script) === 'trace'
  if (firstIsTrace && first.script) pending.push({ action: 'open-trace', path: first.script })

  // macOS hands files (Finder, dock) to the app through this event, even before ready.
  app.on('open-file', (event, path) => {
    event.preventDefault()
    openDocument({ script: path, args: [], autoRun: false, python: null })
  })

  hardenAllWebContents(log)

  const sendMenu = (cmd: MenuCommand): void => {
    if (win && rendererReady && !win.webContents.isDestroyed()) win.webContents.send(MENU_PUSH_CHANNEL, cmd)
    else pending.push(cmd)
  }

  function openDocument(req: LaunchRequest): void {
    if (req.script === null) return
    if (documentKind(req.script) === 'trace') sendMenu({ action: 'open-trace', path: req.script })
    else sendMenu({ action: 'open-script', path: req.script, args: req.args, autoRun: req.autoRun })
  }

  app.on('second-instance', (_event, argv, workingDirectory, additionalData) => {
    const req =
      launchFromAdditionalData(additionalData) ??
      parseLaunchArgs(argv, { defaultApp: Boolean(process.defaultApp), cwd: workingDirectory })
    if (win) {
      if (win.isMinimized()) win.restore()
      win.focus()
    }
    openDocument(req)
  })

  app.on('window-all-closed', () => app.quit())

  void app.whenReady().then(() => {
    hardenSession()
    const server = new ApiServer({
      kind: 'electron',
      resourcesDir: resourcesDir(),
      version: app.getVersion(),
      initialScript: firstIsTrace ? null : first.script,
      autoRun: firstIsTrace ? false : first.autoRun,
      ...(first.python ? { python: first.python } : {}),
      ...(first.pauseAtStart ? { pauseAtStart: true } : {}),
      pickScript: () => pickScript(win),
      saveFile: (name, mime, data) => saveWithDialog(win, name, mime, data),
      traceDir: paths.traceDir,
      dataDir: paths.dataDir,
      pickPython: () => pickPython(win)
    })
    // The host keeps the list (runs and opened traces are added there); the shell mirrors it
    // into the OS's recent documents and the Open Recent menu.
    const recent = server.recent

    const push = (channel: string, payload: unknown): void => {
      if (win && !win.isDestroyed() && !win.webContents.isDestroyed()) win.webContents.send(channel, payload)
    }
    server.subscribe({
      sendBatch: (b) => push(PUSH_CHANNELS.batch, b),
      sendStatus: (s) => push(PUSH_CHANNELS.status, s)
    })

    const remember = (kind: RecentEntry['kind'], path: unknown): void => {
      if (typeof path !== 'string') return
      // Remembering is a convenience: a failure here must not fail the call that succeeded.
      try {
        if (kind === 'trace') recent.add(kind, path)
        app.addRecentDocument(path)
        installMenu()
      } catch (e) {
        log(`could not update recent files: ${String(e)}`)
      }
    }

    let trusted: TrustedRenderer | null = null
    const guard = new InvokeGuard({
      trusted: () => trusted,
      target: server,
      log,
      onSuccess: (method, params, result) => {
        if (method === 'run') remember('script', (params[0] as { script?: unknown } | undefined)?.script)
        else if (method === 'openTrace') remember('trace', params[0])
        else if (method === 'saveFile' && documentKind(String(params[0])) === 'trace') {
          remember('trace', (result as { path?: unknown } | null)?.path)
        }
      }
    })
    for (const method of API_METHODS) {
      ipcMain.handle(invokeChannel(method), (event, ...args: unknown[]) =>
        guard.call(method, senderFacts(event), args)
      )
    }

    function installMenu(): void {
      const template = buildMenuTemplate(
        {
          platform: process.platform,
          appName: app.getName(),
          isPackaged: app.isPackaged,
          recent: recent.list()
        },
        {
          send: sendMenu,
          openScriptDialog: () =>
            void pickScript(win).then((path) => path && sendMenu({ action: 'open-script', path })),
          openTraceDialog: () =>
            void pickTrace(win).then((path) => path && sendMenu({ action: 'open-trace', path })),
          openRecent: (entry) => {
            if (!existsSync(entry.path)) {
              recent.remove(entry.kind, entry.path)
              installMenu()
              void dialog.showMessageBox({ type: 'warning', message: `${entry.path} no longer exists.` })
              return
            }
            sendMenu(
              entry.kind === 'trace'
                ? { action: 'open-trace', path: entry.path }
                : { action: 'open-script', path: entry.path }
            )
          },
          clearRecent: () => {
            recent.clear()
            app.clearRecentDocuments()
            installMenu()
          },
          openHelp: (url) => openExternalSafely(url, log)
        }
      )
      Menu.setApplicationMenu(Menu.buildFromTemplate(template))
    }
    installMenu()

    win = createWindow()
    const url = rendererUrl()
    trusted = { webContentsId: win.webContents.id, rendererUrl: url }
    win.webContents.on('did-start-loading', () => {
      rendererReady = false
    })
    win.webContents.on('did-finish-load', () => {
      rendererReady = true
      for (const cmd of pending.splice(0)) sendMenu(cmd)
    })
    win.on('closed', () => {
      win = null
      trusted = null
    })
    void win.loadURL(url)

    let disposed = false
    app.on('will-quit', (event) => {
      if (disposed) return
      disposed = true
      event.preventDefault()
      // Ending the Python child (and its process group) must finish before we exit.
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, DISPOSE_TIMEOUT_MS))
      void Promise.race([server.dispose(), timeout])
        .catch((e: unknown) => log(`dispose failed: ${String(e)}`))
        .finally(() => app.quit())
    })
  })
}

function createWindow(): BrowserWindow {
  const stateFile = userDataFile(WINDOW_STATE_FILE)
  const state = restoreWindowState(
    readJsonFile(stateFile),
    screen.getAllDisplays().map((d) => d.workArea)
  )
  const win = new BrowserWindow({
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    title: 'Loopscope',
    show: false,
    backgroundColor: '#1e1e1e',
    ...(process.platform === 'linux' ? { icon: join(resourcesDir(), 'icons', '512x512.png') } : {}),
    webPreferences: {
      preload: preloadPath(),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      // Middle-click would otherwise open links through a path that skips will-navigate.
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false
    }
  })
  if (state.maximized) win.maximize()
  win.once('ready-to-show', () => win.show())
  win.on('close', () => {
    try {
      writeJsonFile(stateFile, windowStateOf(win.getNormalBounds(), win.isMaximized()))
    } catch (e) {
      log(`could not save window state: ${String(e)}`)
    }
  })
  return win
}

function senderFacts(event: IpcMainInvokeEvent): SenderFacts {
  const contents = event.sender
  try {
    const frame = event.senderFrame
    const main = contents.mainFrame
    return {
      webContentsId: contents.id,
      frameUrl: frame ? frame.url : null,
      isMainFrame:
        frame !== null &&
        frame.parent === null &&
        frame.processId === main.processId &&
        frame.routingId === main.routingId
    }
  } catch {
    // A frame destroyed mid-call throws on access: treat it as gone.
    return { webContentsId: contents.id, frameUrl: null, isMainFrame: false }
  }
}
