// The loopscope command line. `main` returns the exit code; bin/loopscope.mjs calls it.

import { pathToFileURL } from 'node:url'
import { formatOptions, parseArgs, UsageError } from './args'
import { COMMANDS, type Command } from './commands'
import { appPaths } from './paths'

const DEFAULT_COMMAND = 'start'

export function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length))
  return [
    'Loopscope: a visual debugger for Python asyncio programs.',
    '',
    'Usage:',
    ...COMMANDS.map((c) => `  ${c.usage}`),
    '  loopscope help [COMMAND]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options for every command: --help (-h), and --version.',
    'Run `loopscope help COMMAND` for the options of one command.'
  ].join('\n')
}

export function commandHelp(cmd: Command): string {
  return [`Usage: ${cmd.usage}`, '', cmd.details, '', 'Options:', formatOptions(cmd.options)].join('\n')
}

export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv
  if (first === '--help' || first === '-h') return print(overview())
  if (first === '--version' || first === '-V') return print(appPaths().version)
  if (first === 'help') {
    if (!rest[0]) return print(overview())
    const cmd = COMMANDS.find((c) => c.name === rest[0])
    if (!cmd) return usageError(`no command named ${rest[0]}`)
    return print(commandHelp(cmd))
  }
  const named = COMMANDS.find((c) => c.name === first)
  const cmd = named ?? COMMANDS.find((c) => c.name === DEFAULT_COMMAND)!
  const cmdArgv = named ? rest : argv
  try {
    const args = parseArgs(cmdArgv, cmd.options)
    if (args.options.help === true) return print(commandHelp(cmd))
    return await cmd.run(args)
  } catch (err) {
    if (err instanceof UsageError) return usageError(err.message, cmd)
    throw err
  }
}

function print(text: string): number {
  process.stdout.write(text + '\n')
  return 0
}

function usageError(message: string, cmd?: Command): number {
  process.stderr.write(`loopscope: ${message} (see \`loopscope help${cmd ? ` ${cmd.name}` : ''}\`)\n`)
  return 2
}

// Run directly (`node out/main/cli.js ...`), not only through bin/loopscope.mjs.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.stdout.write('', () => process.exit(code)),
    (err: unknown) => {
      process.stderr.write(`loopscope: ${err instanceof Error ? err.stack : String(err)}\n`)
      process.exit(1)
    }
  )
}
