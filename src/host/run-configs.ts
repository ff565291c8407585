// How each script was last run: arguments, working folder, environment additions and
// interpreter, remembered per absolute script path in one JSON file of the data folder.
// Arguments are typed as one line and split the way a POSIX shell splits words (quotes
// and backslashes), without expanding variables or globs: the program receives exactly
// what is written.

import { statSync } from 'node:fs'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { z } from 'zod'
import type { RunConfig } from '@shared/settings-types'
import { backupFile, readJson, writeJsonAtomic } from './settings'

export const RUN_CONFIGS_FILE = 'run-configs.json'
export const RUN_CONFIGS_VERSION = 1
/** Past this many scripts, the least recently saved configurations are forgotten. */
export const RUN_CONFIGS_LIMIT = 500

/** A refused configuration; the message is meant for the person filling the form. */
export class RunConfigError extends Error {}

/** Splits an argument line into words: '…' is literal, "…" allows \" \\ \$ \`, \ escapes outside quotes. */
export function parseArgs(text: string, platform: NodeJS.Platform = process.platform): string[] {
  const args: string[] = []
  let word = ''
  // A word exists once anything, even an empty pair of quotes, has been seen.
  let inWord = false
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) args.push(word)
      word = ''
      inWord = false
      i++
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1)
      if (end === -1)
        throw new RunConfigError(`Arguments: the single quote at position ${i + 1} is never closed.`)
      word += text.slice(i + 1, end)
      inWord = true
      i = end + 1
    } else if (c === '"') {
      let j = i + 1
      for (;;) {
        if (j >= text.length)
          throw new RunConfigError(`Arguments: the double quote at position ${i + 1} is never closed.`)
        const d = text[j]
        if (d === '"') break
        if (d === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1])) {
          word += text[j + 1]
          j += 2
        } else {
          word += d
          j++
        }
      }
      inWord = true
      i = j + 1
    } else if (c === '\\' && platform !== 'win32') {
      if (i + 1 >= text.length) throw new RunConfigError('Arguments: a backslash at the end escapes nothing.')
      word += text[i + 1]
      inWord = true
      i += 2
    } else {
      // On Windows a backslash is a path separator, never an escape outside quotes.
      word += c
      inWord = true
      i++
    }
  }
  if (inWord) args.push(word)
  return args
}

/** The inverse of parseArgs: a line that splits back into exactly `args`. */
export function formatArgs(args: readonly string[]): string {
  return args
    .map((a) => (a !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ')
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const path = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\0'), 'a path without NUL characters')

/** What saveRunConfig accepts from a renderer (or a browser, through the web host). */
export const runConfigInputSchema = z
  .object({
    script: path.refine((p) => isAbsolute(p), 'an absolute path'),
    argsText: z.string().max(65536),
    cwd: path.nullable(),
    env: z
      .record(
        z.string().max(1024),
        z
          .string()
          .max(65536)
          .refine((v) => !v.includes('\0'), 'a value without NUL characters')
      )
      .superRefine((env, ctx) => {
        // Checked here rather than as the record's key schema, so the message names the variable.
        for (const key of Object.keys(env)) {
          if (!ENV_NAME.test(key)) {
            ctx.addIssue({
              code: 'custom',
              path: [key],
              message: 'a variable name (letters, digits and _, not starting with a digit)'
            })
          }
        }
      }),
    python: path.nullable()
  })
  .strict()

const storedSchema = runConfigInputSchema.extend({
  args: z.array(z.string()),
  updatedAt: z.number().finite()
})

export interface RunConfigStoreOptions {
  now?: () => number
  limit?: number
  platform?: NodeJS.Platform
}

export class RunConfigStore {
  readonly file: string
  /** Set when the file had to be repaired on load; shown to the person once. */
  notice: string | null = null

  constructor(
    dataDir: string,
    private readonly opts: RunConfigStoreOptions = {}
  ) {
    this.file = join(dataDir, RUN_CONFIGS_FILE)
    this.notice = this.repairIfDamaged()
  }

  /** The remembered configuration of a script, or null when it was never configured. */
  get(script: string): RunConfig | null {
    return this.read().get(resolve(script)) ?? null
  }

  /** Validates, splits the arguments and remembers; throws RunConfigError with a readable reason. */
  save(input: unknown): RunConfig {
    const parsed = runConfigInputSchema.safeParse(input)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const field = issue?.path.join('.') || 'configuration'
      throw new RunConfigError(`Run configuration ${field}: ${issue?.message ?? 'invalid'}`)
    }
    const cfg = parsed.data
    const script = resolve(cfg.script)
    let cwd: string | null = null
    if (cfg.cwd !== null && cfg.cwd.trim() !== '') {
      cwd = resolve(dirname(script), cfg.cwd.trim())
      if (!isDir(cwd)) throw new RunConfigError(`Working folder ${cwd} does not exist or is not a folder.`)
    }
    let python = cfg.python !== null && cfg.python.trim() !== '' ? cfg.python.trim() : null
    // A path (not a command name like python3) is pinned relative to the script, as discovery reads it.
    if (python && /[/\\]/.test(python)) python = resolve(dirname(script), python)
    const saved: RunConfig = {
      script,
      argsText: cfg.argsText,
      args: parseArgs(cfg.argsText, this.opts.platform),
      cwd,
      env: cfg.env,
      python,
      updatedAt: (this.opts.now ?? Date.now)()
    }
    const all = this.read()
    all.delete(script)
    all.set(script, saved)
    this.write(all)
    return saved
  }

  remove(script: string): void {
    const all = this.read()
    if (all.delete(resolve(script))) this.write(all)
  }

  /** Every remembered configuration, most recently saved first. */
  list(): RunConfig[] {
    return [...this.read().values()].sort((a, b) => b.updatedAt - a.updatedAt)
  }

  private read(): Map<string, RunConfig> {
    const r = readJson(this.file)
    return r.kind === 'ok' ? sanitize(r.value).configs : new Map()
  }

  private write(all: Map<string, RunConfig>): void {
    const limit = this.opts.limit ?? RUN_CONFIGS_LIMIT
    const kept = [...all.values()].sort((a, b) => b.updatedAt - a.updatedAt).slice(0, limit)
    try {
      writeJsonAtomic(this.file, {
        version: RUN_CONFIGS_VERSION,
        configs: Object.fromEntries(kept.map((c) => [c.script, c]))
      })
    } catch (err) {
      throw new RunConfigError(`Cannot save the run configuration to ${this.file}: ${(err as Error).message}`)
    }
  }

  private repairIfDamaged(): string | null {
    const r = readJson(this.file)
    if (r.kind === 'missing') return null
    const { configs, dropped, broken } =
      r.kind === 'ok' ? sanitize(r.value) : { configs: new Map(), dropped: 0, broken: true }
    if (!broken && dropped === 0) return null
    const backup = backupFile(this.file, new Date((this.opts.now ?? Date.now)()))
    try {
      this.write(configs)
    } catch {
      // The next save reports an unwritable data folder.
    }
    const what = broken
      ? 'could not be read'
      : `had ${dropped} configuration${dropped === 1 ? '' : 's'} Loopscope cannot use`
    return (
      `The run configurations file ${this.file} ${what}` +
      `${broken ? '; they were reset' : '; those were dropped'}. ` +
      (backup ? `The old file was kept as ${backup}.` : 'The old file could not be kept.')
    )
  }
}

function sanitize(raw: unknown): { configs: Map<string, RunConfig>; dropped: number; broken: boolean } {
  const configs = new Map<string, RunConfig>()
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { configs, dropped: 0, broken: true }
  const entries = (raw as { configs?: unknown }).configs
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries))
    return { configs, dropped: 0, broken: true }
  let dropped = 0
  for (const [key, value] of Object.entries(entries)) {
    const parsed = storedSchema.safeParse(value)
    if (parsed.success && parsed.data.script === key) configs.set(key, parsed.data)
    else dropped++
  }
  return { configs, dropped, broken: false }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}
