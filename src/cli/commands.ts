// Every loopscope command, one entry each: adding a command is adding an entry here.

import type { OptionSpec, ParsedArgs } from './args'
import { recordCommand } from './record'
import { serveCommand } from './serve'
import { startCommand } from './start'
import { EXPORT_COMMAND } from '../host/export/export-command'

export interface Command {
  name: string
  usage: string
  summary: string
  /** Longer text for `loopscope help NAME`. */
  details: string
  options: OptionSpec[]
  run(args: ParsedArgs): Promise<number>
}

const python: OptionSpec = {
  name: 'python',
  value: 'PATH',
  help: 'Python interpreter to run the script with (default: python3 on PATH)'
}
const noRun: OptionSpec = { name: 'no-run', help: 'open the script without running it' }
const pauseAtStart: OptionSpec = {
  name: 'pause-at-start',
  help: 'start every run held before its first loop tick (then step with F10/F11)'
}
const port: OptionSpec = {
  name: 'port',
  value: 'N',
  help: 'web host port on 127.0.0.1 (default 0: any free port)'
}
const help: OptionSpec = { name: 'help', short: 'h', help: 'show this help' }

export const COMMANDS: Command[] = [
  {
    name: 'start',
    usage: 'loopscope [start] [OPTIONS] [SCRIPT [ARGS...]]',
    summary: 'open the desktop app, on SCRIPT if given (the default command)',
    details:
      'Opens Loopscope on SCRIPT and runs it. Where the Electron runtime is not installed, says so\n' +
      'and starts the web host instead, printing the URL to open (loopback only, with a token).',
    options: [python, noRun, pauseAtStart, port, help],
    run: startCommand
  },
  {
    name: 'serve',
    usage: 'loopscope serve [OPTIONS] [SCRIPT]',
    summary: 'start the web host alone and print its URL (with the access token)',
    details:
      'Serves the app to a browser on 127.0.0.1. Every request needs the per-run token in the\n' +
      'printed URL; stop it with Ctrl+C. Useful over SSH (tunnel the port), in WSL and containers.',
    options: [
      port,
      python,
      noRun,
      pauseAtStart,
      { name: 'renderer', value: 'DIR', help: 'serve the app from DIR (default: out/renderer)' },
      { name: 'resources', value: 'DIR', help: 'agent and examples folder (default: resources)' },
      {
        name: 'trace-dir',
        value: 'DIR',
        help: 'save the traces of runs in DIR (default: ~/.loopscope/traces)'
      },
      help
    ],
    run: serveCommand
  },
  {
    name: 'record',
    usage: 'loopscope record [OPTIONS] -o FILE (SCRIPT | -m MODULE) [ARGS...]',
    summary: 'run a script headless and write its trace',
    details:
      'Runs the program without a window. Its stdout and stderr pass through unchanged, stdin is\n' +
      "its own, and loopscope exits with the program's exit code (128+N when killed by signal N).\n" +
      'The trace (NDJSON, see docs/trace-format.md) is written to FILE; reopen it in the app.',
    options: [
      { name: 'output', short: 'o', value: 'FILE', help: 'where to write the trace (required)' },
      python,
      {
        name: 'module',
        short: 'm',
        value: 'MODULE',
        help: 'run a module as python -m does',
        endsOptions: true
      },
      { name: 'no-compat', help: 'do not shim asyncio APIs that modern Python removed' },
      { name: 'resources', value: 'DIR', help: 'agent folder override (default: resources)' },
      help
    ],
    run: recordCommand
  },
  EXPORT_COMMAND
]
