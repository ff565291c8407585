// The user's settings, one JSON file in the app's data folder. A file that is not JSON or
// holds values this version cannot use is copied aside (settings.json.corrupt-<time>)
// before anything is reset, so a hand edit gone wrong is never lost, and the person is
// told once what happened. Files carry a version; older ones pass through the migrations
// in order before validation.

import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import {
  DEFAULT_SETTINGS,
  SETTINGS_LIMITS,
  THEMES,
  type Settings,
  type SettingsState
} from '@shared/settings-types'

export const SETTINGS_FILE = 'settings.json'
export const SETTINGS_VERSION = 1

/**
 * Electron's userData folder for an app named "loopscope", so the web host and the CLI
 * share the desktop app's settings, run configurations and recent list.
 */
export function defaultDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform
): string {
  const home = env.HOME || env.USERPROFILE || homedir()
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'loopscope')
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'loopscope')
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'loopscope')
}

/**
 * Where a host keeps its settings, run configurations and recent list (`dataDir`) and the
 * traces of its runs (`traceDir`): the same folders for the desktop app, the web host and
 * the CLI, so each sees what the others saved and one retention cap covers every trace.
 * `LOOPSCOPE_USER_DATA_DIR` (tests, portable setups) puts both in a folder of its own.
 */
export function hostPaths(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform
): { dataDir: string; traceDir: string } {
  const own = env.LOOPSCOPE_USER_DATA_DIR
  if (own) return { dataDir: own, traceDir: join(own, 'traces') }
  const home = env.HOME || env.USERPROFILE || homedir()
  return { dataDir: defaultDataDir(env, platform), traceDir: join(home, '.loopscope', 'traces') }
}

/** Turns a file of version `from` into version `from + 1`. */
export interface SettingsMigration {
  from: number
  migrate(raw: Record<string, unknown>): Record<string, unknown>
}

/** Version 1 is the first: nothing to migrate yet. A change of shape adds an entry here. */
export const SETTINGS_MIGRATIONS: readonly SettingsMigration[] = []

const int = (l: { min: number; max: number }) => z.number().int().min(l.min).max(l.max)

export const SETTINGS_FIELD_SCHEMAS = {
  theme: z.enum(THEMES),
  blockedThresholdMs: int(SETTINGS_LIMITS.blockedThresholdMs),
  consoleScrollback: int(SETTINGS_LIMITS.consoleScrollback),
  traceRetentionMb: int(SETTINGS_LIMITS.traceRetentionMb),
  pauseAtStart: z.boolean(),
  legacyShims: z.boolean()
} satisfies { [K in keyof Settings]: z.ZodType<Settings[K]> }

/** A complete, valid settings object. */
export const settingsSchema = z.object(SETTINGS_FIELD_SCHEMAS).strict()

/** What updateSettings accepts: any subset of the fields, each valid. */
export const settingsPatchSchema = settingsSchema.partial()

export type SettingsPatch = z.infer<typeof settingsPatchSchema>

const SETTINGS_KEYS = Object.keys(SETTINGS_FIELD_SCHEMAS) as (keyof Settings)[]

/** A refused update: the message names the field and what it must be. */
export class SettingsError extends Error {}

export interface SettingsStoreOptions {
  migrations?: readonly SettingsMigration[]
  version?: number
  now?: () => Date
}

export class SettingsStore {
  readonly file: string
  private current: Settings
  private pendingNotice: string | null

  constructor(
    dataDir: string,
    private readonly opts: SettingsStoreOptions = {}
  ) {
    this.file = join(dataDir, SETTINGS_FILE)
    const loaded = loadSettingsFile(this.file, opts)
    this.current = loaded.settings
    this.pendingNotice = loaded.notice
  }

  get(): Settings {
    return { ...this.current }
  }

  /** The settings, with the repair notice the first time it is asked for. */
  state(): SettingsState {
    const notice = this.pendingNotice
    this.pendingNotice = null
    return { settings: this.get(), notice }
  }

  update(patch: unknown): Settings {
    const parsed = settingsPatchSchema.safeParse(patch)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new SettingsError(
        issue ? `Setting ${issue.path.join('.') || '(all)'}: ${issue.message}` : 'Invalid settings.'
      )
    }
    const next = { ...this.current, ...stripUndefined(parsed.data) }
    try {
      writeJsonAtomic(this.file, { version: this.opts.version ?? SETTINGS_VERSION, ...next })
    } catch (err) {
      throw new SettingsError(`Cannot save the settings to ${this.file}: ${(err as Error).message}`)
    }
    this.current = next
    return this.get()
  }
}

/** Reads, migrates and validates a settings file, repairing it on disk when needed. */
export function loadSettingsFile(file: string, opts: SettingsStoreOptions = {}): SettingsState {
  const version = opts.version ?? SETTINGS_VERSION
  const migrations = opts.migrations ?? SETTINGS_MIGRATIONS
  const now = opts.now ?? (() => new Date())
  const read = readJson(file)
  if (read.kind === 'missing') return { settings: { ...DEFAULT_SETTINGS }, notice: null }

  const reset = (why: string): SettingsState => {
    const backup = backupFile(file, now())
    const settings = { ...DEFAULT_SETTINGS }
    tryWrite(file, { version, ...settings })
    return {
      settings,
      notice: `The settings file ${file} ${why}. ${backupSentence(backup)} Settings were reset to their defaults.`
    }
  }

  if (read.kind === 'unparsable') return reset(`was not valid JSON (${read.error})`)
  if (typeof read.value !== 'object' || read.value === null || Array.isArray(read.value)) {
    return reset('did not hold a settings object')
  }
  let raw = read.value as Record<string, unknown>
  const fileVersion = raw.version === undefined ? 1 : raw.version
  if (typeof fileVersion !== 'number' || !Number.isInteger(fileVersion) || fileVersion < 1) {
    return reset(`had an unknown version (${JSON.stringify(fileVersion)})`)
  }
  let migrated = false
  for (let v = fileVersion; v < version; v++) {
    const step = migrations.find((m) => m.from === v)
    if (!step) return reset(`is version ${fileVersion} and cannot be upgraded to version ${version}`)
    try {
      raw = step.migrate({ ...raw })
    } catch (err) {
      return reset(`could not be upgraded from version ${v} (${(err as Error).message})`)
    }
    migrated = true
  }

  // Field by field, so one bad value costs that value and not the rest of the settings.
  // A file from a newer Loopscope keeps the fields this one knows.
  const settings: Settings = { ...DEFAULT_SETTINGS }
  const rejected: string[] = []
  for (const key of SETTINGS_KEYS) {
    if (!(key in raw)) continue
    const parsed = SETTINGS_FIELD_SCHEMAS[key].safeParse(raw[key])
    if (parsed.success) (settings as unknown as Record<string, unknown>)[key] = parsed.data
    else
      rejected.push(
        `${key} (${JSON.stringify(raw[key])?.slice(0, 60)}: ${parsed.error.issues[0]?.message ?? 'invalid'})`
      )
  }
  if (rejected.length > 0) {
    const backup = backupFile(file, now())
    tryWrite(file, { version: Math.max(version, fileVersion), ...settings })
    return {
      settings,
      notice:
        `The settings file ${file} had values Loopscope cannot use: ${rejected.join('; ')}. ` +
        `${backupSentence(backup)} Those settings were reset to their defaults.`
    }
  }
  if (migrated) tryWrite(file, { version, ...settings })
  return { settings, notice: null }
}

function backupSentence(backup: string | null): string {
  return backup ? `The old file was kept as ${backup}.` : 'The old file could not be kept.'
}

/** Copies a damaged file aside; the name sorts by time and never overwrites a previous copy. */
export function backupFile(file: string, when: Date): string | null {
  const stamp = when.toISOString().replace(/[:.]/g, '-')
  for (let i = 0; i < 100; i++) {
    const target = `${file}.corrupt-${stamp}${i ? `-${i}` : ''}`
    try {
      // COPYFILE_EXCL: a previous backup of the same instant is never replaced.
      copyFileSync(file, target, 1)
      return target
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return null
    }
  }
  return null
}

export type JsonRead =
  { kind: 'missing' } | { kind: 'unparsable'; error: string } | { kind: 'ok'; value: unknown }

export function readJson(file: string): JsonRead {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return { kind: 'missing' }
  }
  try {
    return { kind: 'ok', value: JSON.parse(text) as unknown }
  } catch (err) {
    return { kind: 'unparsable', error: (err as Error).message.slice(0, 200) }
  }
}

/** Through a temporary file and a rename, so a crash mid-write never leaves half a file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', 'utf8')
  renameSync(tmp, file)
}

// While loading, a read-only data folder must not stop the app: the settings still apply
// for this run, and the next update reports the failure.
function tryWrite(file: string, value: unknown): void {
  try {
    writeJsonAtomic(file, value)
  } catch {
    // Reported by the next update(), which writes the same file.
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
}
