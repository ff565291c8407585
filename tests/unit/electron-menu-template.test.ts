import type { MenuItemConstructorOptions } from 'electron'
import { describe, expect, it } from 'vitest'
import type { MenuCommand } from '../../src/main/menu-commands'
import { buildMenuTemplate } from '../../src/main/menu-template'
import type { RecentEntry } from '../../src/main/recent-list'

function build(platform: NodeJS.Platform, recent: RecentEntry[] = [], isPackaged = true) {
  const sent: MenuCommand[] = []
  const opened: RecentEntry[] = []
  const other: string[] = []
  const template = buildMenuTemplate(
    { platform, appName: 'Loopscope', isPackaged, recent },
    {
      send: (c) => sent.push(c),
      openScriptDialog: () => other.push('open-script-dialog'),
      openTraceDialog: () => other.push('open-trace-dialog'),
      openRecent: (e) => opened.push(e),
      clearRecent: () => other.push('clear'),
      openHelp: (u) => other.push(u)
    }
  )
  return { template, sent, opened, other }
}

const sub = (item: MenuItemConstructorOptions | undefined): MenuItemConstructorOptions[] =>
  (item?.submenu ?? []) as MenuItemConstructorOptions[]
const byLabel = (items: MenuItemConstructorOptions[], label: string) => items.find((i) => i.label === label)
const click = (item: MenuItemConstructorOptions | undefined) =>
  (item?.click as unknown as () => void | undefined)?.()

describe('application menu', () => {
  it('has File, Edit, View, Run, Window and Help in that order', () => {
    const { template } = build('linux')
    expect(template.map((i) => i.label ?? i.role)).toEqual([
      'File',
      'editMenu',
      'View',
      'Run',
      'windowMenu',
      'help'
    ])
    expect(build('darwin').template[0]).toMatchObject({ role: 'appMenu' })
  })

  it('binds the debugger keys people know to run commands', () => {
    const { template, sent } = build('linux')
    const run = sub(byLabel(template, 'Run'))
    const keys = Object.fromEntries(run.filter((i) => i.label).map((i) => [i.label, i.accelerator]))
    expect(keys).toEqual({
      'Run / Restart': 'F5',
      Stop: 'Shift+F5',
      Pause: 'F6',
      Resume: 'F8',
      'Step Tick': 'F10',
      'Step Callback': 'F11'
    })
    for (const item of run) click(item)
    expect(sent.map((c) => c.action)).toEqual([
      'run',
      'stop',
      'pause',
      'resume',
      'step-tick',
      'step-callback'
    ])
  })

  it('offers open, recent, run configuration, settings, export and quit in File', () => {
    const { template, sent, other } = build('linux')
    const file = sub(byLabel(template, 'File'))
    expect(file.filter((i) => i.label).map((i) => i.label)).toEqual([
      'Open Script…',
      'Open Trace…',
      'Open Recent',
      'Run Configuration…',
      'Settings…',
      'Export Image…',
      'Export Trace…',
      'Quit'
    ])
    click(byLabel(file, 'Open Script…'))
    click(byLabel(file, 'Open Trace…'))
    for (const i of sub(byLabel(file, 'Export Image…'))) click(i)
    click(byLabel(file, 'Export Trace…'))
    expect(other).toEqual(['open-script-dialog', 'open-trace-dialog'])
    expect(sent).toEqual([
      { action: 'export-image', format: 'png' },
      { action: 'export-image', format: 'svg' },
      { action: 'export-trace' }
    ])
  })

  it('lists recent files and opens the one clicked', () => {
    const recent: RecentEntry[] = [
      { kind: 'script', path: '/p/server.py', at: 2 },
      { kind: 'trace', path: '/p/run.ndjson', at: 1 }
    ]
    const { template, opened, other } = build('linux', recent)
    const items = sub(byLabel(sub(byLabel(template, 'File')), 'Open Recent'))
    expect(items.map((i) => i.label ?? i.type)).toEqual([
      'server.py',
      'run.ndjson (trace)',
      'separator',
      'Clear Recent'
    ])
    click(items[1])
    click(items[3])
    expect(opened).toEqual([recent[1]])
    expect(other).toEqual(['clear'])
  })

  it('shows a disabled placeholder when nothing was opened yet', () => {
    const items = sub(byLabel(sub(byLabel(build('linux').template, 'File')), 'Open Recent'))
    expect(items).toEqual([{ label: 'No Recent Files', enabled: false }])
  })

  it('keeps developer tools out of packaged builds', () => {
    const roles = (p: boolean) => sub(byLabel(build('linux', [], p).template, 'View')).map((i) => i.role)
    expect(roles(true)).not.toContain('toggleDevTools')
    expect(roles(false)).toContain('toggleDevTools')
  })
})

describe('settings and run configuration from the File menu', () => {
  it('opens the renderer dialogs through menu commands', () => {
    const { template, sent } = build('linux')
    const file = sub(byLabel(template, 'File'))
    click(byLabel(file, 'Run Configuration…'))
    click(byLabel(file, 'Settings…'))
    expect(sent.map((c) => c.action)).toEqual(['run-config', 'settings'])
    expect(byLabel(file, 'Settings…')?.accelerator).toBe('CmdOrCtrl+,')
  })
})
