// Stop on Windows, driven on Linux: the session follows the Windows process model
// (platform 'win32') and its taskkill runs go through an injected runner, which records
// each command and its time and plays taskkill's part on the real program here (the forced
// tree kill is a SIGKILL to the program's process group). What this proves is the Windows
// branch's commands, order and timing; taskkill itself was not run (no Windows machine).
import { describe, expect, it } from 'vitest'
import { processAlive, runSession, scratchDir, writeScript } from '../fixtures/host-helpers'

const dir = scratchDir()
// Long enough that a loaded CI machine's scheduling delays stay well inside the bounds below.
const GRACE_MS = 1000

interface Call {
  file: string
  args: string[]
  at: number
}

function taskkillRunner(play: (args: string[], pid: number) => number | null): {
  calls: Call[]
  startClock: () => void
  run: (file: string, args: string[]) => Promise<number | null>
} {
  const calls: Call[] = []
  let t0 = performance.now()
  return {
    calls,
    startClock: () => (t0 = performance.now()),
    run: async (file, args) => {
      calls.push({ file, args, at: performance.now() - t0 })
      return play(args, Number(args[1]))
    }
  }
}

/** A program with a child of its own, both sleeping; resolves with the child's pid once both run. */
async function startTree(name: string, runner: ReturnType<typeof taskkillRunner>) {
  const script = writeScript(
    dir,
    name,
    [
      'import subprocess, sys, time',
      'child = subprocess.Popen([sys.executable, "-c", "import time; print(\'child ready\', flush=True); time.sleep(60)"])',
      'print("child", child.pid, flush=True)',
      'time.sleep(60)'
    ].join('\n')
  )
  const run = runSession(
    { script },
    { platform: 'win32', runCommand: runner.run, graceMs: GRACE_MS, stopDeadlineMs: 3 * GRACE_MS }
  )
  const deadline = Date.now() + 5000
  while (!run.text('stdout').includes('child ready') && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20))
  const childPid = Number(/child (\d+)/.exec(run.text('stdout'))?.[1])
  expect(processAlive(childPid)).toBe(true)
  return { run, childPid }
}

describe('stop on Windows', () => {
  it('asks the process tree to close, then force-kills the tree after the grace period', async () => {
    // A console program ignores the close request (taskkill without /F fails for it).
    const runner = taskkillRunner((args, pid) => {
      if (!args.includes('/F')) return 1
      process.kill(-pid, 'SIGKILL')
      return 0
    })
    const { run, childPid } = await startTree('console-tree.py', runner)
    runner.startClock()
    await run.session.stop()
    const pid = runner.calls[0]?.args[1]
    expect(runner.calls.map((c) => [c.file, ...c.args])).toEqual([
      ['taskkill', '/PID', pid, '/T'],
      ['taskkill', '/PID', pid, '/T', '/F']
    ])
    expect(Number(pid)).toBeGreaterThan(0)
    expect(runner.calls[0].at).toBeLessThan(GRACE_MS / 2)
    expect(runner.calls[1].at).toBeGreaterThanOrEqual(GRACE_MS)
    expect(runner.calls[1].at).toBeLessThan(2 * GRACE_MS)
    expect(run.session.state).toBe('exited')
    await new Promise((r) => setTimeout(r, 50))
    expect(processAlive(childPid)).toBe(false)
  })

  it('does not force-kill a program that closes when asked', async () => {
    const runner = taskkillRunner((_args, pid) => {
      process.kill(-pid, 'SIGTERM')
      return 0
    })
    const { run } = await startTree('windowed-tree.py', runner)
    runner.startClock()
    const started = Date.now()
    await run.session.stop()
    expect(Date.now() - started).toBeLessThan(GRACE_MS)
    expect(runner.calls.map((c) => c.args)).toEqual([['/PID', runner.calls[0].args[1], '/T']])
    expect(run.session.state).toBe('exited')
  })

  it('still ends the program itself when taskkill cannot run', async () => {
    const runner = taskkillRunner(() => null)
    const { run, childPid } = await startTree('no-taskkill.py', runner)
    await run.session.stop()
    expect(runner.calls).toHaveLength(2)
    expect(run.session.state).toBe('exited')
    expect(run.session.exit?.signal).toBe('SIGKILL')
    // Without taskkill only the program is reached, as Node's own kill() does on Windows.
    expect(processAlive(childPid)).toBe(true)
    process.kill(childPid, 'SIGKILL')
  })

  it('never runs taskkill once the program has exited (its pid may name another process)', async () => {
    const runner = taskkillRunner(() => 0)
    const script = writeScript(dir, 'quick.py', 'print("done")\n')
    const run = runSession({ script }, { platform: 'win32', runCommand: runner.run, graceMs: GRACE_MS })
    await run.done
    await run.session.stop()
    expect(run.session.interrupt()).toBe(false)
    expect(runner.calls).toEqual([])
  })
})
