// `loopscope export TRACE --png OUT | --svg OUT | --chrome-trace OUT`: renders a saved trace
// without a window. A trace cut short (a crash, a full disk) still exports as far as it is
// valid, and the command says where it broke.

import { writeFile } from 'node:fs/promises'
import { readTraceFile } from '../trace-reader'
import { toChromeTrace } from '@shared/export/chrome-trace'
import { DEFAULT_PNG_SCALE } from './export-defaults'

export const EXPORT_HELP = `Usage: loopscope export TRACE [outputs] [options]

Render a saved trace (.ndjson, as written by "loopscope record") without a window.

Outputs (at least one; several may be given):
  --png OUT.png            the swimlanes as a PNG image
  --svg OUT.svg            the swimlanes as an SVG image
  --chrome-trace OUT.json  Chrome Trace Event JSON, for Perfetto (ui.perfetto.dev) and chrome://tracing

Options:
  --from T, --to T         only this window of the run; T is time since the start of the
                           trace: 1.5, 1.5s or 300ms (default: the whole run)
  --width W, --height H    image size in CSS pixels (default: 1600 wide, tall enough for every lane)
  --scale S                PNG pixel ratio (default ${DEFAULT_PNG_SCALE})
  -h, --help               this help

A trace that is truncated or corrupt exports as far as it is valid; the command prints
where it broke on stderr and still exits 0. Exit status 1: nothing could be exported;
2: bad arguments.
`

export interface ExportArgs {
  trace: string
  png: string | null
  svg: string | null
  chromeTrace: string | null
  from?: number
  to?: number
  width?: number
  height?: number
  scale?: number
}

export class UsageError extends Error {}

/** Seconds from "1.5", "1.5s", "300ms" or "250us". */
export function parseTime(text: string): number {
  const m = /^\s*(-?\d+(?:\.\d+)?|-?\.\d+)\s*(s|ms|us|µs)?\s*$/.exec(text)
  if (!m) throw new UsageError(`not a time: "${text}" (use seconds like 1.5, or 300ms)`)
  const value = Number(m[1])
  const unit = m[2] ?? 's'
  const seconds = unit === 'ms' ? value / 1e3 : unit === 's' ? value : value / 1e6
  if (seconds < 0) throw new UsageError(`time must not be negative: "${text}"`)
  return seconds
}

function parsePositive(flag: string, text: string, integer: boolean): number {
  const value = Number(text)
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`${flag} needs a positive ${integer ? 'whole ' : ''}number, got "${text}"`)
  }
  return value
}

export function parseExportArgs(argv: readonly string[]): ExportArgs | 'help' {
  const args: ExportArgs = { trace: '', png: null, svg: null, chromeTrace: null }
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '-h' || arg === '--help') return 'help'
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1
    const flag = eq > 0 ? arg.slice(0, eq) : arg
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1)
      const next = argv[++i]
      if (next === undefined) throw new UsageError(`${flag} needs a value`)
      return next
    }
    switch (flag) {
      case '--png':
        args.png = value()
        break
      case '--svg':
        args.svg = value()
        break
      case '--chrome-trace':
        args.chromeTrace = value()
        break
      case '--from':
        args.from = parseTime(value())
        break
      case '--to':
        args.to = parseTime(value())
        break
      case '--width':
        args.width = parsePositive('--width', value(), true)
        break
      case '--height':
        args.height = parsePositive('--height', value(), true)
        break
      case '--scale':
        args.scale = parsePositive('--scale', value(), false)
        if (args.scale > 8) throw new UsageError('--scale must be at most 8')
        break
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`)
        positional.push(arg)
    }
  }
  if (positional.length !== 1) {
    throw new UsageError(
      positional.length
        ? `one trace file expected, got ${positional.length}`
        : 'which trace? give a .ndjson file'
    )
  }
  args.trace = positional[0]
  if (!args.png && !args.svg && !args.chromeTrace)
    throw new UsageError('nothing to do: give --png, --svg or --chrome-trace')
  if (args.from !== undefined && args.to !== undefined && !(args.to > args.from)) {
    throw new UsageError('--to must be later than --from')
  }
  return args
}

/** The command's options in the CLI table's format (src/cli/args.ts OptionSpec), for its help and parser. */
export const EXPORT_OPTIONS = [
  { name: 'png', value: 'OUT.png', help: 'write the swimlanes as a PNG image' },
  { name: 'svg', value: 'OUT.svg', help: 'write the swimlanes as an SVG image' },
  {
    name: 'chrome-trace',
    value: 'OUT.json',
    help: 'write Chrome Trace Event JSON (Perfetto, chrome://tracing)'
  },
  { name: 'from', value: 'T', help: 'window start, time since the start of the trace: 1.5, 1.5s, 300ms' },
  { name: 'to', value: 'T', help: 'window end (default: the end of the run)' },
  { name: 'width', value: 'W', help: 'image width in CSS pixels (default 1600)' },
  { name: 'height', value: 'H', help: 'image height in CSS pixels (default: tall enough for every lane)' },
  { name: 'scale', value: 'S', help: `PNG pixel ratio (default ${DEFAULT_PNG_SCALE})` },
  { name: 'help', short: 'h', help: 'show this help' }
]

/**
 * The entry for the CLI's command table (src/cli/commands.ts). The table's parser hands over
 * the options it read before the first positional; everything else is still raw argv.
 */
export const EXPORT_COMMAND = {
  name: 'export',
  usage: 'loopscope export TRACE (--png OUT.png | --svg OUT.svg | --chrome-trace OUT.json)... [OPTIONS]',
  summary: 'render a saved trace to PNG, SVG or Chrome trace JSON without a window',
  details:
    'Renders a saved trace (.ndjson, as written by `loopscope record`) without a window: the same\n' +
    'swimlanes as the app, with a title block, lane labels, a time axis and a legend. Several\n' +
    'outputs may be given at once. A truncated or corrupt trace exports as far as it is valid;\n' +
    'the command says on stderr where it broke and still exits 0 (1: nothing to export; 2: bad arguments).',
  options: EXPORT_OPTIONS,
  run: (args: { options: Record<string, string | boolean>; positionals: string[] }): Promise<number> => {
    const argv: string[] = []
    for (const [name, value] of Object.entries(args.options)) {
      if (value === true) argv.push(`--${name}`)
      else if (typeof value === 'string') argv.push(`--${name}`, value)
    }
    return runExportCommand([...argv, ...args.positionals])
  }
}

export interface CommandIo {
  out: (text: string) => void
  err: (text: string) => void
}

const processIo: CommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text)
}

export async function runExportCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  let args: ExportArgs | 'help'
  try {
    args = parseExportArgs(argv)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    io.err(`loopscope export: ${err.message}\n\n${EXPORT_HELP}`)
    return 2
  }
  if (args === 'help') {
    io.out(EXPORT_HELP)
    return 0
  }

  let read
  try {
    read = await readTraceFile(args.trace)
  } catch (err) {
    io.err(`loopscope export: cannot read ${args.trace}: ${(err as Error).message}\n`)
    return 1
  }
  if (read.message) io.err(`loopscope export: ${args.trace}: ${read.message}; exporting the valid part\n`)
  if (!read.events.length) {
    io.err(`loopscope export: ${args.trace} holds no trace events\n`)
    return 1
  }

  try {
    if (args.chromeTrace) {
      await writeFile(args.chromeTrace, JSON.stringify(toChromeTrace(read.events, read.header)))
      io.out(`wrote ${args.chromeTrace}\n`)
    }
    if (args.png || args.svg) {
      // Loaded on demand: ECharts and resvg take longer to load than every other command runs.
      const { modelFromEvents, renderSvg, svgToPng } = await import('./render-image')
      const model = modelFromEvents(read.events, read.header)
      const { svg, layout } = renderSvg(model, {
        from: args.from,
        to: args.to,
        width: args.width,
        height: args.height
      })
      if (args.svg) {
        await writeFile(args.svg, svg)
        io.out(`wrote ${args.svg} (${layout.width}×${layout.height}, ${layout.lanes} lanes)\n`)
      }
      if (args.png) {
        const scale = args.scale ?? DEFAULT_PNG_SCALE
        await writeFile(args.png, svgToPng(svg, scale))
        const w = Math.round(layout.width * scale)
        const h = Math.round(layout.height * scale)
        io.out(`wrote ${args.png} (${w}×${h} px, ${layout.lanes} lanes)\n`)
      }
    }
  } catch (err) {
    io.err(`loopscope export: ${(err as Error).message}\n`)
    return 1
  }
  return 0
}
