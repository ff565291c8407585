// `loopscope serve`: the web host alone, for a browser on this machine (or through an SSH
// tunnel). Prints its URL, token included, on stdout.

import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { ApiServer } from '../host/api-server'
import { startWebHost } from '../host/web-host'
import { UsageError, type ParsedArgs } from './args'
import { appPaths } from './paths'

export async function serveCommand(args: ParsedArgs): Promise<number> {
  const portText = args.options.port
  const port = typeof portText === 'string' ? Number(portText) : 0
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port needs a number 0-65535, not ${String(portText)}`)
  const paths = appPaths({
    resourcesDir: args.options.resources as string | undefined,
    rendererDir: args.options.renderer as string | undefined
  })
  if (!existsSync(join(paths.rendererDir, 'index.html'))) {
    process.stderr.write(
      `loopscope: the app is not built (${paths.rendererDir} has no index.html); run \`npm run build\` first.\n`
    )
    return 1
  }
  const [script] = args.positionals
  const traceDir = args.options['trace-dir']
  const api = new ApiServer({
    kind: 'web',
    resourcesDir: paths.resourcesDir,
    version: paths.version,
    initialScript: script ? resolve(script) : null,
    autoRun: Boolean(script) && args.options['no-run'] !== true,
    python: typeof args.options.python === 'string' ? args.options.python : undefined,
    pauseAtStart: args.options['pause-at-start'] === true,
    traceDir: typeof traceDir === 'string' ? resolve(traceDir) : undefined
  })
  let host
  try {
    host = await startWebHost({ api, rendererDir: paths.rendererDir, port })
  } catch (err) {
    process.stderr.write(`loopscope: cannot listen on 127.0.0.1:${port}: ${(err as Error).message}\n`)
    await api.dispose()
    return 1
  }
  process.stdout.write(`${host.url}\n`)
  process.stderr.write(
    'Loopscope web host: open the URL above in a browser on this machine. Ctrl+C stops it.\n'
  )
  await new Promise<void>((done) => {
    const shutdown = (): void => {
      process.off('SIGINT', shutdown)
      process.off('SIGTERM', shutdown)
      done()
    }
    process.on('SIGINT', shutdown)
    process.on('SIGTERM', shutdown)
  })
  await api.dispose()
  await host.close()
  return 0
}
