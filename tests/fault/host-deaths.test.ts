// Issue 8, deaths and failed starts: each shows the right code or signal, the last output
// arrives before the exit report, and the partial trace reopens.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readTraceFile } from '../../src/host/trace-reader'
import type { SessionInfo } from '../../src/shared/api'
import { apiHarness } from '../fixtures/host-api'
import { ensureBuilt } from '../fixtures/host-cli'
import { scratchDir, writeScript } from '../fixtures/host-helpers'

const dir = scratchDir()
let h: ReturnType<typeof apiHarness>

beforeAll(() => {
  ensureBuilt()
  h = apiHarness()
})
afterAll(() => h.api.dispose())

const prelude =
  'import asyncio, os, sys\nasync def work():\n    await asyncio.sleep(0.01)\n    print("last words", flush=True)\n'

const deaths: [string, string, { exitCode: number | null; signal: string | null }][] = [
  ['sys.exit(3)', 'asyncio.run(work())\nsys.exit(3)\n', { exitCode: 3, signal: null }],
  [
    'an uncaught exception',
    'asyncio.run(work())\nraise RuntimeError("boom")\n',
    { exitCode: 1, signal: null }
  ],
  ['os._exit(7)', 'asyncio.run(work())\nos._exit(7)\n', { exitCode: 7, signal: null }],
  [
    'SIGKILL',
    'import signal\nasyncio.run(work())\nos.kill(os.getpid(), signal.SIGKILL)\n',
    { exitCode: null, signal: 'SIGKILL' }
  ],
  [
    'a segfault (ctypes)',
    'import ctypes\nasyncio.run(work())\nctypes.string_at(0)\n',
    { exitCode: null, signal: 'SIGSEGV' }
  ]
]

describe('deaths', () => {
  for (const [name, body, expected] of deaths) {
    it(`${name}: right code or signal, last output before the exit, trace reopens`, async () => {
      const script = writeScript(dir, `death_${name.replace(/\W+/g, '_')}.py`, prelude + body)
      const info = await h.run(script)
      const status = await h.exited(info.id)
      expect({ exitCode: status.exitCode, signal: status.signal }).toEqual(expected)
      const events = h.eventsOf(info.id)
      const exitAt = events.findIndex((e) => e.type === 'exit')
      const lastOutputAt = events.findLastIndex((e) => e.type === 'output')
      expect(exitAt).toBe(events.length - 1)
      expect(lastOutputAt).toBeLessThan(exitAt)
      expect(h.outputOf(info.id, 'stdout')).toContain('last words\n')
      if (name === 'an uncaught exception')
        expect(h.outputOf(info.id, 'stderr')).toMatch(/RuntimeError: boom\n$/)
      const file = readdirSync(h.traceDir).find((f) => f.includes(`-${info.id}-death_`))
      expect(file).toBeDefined()
      const trace = await readTraceFile(join(h.traceDir, file!))
      expect(trace.header).not.toBeNull()
      expect(trace.events.at(-1)).toMatchObject({
        type: 'exit',
        code: expected.exitCode,
        signal: expected.signal
      })
      const reopened = (await h.api.handle('openTrace', [join(h.traceDir, file!)])) as SessionInfo
      expect((await h.exited(reopened.id)).exitCode).toBe(expected.exitCode)
      expect(h.outputOf(reopened.id, 'stdout')).toContain('last words\n')
    })
  }
})

describe('failed starts', () => {
  const cases: [string, () => Record<string, unknown>, RegExp, 'notice' | 'stderr'][] = [
    [
      'no interpreter',
      () => ({ script: writeScript(dir, 'ok.py', 'print(1)\n'), python: 'python-does-not-exist' }),
      /Python interpreter .* (was not found on PATH|does not exist)/,
      'notice'
    ],
    [
      'a bad interpreter path',
      () => ({ script: writeScript(dir, 'ok.py', 'print(1)\n'), python: '/no/such/python3' }),
      /Python interpreter .* (was not found on PATH|does not exist)/,
      'notice'
    ],
    ['a script that is a folder', () => ({ script: dir }), /is a folder, not a Python script/, 'notice'],
    [
      'a script that is not UTF-8',
      () => ({ script: writeScript(dir, 'latin1.py', '') }),
      /SyntaxError|UnicodeDecodeError/,
      'stderr'
    ],
    [
      'a syntax error',
      () => ({ script: writeScript(dir, 'syntax.py', 'def broken(:\n') }),
      /SyntaxError/,
      'stderr'
    ],
    [
      'a missing import',
      () => ({ script: writeScript(dir, 'imp.py', 'import no_such_module_xyz\n') }),
      /ModuleNotFoundError: No module named 'no_such_module_xyz'/,
      'stderr'
    ]
  ]
  for (const [name, req, message, where] of cases) {
    it(`${name}: a clear message, an exited state, no process left`, async () => {
      const request = req()
      if (name === 'a script that is not UTF-8') {
        const { writeFileSync } = await import('node:fs')
        writeFileSync(request.script as string, Buffer.from('print("caf\xe9")\n', 'latin1'))
      }
      const info = (await h.api.handle('run', [request])) as SessionInfo
      const status = await h.exited(info.id, 10_000)
      expect(status.state).toBe('exited')
      if (where === 'notice') {
        expect(status.message).toMatch(message)
        expect(
          h
            .eventsOf(info.id)
            .some((e) => e.type === 'notice' && e.level === 'error' && message.test(e.message))
        ).toBe(true)
      } else {
        expect(status.exitCode).toBe(1)
        expect(h.outputOf(info.id, 'stderr')).toMatch(message)
      }
      await expect(h.api.handle('pause', [])).rejects.toThrow(/No program is running/)
    })
  }
})
