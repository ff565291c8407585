// `loopscope record`: run a program headless under the agent. Its stdout and stderr pass
// through byte for byte, stdin is its own, the exit code is its own (a signal death is
// 128+n as in a shell), and the trace is written to the file asked for.

import { constants } from 'node:os'
import { resolve } from 'node:path'
import { TRACE_FORMAT, TRACE_VERSION } from '@shared/trace-types'
import { Session } from '../host/session'
import { TraceWriter } from '../host/trace-writer'
import { UsageError, type ParsedArgs } from './args'
import { appPaths } from './paths'

export async function recordCommand(args: ParsedArgs): Promise<number> {
  const output = args.options.output
  if (typeof output !== 'string') throw new UsageError('record needs -o FILE (where to write the trace)')
  const module = typeof args.options.module === 'string' ? args.options.module : null
  const [script, ...rest] = module ? [module, ...args.positionals] : args.positionals
  if (!script) throw new UsageError('record needs a SCRIPT to run (or -m MODULE)')
  const paths = appPaths({ resourcesDir: args.options.resources as string | undefined })
  const started = new Date()
  const writer = new TraceWriter(resolve(output), {
    host: { loopscope: paths.version, platform: process.platform },
    fallbackHeader: () => ({
      type: 'header',
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      python: 'unknown',
      pid: 0,
      argv: [script, ...rest],
      script: module ? null : resolve(script),
      cwd: process.cwd(),
      started: started.toISOString()
    })
  })
  if (writer.failed) {
    process.stderr.write(`loopscope: ${writer.failed}\n`)
    return 1
  }
  let failure: string | null = null
  const session = new Session({
    id: 1,
    request: {
      script,
      args: rest,
      python: typeof args.options.python === 'string' ? args.options.python : undefined,
      compat: args.options['no-compat'] !== true,
      module: module !== null
    },
    agentPath: resolve(paths.resourcesDir, 'agent', 'loopscope_launch.py'),
    stdin: 'inherit',
    handlers: {
      onHeader: (h) => writer.header(h),
      onEvent: (e) => writer.event(e),
      // Lines go to the file as the agent wrote them: no parse, no re-serialization.
      onAgentLine: (line, _type, t) => writer.eventLine(line, t),
      onStatus: (s) => {
        if (s.state === 'exited' && s.message) failure = s.message
      },
      onRawOutput: (stream, chunk) => {
        const out = stream === 'stdout' ? process.stdout : process.stderr
        if (out.write(chunk)) return true
        out.once('drain', () => session.resumeOutput(stream))
        return false
      }
    }
  })
  // The program leads its own process group, away from the terminal's Ctrl+C: forward it.
  const onInt = (): void => void session.interrupt()
  const onTerm = (): void => void session.stop()
  process.on('SIGINT', onInt)
  process.on('SIGTERM', onTerm)
  process.on('SIGHUP', onTerm)
  session.start()
  const exit = await session.done
  process.off('SIGINT', onInt)
  process.off('SIGTERM', onTerm)
  process.off('SIGHUP', onTerm)
  const summary = writer.close()
  if (failure) process.stderr.write(`loopscope: ${failure}\n`)
  if (summary.error) process.stderr.write(`loopscope: ${summary.error}\n`)
  if (exit.signal) return 128 + (constants.signals[exit.signal as keyof typeof constants.signals] ?? 0)
  if (exit.code === null) return 1
  return exit.code
}
