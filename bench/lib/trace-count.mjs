// Counts trace events in NDJSON text. An agent may pack several events into one line (a
// `batch` event whose `ops` are the events): those count as what they hold, so events/s and
// bytes/event mean the same whichever way the agent writes.

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
          const ops = JSON.parse(buf.toString('utf8', start, nl)).ops
          events += Array.isArray(ops) ? ops.length : 1
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
  return event.type === 'batch' && Array.isArray(event.ops) ? event.ops.length : 1
}
