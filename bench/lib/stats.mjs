// Small statistics and the result row shape shared by every benchmark section.

export const median = (xs) => {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export const min = (xs) => (xs.length ? Math.min(...xs) : NaN)

/** The p-th percentile (0..100) by nearest rank. */
export const percentile = (xs, p) => {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]
}

/**
 * A result row. `target` is { op: '<=' | '>=' | '<' | '>', value, text? } or null for a
 * figure reported without a target. `status` is derived: PASS, MISS, INFO, or ERROR when the
 * measurement itself failed.
 */
export function row(section, name, value, unit, target = null, extra = {}) {
  let status = 'INFO'
  if (value === null || value === undefined || Number.isNaN(value)) status = 'ERROR'
  else if (target) {
    const ok =
      target.op === '<='
        ? value <= target.value
        : target.op === '>='
          ? value >= target.value
          : target.op === '<'
            ? value < target.value
            : value > target.value
    status = ok ? 'PASS' : 'MISS'
  }
  return { section, name, value, unit, target, status, ...extra }
}

/**
 * A figure that ran but cannot be told from noise (a workload shorter than its start-up's
 * jitter). Not an ERROR: the harness worked; the machine was too noisy for that size.
 */
export const noiseRow = (section, name, why) => ({
  section,
  name,
  value: null,
  unit: '',
  target: { text: why },
  status: 'NOISE'
})

export const errorRow = (section, name, error) => ({
  section,
  name,
  value: null,
  unit: '',
  target: null,
  status: 'ERROR',
  error: String(error?.stack ?? error)
})
