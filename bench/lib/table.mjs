// The one table the bench prints: name, measured, target, PASS / MISS.

const fmt = (v, unit) => {
  if (v === null || v === undefined || Number.isNaN(v)) return '—'
  if (v === Infinity) return '∞'
  if (unit === '×') return `${v.toFixed(2)}×`
  if (unit === 'ev/s') return `${Math.round(v).toLocaleString('en')} ev/s`
  if (unit === 'ms') return `${v.toFixed(1)} ms`
  if (unit === 's') return `${v.toFixed(2)} s`
  if (unit === 'B') return `${v.toFixed(1)} B`
  if (unit === '%') return `${v.toFixed(1)} %`
  return `${v.toFixed(2)} ${unit}`.trim()
}

export const formatValue = fmt

export function formatTarget(r) {
  if (!r.target) return ''
  if (r.target.text) return r.target.text
  const op = { '<=': '≤', '>=': '≥', '<': '<', '>': '>' }[r.target.op]
  return `${op} ${fmt(r.target.value, r.unit)}`
}

export function formatTable(rows) {
  const body = rows.map((r) => [r.section, r.name, fmt(r.value, r.unit), formatTarget(r), r.status])
  const head = ['section', 'benchmark', 'measured', 'target', 'result']
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)))
  const line = (cells) =>
    cells.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ')
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)].join('\n')
}

/** The same table as Markdown, for docs/performance.md. */
export function markdownTable(rows) {
  const out = ['| section | benchmark | measured | target | result |', '| --- | --- | ---: | --- | --- |']
  for (const r of rows)
    out.push(`| ${r.section} | ${r.name} | ${fmt(r.value, r.unit)} | ${formatTarget(r)} | ${r.status} |`)
  return out.join('\n')
}
