import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ApiServer } from '../../src/host/api-server'
import type { SessionInfo, SessionStatus, TraceBatch } from '../../src/shared/api'
import type { InterpreterDiscovery, RecentEntry } from '../../src/shared/settings-types'
import { fakeAgent, scratchDir, writeScript } from '../fixtures/host-helpers'

function server(dataDir = scratchDir()) {
  const res = scratchDir()
  mkdirSync(join(res, 'agent'))
  writeFileSync(join(res, 'agent', 'loopscope_launch.py'), readFileSync(fakeAgent))
  const api = new ApiServer({ kind: 'web', resourcesDir: res, version: 't', traceDir: scratchDir(), dataDir })
  const batches: TraceBatch[] = []
  const statuses: SessionStatus[] = []
  api.subscribe({ sendBatch: (b) => batches.push(b), sendStatus: (s) => statuses.push(s) })
  const exited = (id: number) =>
    new Promise<void>((r) => {
      const c = () =>
        statuses.some((s) => s.session === id && s.state === 'exited') ? r() : setTimeout(c, 10)
      c()
    })
  const output = () =>
    batches
      .flatMap((b) => b.events)
      .map((e) => (e.type === 'output' ? e.data : ''))
      .join('')
  const notices = (id: number) =>
    batches
      .filter((b) => b.session === id)
      .flatMap((b) => b.events)
      .flatMap((e) => (e.type === 'notice' ? [e.message] : []))
  return { api, exited, output, notices, statuses, dataDir }
}

function fakePython(dir: string, name: string, says: string): string {
  const p = join(dir, name)
  writeFileSync(p, `#!/bin/sh\necho "${says}"\n`)
  chmodSync(p, 0o755)
  return p
}

describe('settings, run configurations and recent files through the api', () => {
  it('saves settings, refuses a bad value by name, and reports a repaired file once', async () => {
    const { api, dataDir } = server()
    expect(await api.handle('getSettings', [])).toMatchObject({ notice: null, settings: { theme: 'system' } })
    expect(await api.handle('updateSettings', [{ theme: 'dark' }])).toMatchObject({ theme: 'dark' })
    await expect(api.handle('updateSettings', [{ theme: 'pink' }])).rejects.toThrow(/theme/)
    writeFileSync(join(dataDir, 'settings.json'), 'nope')
    const again = server(dataDir).api
    expect(((await again.handle('getSettings', [])) as { notice: string }).notice).toContain(
      'settings.json.corrupt-'
    )
    expect(((await again.handle('getSettings', [])) as { notice: string | null }).notice).toBeNull()
  })

  it('runs a script with its remembered arguments, folder and environment, and lists it as recent', async () => {
    const { api, exited, output } = server()
    const dir = scratchDir()
    const script = writeScript(
      dir,
      's.py',
      'import sys, os\nprint(sys.argv[1:], os.getcwd(), os.environ.get("X"))\n'
    )
    mkdirSync(join(dir, 'w'))
    const cfg = await api.handle('saveRunConfig', [
      { script, argsText: `a "b c"`, cwd: 'w', env: { X: 'y' }, python: null }
    ])
    expect(cfg).toMatchObject({ args: ['a', 'b c'], cwd: join(dir, 'w') })
    await expect(
      api.handle('saveRunConfig', [{ script, argsText: `"`, cwd: null, env: {}, python: null }])
    ).rejects.toThrow(/never closed/)
    expect(await api.handle('getRunConfig', [script])).toEqual(cfg)
    const info = (await api.handle('run', [{ script }])) as SessionInfo
    await exited(info.id)
    expect(output()).toContain(`['a', 'b c'] ${join(dir, 'w')} y`)
    expect(((await api.handle('getRecent', [])) as RecentEntry[]).map((e) => e.path)).toEqual([script])
  })

  it('refuses to run with a too-old or non-Python interpreter, saying which and why', async () => {
    const { api, notices, statuses } = server()
    const dir = scratchDir()
    const script = writeScript(dir, 's.py', 'print(1)\n')
    const old = fakePython(dir, 'python-old', 'Python 3.7.9')
    const found = (await api.handle('listInterpreters', [script, old])) as InterpreterDiscovery
    expect(found.message).toBe(
      `The chosen interpreter ${old} is Python 3.7.9; Loopscope needs Python 3.8 or newer.`
    )
    // A refused run is a session that ends at once, its reason in the console and the status.
    const refused = (await api.handle('run', [{ script, python: old }])) as SessionInfo
    expect(refused.state).toBe('exited')
    const why = `Python interpreter ${old} is Python 3.7.9; Loopscope needs Python 3.8 or newer.`
    expect(notices(refused.id)).toEqual([why])
    expect(statuses.find((s) => s.session === refused.id)).toMatchObject({ state: 'exited', message: why })
    const notPython = fakePython(dir, 'nopython', 'hi')
    const second = (await api.handle('run', [{ script, python: notPython }])) as SessionInfo
    expect(notices(second.id).join('')).toMatch(/is not a Python interpreter/)
  })
})
