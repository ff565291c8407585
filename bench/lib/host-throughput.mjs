// Host throughput: the real AgentStreamParser and Batcher fed an agent stream the way a
// pipe delivers it (64 KiB reads, lines cut anywhere), and the real trace reader on a
// saved trace. The modules are the shipped TypeScript, bundled by build-host.mjs.

import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { importHostModules } from './build-host.mjs'
import { row } from './stats.mjs'

const PIPE_READ = 64 * 1024

function chunksOf(buf) {
  const out = []
  for (let i = 0; i < buf.length; i += PIPE_READ) out.push(buf.subarray(i, i + PIPE_READ))
  return out
}

function countLines(buf) {
  let n = 0
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++
  return n
}

/** Best of `reps` timed runs after one warm-up; returns seconds. */
async function best(reps, fn) {
  await fn()
  let bestS = Infinity
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint()
    await fn()
    bestS = Math.min(bestS, Number(process.hrtime.bigint() - t0) / 1e9)
  }
  return bestS
}

export async function benchHost(ctx) {
  const section = 'host'
  const host = await importHostModules(
    ['agent-stream-parser', 'batcher', 'trace-reader', 'trace-writer'],
    join(ctx.tmp, 'build')
  )
  const rows = []
  const detail = {}

  // Prefer a stream the real agent wrote in this run; fall back to the synthetic trace.
  const recorded = ['churn', 'mixed', 'echo', 'timers']
    .map((w) => join(ctx.tmp, `recorded-${w}.ndjson`))
    .filter(existsSync)
  const sources = recorded.length ? recorded : [ctx.syntheticTrace]
  const one = Buffer.concat(sources.map((p) => readFileSync(p)))
  const linesOne = countLines(one)
  const repeat = Math.max(1, Math.ceil(ctx.hostEvents / linesOne))
  const chunks = chunksOf(Buffer.concat(Array.from({ length: repeat }, () => one)))
  const expected = linesOne * repeat
  detail.stream = {
    sources: sources.map((p) => p.replace(ctx.tmp, '$TMP')),
    lines: expected,
    bytes: one.length * repeat
  }

  let delivered = 0
  let errors = 0
  const parseAndBatch = () => {
    delivered = 0
    const batcher = new host.Batcher({ session: 1, flush: (b) => (delivered += b.events.length) })
    const parser = new host.AgentStreamParser({
      onEvent: (e) => batcher.push(e),
      onHeader: (h) => batcher.setHeader(h)
    })
    for (const c of chunks) parser.push(c)
    parser.end()
    batcher.close()
    errors = parser.errors
  }
  const s1 = await best(3, parseAndBatch)
  if (errors > 0) throw new Error(`the parser rejected ${errors} lines of the benchmark stream`)
  detail.parseBatch = { seconds: s1, events: delivered }
  rows.push(
    row(section, 'agent stream parse + batch', delivered / s1, 'ev/s', { op: '>=', value: 1_000_000 })
  )

  const out = join(ctx.tmp, 'host-writer.ndjson')
  let written = 0
  const parseAndWrite = () => {
    const writer = new host.TraceWriter(out, {
      fallbackHeader: () => ({ type: 'header', format: 'loopscope-trace', version: 1 })
    })
    const parser = new host.AgentStreamParser({
      onEvent: (e) => writer.event(e),
      onHeader: (h) => writer.header(h)
    })
    for (const c of chunks) parser.push(c)
    parser.end()
    written = writer.close().events
  }
  const s2 = await best(2, parseAndWrite)
  rmSync(out, { force: true })
  detail.parseWrite = { seconds: s2, events: written }
  rows.push(row(section, 'agent stream parse + write trace file (record)', written / s2, 'ev/s'))

  let read = 0
  const readSaved = async () => {
    const r = await host.readTraceFile(ctx.syntheticTrace)
    read = r.events.length
    if (r.skipped) throw new Error(`trace reader skipped ${r.skipped} lines: ${r.message}`)
  }
  const s3 = await best(1, readSaved)
  detail.readTrace = { seconds: s3, events: read, path: 'synthetic' }
  rows.push(
    row(section, `saved trace read (${(read / 1e6).toFixed(2)}M events)`, read / s3, 'ev/s', {
      op: '>=',
      value: 1_000_000,
      text: '≥ 1,000,000 (half the 2 s open)'
    })
  )
  return { rows, detail }
}
