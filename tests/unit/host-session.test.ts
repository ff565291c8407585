import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BatchExpander } from '../../src/shared/trace-model/batch'
import {
  processAlive,
  realAgent,
  runSession,
  scratchDir,
  writeScript,
  hasRealAgent
} from '../fixtures/host-helpers'

const dir = scratchDir()

describe('session', () => {
  it('streams stdout and stderr apart and reports the exit code after the last output', async () => {
    const script = writeScript(
      dir,
      'exit3.py',
      'import sys\nprint("out line")\nprint("err line", file=sys.stderr)\nprint("last")\nsys.exit(3)\n'
    )
    const run = runSession({ script })
    const exit = await run.done
    expect(exit).toEqual({ code: 3, signal: null })
    expect(run.text('stdout')).toBe('out line\nlast\n')
    expect(run.text('stderr')).toBe('err line\n')
    const types = run.events.map((e) => e.type)
    expect(types[types.length - 1]).toBe('exit')
    expect(run.events.at(-1)).toMatchObject({ type: 'exit', code: 3, signal: null })
    expect(run.statuses.map((s) => s.state)).toEqual(['starting', 'running', 'exited'])
    expect(run.statuses.at(-1)).toMatchObject({ exitCode: 3 })
    expect(run.headers).toHaveLength(1)
  })

  it('hands the raw output bytes through unchanged, invalid UTF-8 included', async () => {
    const script = writeScript(
      dir,
      'bytes.py',
      'import sys\nsys.stdout.buffer.write(b"caf\\xc3\\xa9 \\xff\\xfe end\\n")\n'
    )
    const run = runSession({ script })
    await run.done
    expect(Buffer.concat(run.raw.stdout)).toEqual(
      Buffer.from([0x63, 0x61, 0x66, 0xc3, 0xa9, 0x20, 0xff, 0xfe, 0x20, 0x65, 0x6e, 0x64, 0x0a])
    )
    expect(run.text('stdout')).toBe('café \ufffd\ufffd end\n')
  })

  it('decodes a UTF-8 character split across two pipe reads', async () => {
    const script = writeScript(
      dir,
      'split.py',
      'import sys, time\nb = "世界".encode()\nsys.stdout.buffer.write(b[:4]); sys.stdout.flush()\ntime.sleep(0.2)\nsys.stdout.buffer.write(b[4:] + b"\\n"); sys.stdout.flush()\n'
    )
    const run = runSession({ script })
    await run.done
    expect(run.raw.stdout.length).toBeGreaterThanOrEqual(2)
    expect(run.text('stdout')).toBe('世界\n')
    expect(run.text('stdout')).not.toContain('\ufffd')
  })

  it('reports death by signal with the signal name', async () => {
    const script = writeScript(
      dir,
      'sigkill.py',
      'import os, signal\nprint("bye", flush=True)\nos.kill(os.getpid(), signal.SIGKILL)\n'
    )
    const run = runSession({ script })
    expect(await run.done).toEqual({ code: null, signal: 'SIGKILL' })
    expect(run.text('stdout')).toBe('bye\n')
  })

  it('stop ends the program and a child that ignores SIGTERM within 2 s', async () => {
    const script = writeScript(
      dir,
      'hang.py',
      [
        'import subprocess, sys, time',
        'child = subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(\'child ready\', flush=True); time.sleep(60)"])',
        'print("child", child.pid, flush=True)',
        'time.sleep(60)'
      ].join('\n')
    )
    const run = runSession({ script })
    const deadline = Date.now() + 5000
    while (!run.text('stdout').includes('child ready') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20))
    const childPid = Number(/child (\d+)/.exec(run.text('stdout'))?.[1])
    expect(processAlive(childPid)).toBe(true)
    const started = Date.now()
    await run.session.stop()
    const took = Date.now() - started
    expect(took).toBeLessThan(2000)
    expect(run.session.state).toBe('exited')
    expect(run.session.exit?.signal).toBe('SIGTERM')
    // The child ignored SIGTERM, so only the group SIGKILL after the grace period ends it.
    await new Promise((r) => setTimeout(r, 50))
    expect(processAlive(childPid)).toBe(false)
  })

  it('sends commands to the agent on its command channel', async () => {
    const script = writeScript(dir, 'wait.py', 'import sys\nsys.stdin.read()\n')
    const run = runSession({ script })
    expect(run.session.send({ cmd: 'pause' })).toBe(true)
    const end = Date.now() + 10_000
    const echoed = () => run.events.some((e) => e.type === 'notice' && e.message === 'cmd pause')
    while (!echoed() && Date.now() < end) await new Promise((r) => setTimeout(r, 10))
    run.session.closeStdin()
    await run.done
    expect(echoed()).toBe(true)
    expect(run.session.send({ cmd: 'resume' })).toBe(false)
  })

  it('passes stdin through and closes it', async () => {
    const script = writeScript(dir, 'echo.py', 'import sys\nprint("got:" + sys.stdin.read().upper())\n')
    const run = runSession({ script })
    run.session.writeStdin('hello')
    run.session.closeStdin()
    await run.done
    expect(run.text('stdout')).toBe('got:HELLO\n')
  })

  describe('failed starts end with a clear message and no running state', () => {
    const cases: [string, () => { script: string; python?: string }, RegExp][] = [
      [
        'python missing from PATH',
        () => ({ script: join(dir, 'exit3.py'), python: 'no-such-python-3.99' }),
        /Python interpreter not found: no-such-python/
      ],
      [
        'a bad interpreter path',
        () => ({ script: join(dir, 'exit3.py'), python: '/nonexistent/bin/python3' }),
        /Python interpreter not found/
      ],
      [
        'an interpreter path that is a folder',
        () => ({ script: join(dir, 'exit3.py'), python: dir }),
        /is a folder/
      ],
      ['a script that is missing', () => ({ script: join(dir, 'missing.py') }), /Script not found/],
      ['a script that is a folder', () => ({ script: dir }), /is a folder, not a Python script/]
    ]
    for (const [name, req, message] of cases) {
      it(name, async () => {
        const run = runSession(req())
        const exit = await run.done
        expect(exit.code).toBeNull()
        expect(run.statuses.at(-1)).toMatchObject({ state: 'exited' })
        expect(run.statuses.at(-1)?.message).toMatch(message)
        const notice = run.events.find((e) => e.type === 'notice')
        expect(notice).toMatchObject({ level: 'error' })
        expect(run.events.at(-1)?.type).toBe('exit')
        await run.session.stop()
      })
    }

    it('an interpreter that cannot be executed', async () => {
      const fake = writeScript(dir, 'not-exec', '#!/bin/sh\n')
      chmodSync(fake, 0o644)
      const run = runSession({ script: join(dir, 'exit3.py'), python: fake })
      await run.done
      expect(run.statuses.at(-1)?.message).toMatch(/permission denied/)
    })

    it('a program that is not Python: the exit is reported and explained', async () => {
      const run = runSession({ script: join(dir, 'exit3.py'), python: '/bin/false' })
      expect(await run.done).toEqual({ code: 1, signal: null })
      expect(
        run.events.some((e) => e.type === 'notice' && /before the Loopscope agent started/.test(e.message))
      ).toBe(true)
    })
  })

  it.skipIf(!hasRealAgent)(
    'a program that fails on a missing module ends on the interpreter on PATH that has it',
    async () => {
      const script = writeScript(dir, 'needs.py', 'import loopscope_no_such_pkg.sub\n')
      // Last on PATH, so that `python3` is still the machine's own.
      const bin = join(dir, 'otherbin')
      mkdirSync(bin, { recursive: true })
      const other = join(bin, 'python3.9')
      writeFileSync(other, '#!/bin/sh\necho "Python 3.9.9"\nexit 0\n')
      chmodSync(other, 0o755)
      const env = { ...process.env, PATH: `${process.env.PATH ?? ''}:${bin}` }
      const run = runSession({ script }, { agentPath: realAgent, env })
      expect(await run.done).toEqual({ code: 1, signal: null })
      const notices = run.events.filter((e) => e.type === 'notice')
      expect(notices.some((n) => n.type === 'notice' && n.module === 'loopscope_no_such_pkg')).toBe(true)
      const hint = run.events.findIndex(
        (e) =>
          e.type === 'notice' && e.message.startsWith(`${other} (Python 3.9.9) has loopscope_no_such_pkg:`)
      )
      expect(hint).toBeGreaterThan(-1)
      // Said before the session ends.
      expect(hint).toBeLessThan(run.events.findIndex((e) => e.type === 'exit'))
    },
    20_000
  )

  it.skipIf(!hasRealAgent)(
    'runs an asyncio program under the real agent with its output and events',
    async () => {
      const script = writeScript(
        dir,
        'real.py',
        'import asyncio\nasync def main():\n    await asyncio.sleep(0.01)\n    print("done")\nasyncio.run(main())\n'
      )
      const run = runSession({ script }, { agentPath: realAgent })
      expect(await run.done).toEqual({ code: 0, signal: null })
      expect(run.text('stdout')).toBe('done\n')
      expect(run.headers[0]).toMatchObject({ format: 'loopscope-trace' })
      // The agent may pack loop events into `batch` lines; the host passes them on as they are.
      const expanded = new BatchExpander().expandAll(run.events)
      expect(expanded.some((e) => e.type === 'task.create')).toBe(true)
      expect(readFileSync(script, 'utf8')).toContain('asyncio')
    }
  )
})
