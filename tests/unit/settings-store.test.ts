import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_SETTINGS } from '../../src/shared/settings-types'
import {
  SettingsError,
  SettingsStore,
  defaultDataDir,
  hostPaths,
  loadSettingsFile,
  type SettingsMigration
} from '../../src/host/settings'

let dir: string
let file: string
const fixedNow = () => new Date('2025-03-04T05:06:07.089Z')

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loopscope-settings-'))
  file = join(dir, 'settings.json')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const onDisk = () => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
const backups = () => readdirSync(dir).filter((f) => f.startsWith('settings.json.corrupt-'))

describe('settings', () => {
  it('start at the defaults without writing anything when no file exists', () => {
    const s = new SettingsStore(dir)
    expect(s.state()).toEqual({ settings: DEFAULT_SETTINGS, notice: null })
    expect(existsSync(file)).toBe(false)
  })

  it('persist an update and read it back in a new store', () => {
    new SettingsStore(dir).update({ theme: 'dark', blockedThresholdMs: 250, pauseAtStart: true })
    const again = new SettingsStore(dir)
    expect(again.get()).toEqual({
      ...DEFAULT_SETTINGS,
      theme: 'dark',
      blockedThresholdMs: 250,
      pauseAtStart: true
    })
    expect(onDisk().version).toBe(1)
  })

  it('refuse an invalid update with the field named, and keep the previous values', () => {
    const s = new SettingsStore(dir)
    s.update({ consoleScrollback: 5000 })
    expect(() => s.update({ consoleScrollback: 5 })).toThrow(SettingsError)
    expect(() => s.update({ consoleScrollback: 5 })).toThrow(/consoleScrollback/)
    expect(() => s.update({ theme: 'purple' })).toThrow(/theme/)
    expect(() => s.update({ unknownKey: 1 })).toThrow(SettingsError)
    expect(() => s.update({ blockedThresholdMs: 12.5 })).toThrow(/blockedThresholdMs/)
    expect(s.get().consoleScrollback).toBe(5000)
    expect(new SettingsStore(dir).get().consoleScrollback).toBe(5000)
  })

  it('back up a file that is not JSON, reset it, and say so once', () => {
    writeFileSync(file, '{"theme": "dark", oops')
    const s = new SettingsStore(dir, { now: fixedNow })
    const first = s.state()
    expect(first.settings).toEqual(DEFAULT_SETTINGS)
    expect(first.notice).toContain('was not valid JSON')
    expect(first.notice).toContain('settings.json.corrupt-2025-03-04T05-06-07-089Z')
    expect(first.notice).toContain('reset to their defaults')
    expect(s.state().notice).toBeNull()
    expect(backups()).toEqual(['settings.json.corrupt-2025-03-04T05-06-07-089Z'])
    expect(readFileSync(join(dir, backups()[0]), 'utf8')).toBe('{"theme": "dark", oops')
    expect(onDisk()).toEqual({ version: 1, ...DEFAULT_SETTINGS })
    // Repaired: the next launch has nothing to say.
    expect(new SettingsStore(dir).state().notice).toBeNull()
  })

  it('never overwrite an earlier backup made in the same instant', () => {
    writeFileSync(file, 'first')
    loadSettingsFile(file, { now: fixedNow })
    writeFileSync(file, 'second')
    loadSettingsFile(file, { now: fixedNow })
    const names = backups().sort()
    expect(names).toHaveLength(2)
    expect(names.map((n) => readFileSync(join(dir, n), 'utf8')).sort()).toEqual(['first', 'second'])
  })

  it('reset a JSON file that is not a settings object', () => {
    writeFileSync(file, '[1, 2, 3]')
    const r = loadSettingsFile(file, { now: fixedNow })
    expect(r.settings).toEqual(DEFAULT_SETTINGS)
    expect(r.notice).toContain('did not hold a settings object')
    expect(backups()).toHaveLength(1)
  })

  it('keep the valid fields of a hand-edited file and reset only the bad ones', () => {
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        theme: 'light',
        blockedThresholdMs: -3,
        consoleScrollback: 'lots',
        legacyShims: false
      })
    )
    const r = loadSettingsFile(file, { now: fixedNow })
    expect(r.settings).toEqual({ ...DEFAULT_SETTINGS, theme: 'light', legacyShims: false })
    expect(r.notice).toMatch(/blockedThresholdMs \(-3/)
    expect(r.notice).toMatch(/consoleScrollback \("lots"/)
    expect(r.notice).not.toMatch(/theme/)
    expect(backups()).toHaveLength(1)
    expect(onDisk()).toEqual({ version: 1, ...DEFAULT_SETTINGS, theme: 'light', legacyShims: false })
  })

  it('upgrade an older file through the migrations in order and save it at the current version', () => {
    // Version 1 stored the threshold in seconds; version 2 in ms; version 3 renamed "dark mode".
    const migrations: SettingsMigration[] = [
      {
        from: 2,
        migrate: (raw) => {
          const { darkMode, ...rest } = raw
          return { ...rest, theme: darkMode ? 'dark' : 'light' }
        }
      },
      { from: 1, migrate: (raw) => ({ ...raw, blockedThresholdMs: Number(raw.blockedSeconds) * 1000 }) }
    ]
    writeFileSync(file, JSON.stringify({ version: 1, blockedSeconds: 0.5, darkMode: true }))
    const r = loadSettingsFile(file, { version: 3, migrations })
    expect(r).toEqual({
      settings: { ...DEFAULT_SETTINGS, blockedThresholdMs: 500, theme: 'dark' },
      notice: null
    })
    expect(onDisk()).toEqual({ version: 3, ...DEFAULT_SETTINGS, blockedThresholdMs: 500, theme: 'dark' })
    expect(backups()).toEqual([])
  })

  it('reset, with a backup, a file whose version has no migration path', () => {
    writeFileSync(file, JSON.stringify({ version: 1, theme: 'dark' }))
    const r = loadSettingsFile(file, { version: 3, migrations: [], now: fixedNow })
    expect(r.settings).toEqual(DEFAULT_SETTINGS)
    expect(r.notice).toContain('cannot be upgraded to version 3')
    expect(backups()).toHaveLength(1)
  })

  it('keep what it knows of a file written by a newer version', () => {
    writeFileSync(file, JSON.stringify({ version: 9, theme: 'dark', futureOption: 'x' }))
    const r = loadSettingsFile(file)
    expect(r).toEqual({ settings: { ...DEFAULT_SETTINGS, theme: 'dark' }, notice: null })
    expect(backups()).toEqual([])
  })

  it('still load when the data folder cannot be written, and report the failure on update', () => {
    // A file where the data folder should be: unwritable even for root.
    const blocked = join(dir, 'not-a-folder')
    writeFileSync(blocked, '')
    const s = new SettingsStore(join(blocked, 'data'))
    expect(s.get()).toEqual(DEFAULT_SETTINGS)
    expect(() => s.update({ theme: 'dark' })).toThrow(/Cannot save the settings/)
  })
})

describe('data folder', () => {
  it('is where Electron keeps userData for an app named loopscope', () => {
    expect(defaultDataDir({ HOME: '/home/ada' }, 'linux')).toBe('/home/ada/.config/loopscope')
    expect(defaultDataDir({ HOME: '/home/ada', XDG_CONFIG_HOME: '/xdg' }, 'linux')).toBe('/xdg/loopscope')
    expect(defaultDataDir({ HOME: '/Users/ada' }, 'darwin')).toBe(
      '/Users/ada/Library/Application Support/loopscope'
    )
    expect(
      defaultDataDir({ USERPROFILE: 'C:\\Users\\ada', APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, 'win32')
    ).toMatch(/Roaming[\\/]loopscope$/)
  })

  it('is one pair of folders for the desktop app, the web host and the CLI, or a folder of its own', () => {
    expect(hostPaths({ HOME: '/home/ada' }, 'linux')).toEqual({
      dataDir: '/home/ada/.config/loopscope',
      traceDir: '/home/ada/.loopscope/traces'
    })
    expect(hostPaths({ HOME: '/home/ada', XDG_CONFIG_HOME: '/xdg' }, 'linux').traceDir).toBe(
      '/home/ada/.loopscope/traces'
    )
    expect(hostPaths({ HOME: '/home/ada', LOOPSCOPE_USER_DATA_DIR: '/tmp/profile' }, 'linux')).toEqual({
      dataDir: '/tmp/profile',
      traceDir: '/tmp/profile/traces'
    })
  })
})
