#!/usr/bin/env node
// `npm test`: every check and every suite, in one run, ending with one line that sums them:
// "N passed, N failed, N skipped". A stage that fails does not stop the later ones, so one
// run shows everything that is wrong; the exit code is non-zero if anything failed.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const summaryDir = join(root, 'test-results', 'summary')
rmSync(summaryDir, { recursive: true, force: true })
mkdirSync(summaryDir, { recursive: true })

const only = process.argv.slice(2)
const npx = (...args) => ['npx', ...args]

/** Each stage: a command, and how its counts are read (a JSON summary or pass/fail of the command). */
const stages = [
  { name: 'build', cmd: npx('electron-vite', 'build') },
  { name: 'typecheck:node', cmd: npx('tsc', '-p', 'tsconfig.node.json') },
  { name: 'typecheck:web', cmd: npx('vue-tsc', '-p', 'tsconfig.web.json') },
  { name: 'typecheck:tests', cmd: npx('vue-tsc', '-p', 'tsconfig.test.json') },
  { name: 'lint', cmd: npx('eslint', '--max-warnings', '0', '.') },
  { name: 'format', cmd: npx('prettier', '--check', '.') },
  {
    name: 'unit',
    cmd: npx('vitest', 'run'),
    summary: 'vitest-raw.json',
    read: readVitest,
    failures: vitestFailures
  },
  { name: 'agent', cmd: ['python3', 'tests/agent/run_all.py'], summary: 'agent.json', read: readPlain },
  {
    // CPython's own test_asyncio, bare and under the agent, on 3.11-3.13: minutes, so in CI
    // (CI=true) or when asked (LOOPSCOPE_SLOW=1); otherwise counted as one skip.
    name: 'asyncio-compare',
    cmd: [
      'python3',
      'tests/agent/test_asyncio_compare.py',
      '--summary',
      join('test-results', 'summary', 'asyncio-compare.json')
    ],
    summary: 'asyncio-compare.json',
    read: readPlain,
    skipUnless: () => process.env.CI === 'true' || process.env.LOOPSCOPE_SLOW === '1',
    skipWhy: 'slow suite (about 8 minutes): runs when CI=true or LOOPSCOPE_SLOW=1'
  },
  {
    name: 'e2e',
    cmd: npx('playwright', 'test'),
    summary: 'e2e-raw.json',
    read: readPlaywright,
    failures: playwrightFailures
  },
  {
    name: 'electron',
    cmd: npx('playwright', 'test', '-c', 'tests/electron/playwright.config.ts'),
    summary: 'electron-raw.json',
    read: readPlaywright,
    failures: playwrightFailures
  },
  { name: 'electronegativity', cmd: ['node', 'scripts/electronegativity-check.mjs'] }
]

function readVitest(j) {
  return {
    passed: j.numPassedTests ?? 0,
    failed: j.numFailedTests ?? 0,
    skipped: (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0)
  }
}
function readPlain(j) {
  return { passed: j.passed ?? 0, failed: j.failed ?? 0, skipped: j.skipped ?? 0 }
}
function readPlaywright(j) {
  const s = j.stats ?? {}
  return { passed: s.expected ?? 0, failed: (s.unexpected ?? 0) + (s.flaky ?? 0), skipped: s.skipped ?? 0 }
}

/** The first line of a failure's message, short enough for the summary. */
const firstLine = (text) =>
  String(text ?? '')
    // eslint-disable-next-line no-control-regex -- colour codes in runners' messages
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .find((l) => l.trim())
    ?.trim()
    .slice(0, 240) ?? ''

function vitestFailures(j) {
  const out = []
  for (const file of j.testResults ?? [])
    for (const a of file.assertionResults ?? [])
      if (a.status === 'failed')
        out.push(`${relative(root, file.name)} › ${a.fullName}: ${firstLine(a.failureMessages?.[0])}`)
  return out
}

function playwrightFailures(j) {
  const out = []
  const walk = (suite) => {
    for (const spec of suite.specs ?? [])
      for (const t of spec.tests ?? [])
        if (t.status === 'unexpected' || t.status === 'flaky') {
          const err = (t.results ?? []).map((r) => r.error?.message).find(Boolean)
          out.push(`${spec.file}:${spec.line} › ${spec.title} (${t.status}): ${firstLine(err)}`)
        }
    for (const child of suite.suites ?? []) walk(child)
  }
  for (const suite of j.suites ?? []) walk(suite)
  return out
}

const totals = { passed: 0, failed: 0, skipped: 0 }
const rows = []
const failures = [] // "stage: test: first line of its error", printed with the summary
for (const stage of stages) {
  if (only.length && !only.includes(stage.name)) continue
  const started = Date.now()
  const failuresBefore = failures.length
  console.log(`\n=== ${stage.name}: ${stage.cmd.join(' ')}`)
  if (stage.skipUnless && !stage.skipUnless()) {
    console.log(`${stage.name}: skipped: ${stage.skipWhy}`)
    totals.skipped += 1
    rows.push({ stage: stage.name, passed: 0, failed: 0, skipped: 1, seconds: '0.0' })
    continue
  }
  const res = spawnSync(stage.cmd[0], stage.cmd.slice(1), { cwd: root, stdio: 'inherit', env: process.env })
  const ok = res.status === 0
  let counts = ok ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 }
  if (stage.summary) {
    const file = join(summaryDir, stage.summary)
    if (existsSync(file)) {
      try {
        const summary = JSON.parse(readFileSync(file, 'utf8'))
        counts = stage.read(summary)
        for (const f of stage.failures?.(summary) ?? []) failures.push(`${stage.name}: ${f}`)
        // A runner that exited non-zero with no failed test still failed (a crash, a config error).
        if (!ok && counts.failed === 0) counts.failed = 1
      } catch (err) {
        console.error(`${stage.name}: unreadable summary ${file}: ${err.message}`)
        counts = { passed: 0, failed: 1, skipped: 0 }
      }
    } else if (ok) {
      console.error(`${stage.name}: exited 0 but wrote no summary (${file}); counted as a failure`)
      counts = { passed: 0, failed: 1, skipped: 0 }
    }
  }
  // A stage that failed without naming a test (a typecheck, the lint, a crash) is named itself.
  if (counts.failed > 0 && failures.length === failuresBefore)
    failures.push(`${stage.name}: exited with ${res.status ?? res.signal} (its output is above)`)
  for (const k of Object.keys(totals)) totals[k] += counts[k]
  rows.push({ stage: stage.name, ...counts, seconds: ((Date.now() - started) / 1000).toFixed(1) })
}

console.log('\n=== summary')
for (const r of rows)
  console.log(
    `${r.stage.padEnd(18)} ${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(4)} failed ${String(r.skipped).padStart(4)} skipped  ${r.seconds}s`
  )
// The failing tests by name, so a CI log cut to its last lines still says what failed.
for (const f of failures) console.log(`failed: ${f}`)
writeFileSync(join(summaryDir, 'failures.txt'), failures.map((f) => `failed: ${f}\n`).join(''))
const last = `${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`
writeFileSync(join(summaryDir, 'last-line.txt'), last + '\n')
console.log(last)
process.exit(totals.failed > 0 ? 1 : 0)
