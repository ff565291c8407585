#!/usr/bin/env node
// The `loopscope` command (package.json "bin"): runs the built CLI in out/main/cli.js.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const cli = new URL('../out/main/cli.js', import.meta.url)
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write(
    'loopscope: not built yet: run `npm run build` in the Loopscope folder first (it creates out/main/cli.js).\n'
  )
  process.exit(1)
}
const { main } = await import(cli.href)
try {
  const code = await main(process.argv.slice(2))
  // Exit once stdout has drained: a piped consumer must get every byte of the program's output.
  process.stdout.write('', () => process.exit(code))
} catch (err) {
  process.stderr.write(`loopscope: ${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(1)
}
