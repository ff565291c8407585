// The application menu as data. Only a type comes from electron, so the template (its
// items, keys and the recent submenu) is checked by unit tests in plain Node.

import type { MenuItemConstructorOptions } from 'electron'
import { basename } from 'node:path'
import type { MenuCommand } from './menu-commands'
import type { RecentEntry } from './recent-list'

export interface MenuActions {
  /** Tell the renderer to do something (run, export…). */
  send(cmd: MenuCommand): void
  openScriptDialog(): void
  openTraceDialog(): void
  openRecent(entry: RecentEntry): void
  clearRecent(): void
  openHelp(url: string): void
}

export interface MenuContext {
  platform: NodeJS.Platform
  appName: string
  /** Developer tools and reload are for development builds only. */
  isPackaged: boolean
  recent: readonly RecentEntry[]
}

export const RUN_KEYS = {
  run: 'F5',
  stop: 'Shift+F5',
  pause: 'F6',
  'step-tick': 'F10',
  'step-callback': 'F11',
  resume: 'F8'
} as const

export const HELP_LINKS = {
  asyncio: 'https://docs.python.org/3/library/asyncio.html',
  eventLoop: 'https://docs.python.org/3/library/asyncio-eventloop.html'
} as const

export function buildMenuTemplate(ctx: MenuContext, a: MenuActions): MenuItemConstructorOptions[] {
  const mac = ctx.platform === 'darwin'
  const recentItems: MenuItemConstructorOptions[] =
    ctx.recent.length === 0
      ? [{ label: 'No Recent Files', enabled: false }]
      : [
          ...ctx.recent.map((e): MenuItemConstructorOptions => ({
            label: `${basename(e.path)}${e.kind === 'trace' ? ' (trace)' : ''}`,
            sublabel: e.path,
            click: () => a.openRecent(e)
          })),
          { type: 'separator' },
          { label: 'Clear Recent', click: () => a.clearRecent() }
        ]

  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      {
        id: 'file.open-script',
        label: 'Open Script…',
        accelerator: 'CmdOrCtrl+O',
        click: () => a.openScriptDialog()
      },
      {
        id: 'file.open-trace',
        label: 'Open Trace…',
        accelerator: 'CmdOrCtrl+Shift+O',
        click: () => a.openTraceDialog()
      },
      { id: 'file.open-recent', label: 'Open Recent', submenu: recentItems },
      { type: 'separator' },
      {
        id: 'file.run-config',
        label: 'Run Configuration…',
        click: () => a.send({ action: 'run-config' })
      },
      {
        id: 'file.settings',
        label: 'Settings…',
        accelerator: 'CmdOrCtrl+,',
        click: () => a.send({ action: 'settings' })
      },
      { type: 'separator' },
      {
        label: 'Export Image…',
        submenu: [
          {
            label: 'PNG…',
            accelerator: 'CmdOrCtrl+E',
            click: () => a.send({ action: 'export-image', format: 'png' })
          },
          { label: 'SVG…', click: () => a.send({ action: 'export-image', format: 'svg' }) }
        ]
      },
      {
        id: 'file.export-trace',
        label: 'Export Trace…',
        accelerator: 'CmdOrCtrl+S',
        click: () => a.send({ action: 'export-trace' })
      },
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit', label: 'Quit' }
    ]
  }

  // Registered accelerators reach the menu before the focused console, so F5 in the
  // terminal runs the program instead of typing an escape sequence into its stdin.
  const runItem = (label: string, action: keyof typeof RUN_KEYS): MenuItemConstructorOptions => ({
    id: `run.${action}`,
    label,
    accelerator: RUN_KEYS[action],
    click: () => a.send({ action })
  })
  const run: MenuItemConstructorOptions = {
    label: 'Run',
    submenu: [
      runItem('Run / Restart', 'run'),
      runItem('Stop', 'stop'),
      { type: 'separator' },
      runItem('Pause', 'pause'),
      runItem('Resume', 'resume'),
      runItem('Step Tick', 'step-tick'),
      runItem('Step Callback', 'step-callback')
    ]
  }

  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      ...(ctx.isPackaged
        ? []
        : ([
            { role: 'reload' },
            { role: 'toggleDevTools' },
            { type: 'separator' }
          ] as MenuItemConstructorOptions[])),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' }
    ]
  }

  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: [
      { label: 'asyncio Documentation', click: () => a.openHelp(HELP_LINKS.asyncio) },
      { label: 'Event Loop Reference', click: () => a.openHelp(HELP_LINKS.eventLoop) }
    ]
  }

  return [
    ...(mac ? [{ label: ctx.appName, role: 'appMenu' } as MenuItemConstructorOptions] : []),
    file,
    { role: 'editMenu' },
    view,
    run,
    { role: 'windowMenu' },
    help
  ]
}
