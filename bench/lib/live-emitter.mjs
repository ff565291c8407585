#!/usr/bin/env node
// Stands in for the Python interpreter in the renderer benchmark's live-stream test: the
// host spawns it exactly as it spawns Python (`<python> <launcher> <script>`, events on
// the fd named by LOOPSCOPE_EVENT_FD) and it writes synthetic trace events at a fixed
// rate, so the renderer's ingest is measured at a known load through the real host path.
// Rate and duration come from BENCH_EMIT_RATE (events/s) and BENCH_EMIT_SECONDS.
// With BENCH_EMIT_TRACE (a trace the agent recorded) and BENCH_EMIT_COUNTS (a JSON array:
// how many events each line after its header stands for once expanded) it replays that
// trace's lines instead, in the agent's own `batch` format, paced by those counts.

import { readFileSync, writeSync } from 'node:fs'
import { header, syntheticEvents } from './gen-trace.mjs'

// The host asks its interpreter's version before a run; answer as the Python it stands for.
if (process.argv[2] === '--version' || process.argv[2] === '-V') {
  process.stdout.write('Python 3.11.7\n')
  process.exit(0)
}

const fd = Number(process.env.LOOPSCOPE_EVENT_FD ?? 3)
const rate = Number(process.env.BENCH_EMIT_RATE ?? 200000)
const seconds = Number(process.env.BENCH_EMIT_SECONDS ?? 5)
const SLICE_MS = 10

/** Blocks for `ms` without spinning (the host's pipe is non-blocking). */
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

const write = (text) => {
  const buf = Buffer.from(text)
  let off = 0
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off)
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err
      // The pipe is full: wait for the host to read, as a blocking write would. Retrying at
      // once spun a core the host and the page needed (the emitter read 57-107 % of a core
      // at 250k ev/s, alternating with the host).
      pause(1)
    }
  }
}

write(JSON.stringify(header({ pid: process.pid, argv: process.argv.slice(3) })) + '\n')
const t0 = performance.now()
let sent = 0

/** Events per pre-serialized block of the synthetic stream: 1 ms of it at 250k ev/s. */
const BLOCK = 250

/** Synthetic events, one JSON object per line, serialized before the clock starts: making
 * them costs this process 2-3.5 µs an event (a generator and JSON.stringify), half a core
 * or more at the offered rate, which a traced program's own work does not resemble and
 * which took the CPU of the host and the page it stands beside. */
function emitSynthetic() {
  const events = syntheticEvents({ tasks: 100 })
  const total = Math.round(rate * seconds)
  const blocks = []
  for (let n = 0; n < total; n += BLOCK) {
    const lines = []
    for (let k = n; k < Math.min(total, n + BLOCK); k++) lines.push(JSON.stringify(events.next().value))
    blocks.push(lines.join('\n') + '\n')
  }
  const start = performance.now()
  let next = 0
  const tick = () => {
    const due = Math.min(total, Math.round(((performance.now() - start) / 1000) * rate))
    const out = []
    while (sent < due) {
      out.push(blocks[next++])
      sent = Math.min(total, sent + BLOCK)
    }
    if (out.length) write(out.join(''))
    if (sent < total) setTimeout(tick, SLICE_MS)
    else
      process.stdout.write(`emitted ${sent} events in ${((performance.now() - start) / 1000).toFixed(2)} s\n`)
  }
  tick()
}

/** The lines of a trace the agent recorded (its header replaced by ours), paced by the
 * events each stands for. */
function replayRecorded(tracePath, counts) {
  const lines = readFileSync(tracePath, 'utf8')
    .split('\n')
    .slice(1, counts.length + 1)
  const total = counts.reduce((x, y) => x + y, 0)
  let next = 0
  const tick = () => {
    const due = Math.min(total, Math.round(((performance.now() - t0) / 1000) * rate))
    const out = []
    while (sent < due && next < lines.length) {
      out.push(lines[next])
      sent += counts[next++]
    }
    if (out.length) write(out.join('\n') + '\n')
    if (next < lines.length) setTimeout(tick, SLICE_MS)
    else
      process.stdout.write(`replayed ${sent} events in ${((performance.now() - t0) / 1000).toFixed(2)} s\n`)
  }
  tick()
}

if (process.env.BENCH_EMIT_TRACE)
  replayRecorded(
    process.env.BENCH_EMIT_TRACE,
    JSON.parse(readFileSync(process.env.BENCH_EMIT_COUNTS, 'utf8'))
  )
else emitSynthetic()
