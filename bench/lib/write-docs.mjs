// `npm run bench -- --docs` writes the run's table and machine into docs/performance.md,
// between two markers, so the page always shows a run that really happened.

import { readFileSync, writeFileSync } from 'node:fs'
import { markdownTable } from './table.mjs'

const START = '<!-- bench:results:start -->'
const END = '<!-- bench:results:end -->'

export function updatePerformanceDoc(path, result) {
  const text = readFileSync(path, 'utf8')
  const a = text.indexOf(START)
  const b = text.indexOf(END)
  if (a === -1 || b === -1 || b < a) throw new Error(`${path} lacks the ${START} … ${END} markers`)
  const m = result.machine
  const block = [
    START,
    '',
    `Run: ${result.date.slice(0, 16).replace('T', ' ')} UTC, ${result.mode} (${result.settings.runs} interleaved runs per mode, workload scale ${result.settings.scale}), ${result.seconds.toFixed(0)} s.`,
    `Machine: ${m.nproc} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.platform}; ${m.python}; Node ${m.node}; ${m.chromium}.`,
    ...(m.load
      ? [
          `Load: 1-minute load average ${m.load.min.toFixed(1)}–${m.load.max.toFixed(1)} (mean ${m.load.mean.toFixed(1)}) on ${m.nproc} cores during the run; other jobs shared the machine.`
        ]
      : []),
    '',
    markdownTable(result.rows),
    '',
    END
  ].join('\n')
  writeFileSync(path, text.slice(0, a) + block + text.slice(b + END.length))
}
