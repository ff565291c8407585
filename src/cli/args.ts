// Command-line parsing for loopscope's commands: options first, then the script and its own
// arguments, which pass through untouched (`record -o t.ndjson app.py --verbose` gives
// --verbose to app.py).

export interface OptionSpec {
  /** Long name without dashes, e.g. 'output'. */
  name: string
  short?: string
  /** Takes a value (`-o FILE`, `--port=8080`). */
  value?: string
  help: string
  /**
   * A value option that also ends option parsing (`-m MODULE`: what follows belongs to the
   * program, as with python -m).
   */
  endsOptions?: boolean
}

export interface ParsedArgs {
  options: Record<string, string | boolean>
  positionals: string[]
}

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const options: Record<string, string | boolean> = {}
  const positionals: string[] = []
  let i = 0
  while (i < argv.length) {
    const arg = argv[i]
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (!arg.startsWith('-') || arg === '-') {
      // The first positional is the script: everything after it is the script's.
      positionals.push(...argv.slice(i))
      break
    }
    const long = arg.startsWith('--')
    const eq = arg.indexOf('=')
    const key = long ? arg.slice(2, eq === -1 ? undefined : eq) : arg.slice(1)
    const spec = specs.find((s) => (long ? s.name === key : s.short === key))
    if (!spec) throw new UsageError(`unknown option ${long ? `--${key}` : arg}`)
    if (spec.value) {
      let value: string | undefined
      if (long && eq !== -1) value = arg.slice(eq + 1)
      else value = argv[++i]
      if (value === undefined || value === '')
        throw new UsageError(`option ${arg.split('=')[0]} needs a value (${spec.value})`)
      options[spec.name] = value
      i++
      if (spec.endsOptions) {
        positionals.push(...argv.slice(i))
        break
      }
      continue
    }
    if (long && eq !== -1) throw new UsageError(`option --${key} takes no value`)
    options[spec.name] = true
    i++
  }
  return { options, positionals }
}

export function formatOptions(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const names = [s.short ? `-${s.short}` : null, `--${s.name}`].filter(Boolean).join(', ')
    return [s.value ? `${names} ${s.value}` : names, s.help]
  })
  const width = Math.max(0, ...rows.map((r) => r[0].length))
  return rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`).join('\n')
}
