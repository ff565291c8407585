// Host throughput: the real AgentStreamParser and Batcher fed an agent stream the way a
// pipe delivers it (64 KiB reads, lines cut anywhere), and the real trace reader on a
// saved trace. The modules are the shipped TypeScript, bundled by build-host.mjs.

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { importHostModules } from './build-host.mjs'
import { row } from './stats.mjs'
import { countTraceEvents, eventsIn } from './trace-count.mjs'

const PIPE_READ = 64 * 1024

function chunksOf(buf) {
  const out = []
  for (let i = 0; i < buf.length; i += PIPE_READ) out.push(buf.subarray(i, i + PIPE_READ))
  return out
}

/** The benchmark stream never grows past this, however few events a line holds. */
const MAX_STREAM_BYTES = 512 * 1024 * 1024

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
  const eventsOne = countTraceEvents(one)
  const repeat = Math.max(
    1,
    Math.min(Math.ceil(ctx.hostEvents / eventsOne), Math.floor(MAX_STREAM_BYTES / one.length))
  )
  const chunks = chunksOf(Buffer.concat(Array.from({ length: repeat }, () => one)))
  detail.stream = {
    sources: sources.map((p) => p.replace(ctx.tmp, '$TMP')),
    events: eventsOne * repeat,
    bytes: one.length * repeat
  }

  let errors = 0
  let lastError = null
  /** Events per second through parser and batcher, in 64 KiB reads, best of 3. */
  const parseAndBatch = async (pieces) => {
    let delivered = 0
    const once = () => {
      delivered = 0
      const batcher = new host.Batcher({
        session: 1,
        flush: (b) => {
          for (const e of b.events) delivered += eventsIn(e)
        }
      })
      const parser = new host.AgentStreamParser({
        onEvent: (e) => batcher.push(e),
        onHeader: (h) => batcher.setHeader(h)
      })
      for (const c of pieces) parser.push(c)
      parser.end()
      batcher.close()
      errors = parser.errors
      lastError = parser.lastError
    }
    const seconds = await best(3, once)
    if (errors > 0)
      throw new Error(
        `the host parser rejected ${errors} lines of the stream (${lastError}): ` +
          'the agent writes something the trace format (TRACE_EVENT_TYPES) does not list'
      )
    return { seconds, events: delivered }
  }

  // The agent's own stream, as it writes it (several events may share a line, a `batch`;
  // each counts as an event, and the view expands them).
  const agentRun = await parseAndBatch(chunks)
  detail.parseBatch = agentRun
  rows.push(
    row(section, 'agent stream parse + batch', agentRun.events / agentRun.seconds, 'ev/s', {
      op: '>=',
      value: 1_000_000
    })
  )
  // One event per line, every event parsed into an object: the host's worst case.
  const synthetic = readFileSync(ctx.syntheticTrace)
  const perLine = await parseAndBatch(
    chunksOf(
      Buffer.concat(
        Array.from({ length: Math.max(1, Math.ceil(ctx.hostEvents / ctx.traceEvents)) }, () => synthetic)
      )
    )
  )
  detail.parseBatchPerLine = perLine
  rows.push(
    row(section, 'parse + batch, one event per line (synthetic)', perLine.events / perLine.seconds, 'ev/s')
  )

  // A live run's whole host path for one-event lines, as a session runs it: each event to
  // the run's trace file and to a batch, each batch made into the page's WebSocket frame.
  // The session hands the lines on as the bytes they arrived as (`stableChunks`); side by
  // side, the same path with the lines as text only, joined and encoded again per destination.
  const perLineChunks = chunksOf(synthetic)
  const liveOut = join(ctx.tmp, 'host-live.ndjson')
  const livePath = (stableChunks) => {
    let events = 0
    let bytes = 0
    const once = () => {
      events = 0
      bytes = 0
      const writer = new host.TraceWriter(liveOut, {
        fallbackHeader: () => ({ type: 'header', format: 'loopscope-trace', version: 1 })
      })
      const batcher = new host.Batcher({
        session: 1,
        timed: false,
        flush: (b) => {
          bytes += host.batchJson(b, '{"push":"batch","payload":', '}').length
          events += b.events.length
        }
      })
      const parser = new host.AgentStreamParser({
        stableChunks,
        onEvent: (e, line, source, at) => {
          writer.event(e, line, source, at)
          batcher.push(e, line, source, at)
        },
        onHeader: (h) => {
          writer.header(h)
          batcher.setHeader(h)
        }
      })
      for (const c of perLineChunks) parser.push(c)
      parser.end()
      batcher.close()
      writer.close()
    }
    return best(2, once).then((seconds) => ({ seconds, events, bytes }))
  }
  const liveBytes = await livePath(true)
  const liveText = await livePath(false)
  rmSync(liveOut, { force: true })
  if (liveBytes.bytes !== liveText.bytes)
    throw new Error(
      `the live path's frames differ: ${liveBytes.bytes} bytes as bytes, ${liveText.bytes} as text`
    )
  detail.livePath = { bytes: liveBytes, text: liveText }
  rows.push(
    row(
      section,
      'live path, one event per line: parse + trace file + page frames',
      liveBytes.events / liveBytes.seconds,
      'ev/s'
    ),
    row(
      section,
      'the same, lines joined and encoded again as text (side by side)',
      liveText.events / liveText.seconds,
      'ev/s'
    )
  )

  const out = join(ctx.tmp, 'host-writer.ndjson')
  let written = 0
  const parseAndWrite = () => {
    const writer = new host.TraceWriter(out, {
      fallbackHeader: () => ({ type: 'header', format: 'loopscope-trace', version: 1 })
    })
    // As `loopscope record` does: lines pass to the file unparsed, typed and timed by a scan.
    const parser = new host.AgentStreamParser({
      onEventLine: (line, _type, t) => writer.eventLine(line, t),
      onHeader: (h) => writer.header(h)
    })
    for (const c of chunks) parser.push(c)
    parser.end()
    writer.close()
    if (parser.errors > 0)
      throw new Error(`the record path rejected ${parser.errors} lines (${parser.lastError})`)
    // Lines are written unparsed: a line holding a batch of events counts as its events.
    written = detail.stream.events
  }
  const s2 = await best(2, parseAndWrite)
  rmSync(out, { force: true })
  detail.parseWrite = { seconds: s2, events: written }
  rows.push(row(section, 'agent stream parse + write trace file (record)', written / s2, 'ev/s'))

  // Read as Electron's open reads it: streamed, each event handed on as its line is parsed
  // (the app's replay batches them for the view; here they are counted and let go).
  let read = 0
  const readSaved = async () => {
    let n = 0
    const end = await host.streamTraceFile(ctx.syntheticTrace, { event: () => void n++ }).done
    read = n
    if (end.skipped) throw new Error(`trace reader skipped ${end.skipped} lines: ${end.message}`)
  }
  const s3 = await best(1, readSaved)
  detail.readTrace = { seconds: s3, events: read, path: 'synthetic' }
  rows.push(
    row(section, `saved trace read, streamed (${(read / 1e6).toFixed(2)}M events)`, read / s3, 'ev/s', {
      op: '>=',
      value: 1_000_000,
      text: '≥ 1,000,000 (half the 2 s open)'
    })
  )

  // The agent's recordings as one saved trace: one header, then every other line, repeated.
  const agentTrace = join(ctx.tmp, 'host-agent-trace.ndjson')
  const text = one.toString('utf8').split('\n')
  const headerLine = text.find((l) => l.startsWith('{"type":"header"'))
  const body = text.filter((l) => l && !l.startsWith('{"type":"header"')).join('\n') + '\n'
  writeFileSync(agentTrace, headerLine + '\n' + body.repeat(repeat))
  let readAgent = 0
  const s4 = await best(1, async () => {
    const r = await host.readTraceFile(agentTrace)
    if (r.skipped)
      throw new Error(`trace reader skipped ${r.skipped} lines of the agent's trace: ${r.message}`)
    readAgent = r.events.reduce((n, e) => n + eventsIn(e), 0)
  })
  rmSync(agentTrace, { force: true })
  detail.readAgentTrace = { seconds: s4, events: readAgent }
  rows.push(row(section, "saved trace read (the agent's recordings)", readAgent / s4, 'ev/s'))
  return { rows, detail }
}
