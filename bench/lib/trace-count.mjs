// Counts trace events in NDJSON text. An agent may pack several events into one line (a
// `batch` event): those count as what they hold, so events/s and bytes/event mean the same
// whichever way the agent writes. A packed batch (`v: 2`) says how many (`n`, a run counting
// one). In a version-1 batch, a `runs` op (10) holds one event per run, timer scheduled,
// sleep and wait — as many as ops 1, 6, 8 and 9 would.

const RUNS = 10

/** Events a batch's ops stand for, counting a run (begin + end) as one, as op 1 is. */
function opsEvents(ops) {
  let n = 0
  for (const op of ops) {
    if (Array.isArray(op) && op[0] === RUNS) {
      const len = (k, per) => (Array.isArray(op[k]) ? Math.floor(op[k].length / per) : 0)
      n += len(2, 1) + len(6, 5) + len(7, 2) + len(8, 2)
    } else n += 1
  }
  return n
}

const BATCH_PREFIX = Buffer.from('{"type":"batch"')

/** Events in a buffer of whole lines: one per line, or the ops of a batch line. */
export function countTraceEvents(buf) {
  let events = 0
  let start = 0
  while (start < buf.length) {
    let nl = buf.indexOf(10, start)
    if (nl === -1) nl = buf.length
    if (nl > start) {
      if (buf.subarray(start, start + BATCH_PREFIX.length).equals(BATCH_PREFIX)) {
        try {
          events += eventsIn(JSON.parse(buf.toString('utf8', start, nl)))
        } catch {
          events += 1
        }
      } else events += 1
    }
    start = nl + 1
  }
  return events
}

/** The same for parsed events. */
export function eventsIn(event) {
  if (event.type !== 'batch') return 1
  if (event.v === 2 && typeof event.n === 'number') return Math.max(1, event.n)
  return Array.isArray(event.ops) ? opsEvents(event.ops) : 1
}
