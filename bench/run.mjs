// `npm run bench [-- --quick] [--runs N] [--only agent,host,renderer] [--skip-modes id,…]`
// Measures every performance figure of Loopscope side by side in one run, prints one
// table (name, measured, target, PASS/MISS) and writes bench/results/latest.json.
// A MISS is a finding, not a failure: the exit code is non-zero only when the harness
// itself could not measure something (a crash, a missing build, a program that failed).

import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { benchAgentOverhead } from './lib/agent-overhead.mjs'
import { ROOT } from './lib/build-host.mjs'
import { writeSyntheticTrace } from './lib/gen-trace.mjs'
import { benchHost } from './lib/host-throughput.mjs'
import { benchRenderer } from './lib/renderer.mjs'
import { errorRow } from './lib/stats.mjs'
import { formatTable } from './lib/table.mjs'
import { updatePerformanceDoc } from './lib/write-docs.mjs'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    only: { type: 'string' },
    'skip-modes': { type: 'string', default: '' },
    python: { type: 'string', default: 'python3' },
    json: { type: 'string' },
    docs: { type: 'boolean', default: false }
  }
})

const quick = args.quick
const only = new Set((args.only ?? 'agent,host,renderer').split(',').filter(Boolean))
const resultsDir = join(ROOT, 'bench/results')
// One scratch folder per run: engineers and CI run the bench at the same time on one checkout,
// and a shared synthetic trace or host build would be swapped under a running benchmark.
const tmp = join(resultsDir, '.tmp', `run-${process.pid}-${Date.now()}`)
mkdirSync(tmp, { recursive: true })

const started = Date.now()
const log = (msg) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}\n`)

function machine() {
  const py = (() => {
    try {
      return execFileSync(args.python, [
        '-c',
        'import sys, platform; print(platform.python_implementation(), sys.version.split()[0])'
      ])
        .toString()
        .trim()
    } catch (err) {
      return `unavailable (${err.message})`
    }
  })()
  const chromium = (() => {
    try {
      return execFileSync('/usr/bin/chromium', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim()
    } catch {
      return 'unavailable'
    }
  })()
  return {
    nproc: Number(execFileSync('nproc').toString().trim()),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    python: `${args.python}: ${py}`,
    node: process.version,
    chromium,
    platform: `${process.platform} ${process.arch}`
  }
}

const ctx = {
  root: ROOT,
  tmp,
  quick,
  log,
  python: args.python,
  runs: Number(args.runs ?? (quick ? 2 : 9)),
  scale: quick ? 0.1 : 1,
  skipModes: new Set(args['skip-modes'].split(',').filter(Boolean)),
  hostEvents: quick ? 200_000 : 2_000_000,
  traceEvents: quick ? 50_000 : 1_000_000,
  syntheticTrace: join(tmp, 'synthetic.ndjson'),
  liveSeconds: quick ? 1 : 5
}

/** 1-minute load average, sampled through the run: the machine is shared. */
const loads = []
const sampleLoad = () => loads.push(loadavg()[0])

async function main() {
  const info = machine()
  sampleLoad()
  const loadTimer = setInterval(sampleLoad, 10_000)
  loadTimer.unref()
  log(`machine: ${info.nproc} × ${info.cpu}, ${info.python}, node ${info.node}`)
  log(`generating a ${ctx.traceEvents.toLocaleString('en')}-event synthetic trace`)
  writeSyntheticTrace(ctx.syntheticTrace, ctx.traceEvents)

  const sections = [
    ['agent', benchAgentOverhead],
    ['host', benchHost],
    ['renderer', benchRenderer]
  ]
  const rows = []
  const details = {}
  for (const [name, fn] of sections) {
    if (!only.has(name)) continue
    log(`${name}…`)
    try {
      const r = await fn(ctx)
      rows.push(...r.rows)
      details[name] = r.detail
    } catch (err) {
      log(`${name} failed: ${err.stack ?? err}`)
      rows.push(errorRow(name, `${name} benchmark`, err))
    }
  }

  const seconds = (Date.now() - started) / 1000
  clearInterval(loadTimer)
  sampleLoad()
  info.load = {
    min: Math.min(...loads),
    max: Math.max(...loads),
    mean: loads.reduce((a, b) => a + b, 0) / loads.length
  }
  process.stdout.write(formatTable(rows) + '\n')
  const counts = rows.reduce((acc, r) => ((acc[r.status] = (acc[r.status] ?? 0) + 1), acc), {})
  process.stdout.write(
    `\n${Object.entries(counts)
      .map(([k, v]) => `${v} ${k}`)
      .join(
        ', '
      )} — ${quick ? 'quick' : 'full'} run, ${seconds.toFixed(0)} s, ${info.nproc} × ${info.cpu}, ` +
      `load average ${info.load.min.toFixed(1)}–${info.load.max.toFixed(1)}\n`
  )
  const result = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    seconds,
    machine: info,
    settings: { runs: ctx.runs, scale: ctx.scale, traceEvents: ctx.traceEvents, hostEvents: ctx.hostEvents },
    rows,
    details
  }
  writeFileSync(args.json ?? join(resultsDir, 'latest.json'), JSON.stringify(result, null, 2) + '\n')
  if (args.docs) {
    updatePerformanceDoc(join(ROOT, 'docs/performance.md'), result)
    log('docs/performance.md updated')
  }
  if (rows.some((r) => r.status === 'ERROR')) process.exitCode = 1
  rmSync(tmp, { recursive: true, force: true })
}

main().catch((err) => {
  process.stderr.write(`bench harness error: ${err.stack ?? err}\n`)
  process.exitCode = 2
})
