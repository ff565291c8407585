import { describe, expect, it } from 'vitest'
import { InvokeGuard, REFUSED_MESSAGE } from '../../src/main/invoke-guard'
import { checkPayload } from '../../src/main/payload-limit'

const trusted = { webContentsId: 1, rendererUrl: 'file:///app/out/renderer/index.html' }
const goodSender = { webContentsId: 1, frameUrl: trusted.rendererUrl, isMainFrame: true }

function setup(limit?: number) {
  const calls: [string, unknown[]][] = []
  const logs: string[] = []
  const succeeded: string[] = []
  const guard = new InvokeGuard({
    trusted: () => trusted,
    target: {
      handle: async (method, params) => {
        calls.push([method, params])
        return { method }
      }
    },
    log: (m) => logs.push(m),
    onSuccess: (method) => succeeded.push(method),
    maxPayloadBytes: limit
  })
  return { guard, calls, logs, succeeded }
}

describe('the IPC gate in the Electron shell', () => {
  it('passes a call from our main frame to the host and reports success', async () => {
    const { guard, calls, succeeded } = setup()
    await expect(guard.call('run', goodSender, [{ script: '/a.py' }])).resolves.toEqual({ method: 'run' })
    expect(calls).toEqual([['run', [{ script: '/a.py' }]]])
    expect(succeeded).toEqual(['run'])
  })

  it('refuses a subframe without reaching the host, and logs why', async () => {
    const { guard, calls, logs } = setup()
    await expect(guard.call('stop', { ...goodSender, isMainFrame: false }, [])).rejects.toThrow(
      REFUSED_MESSAGE
    )
    expect(calls).toEqual([])
    expect(logs[0]).toMatch(/IPC stop refused .*main frame/)
    expect(guard.refusedCount).toBe(1)
  })

  it('refuses an oversized payload and logs its size', async () => {
    const { guard, calls, logs } = setup(1000)
    await expect(guard.call('writeStdin', goodSender, ['x'.repeat(2000)])).rejects.toThrow(REFUSED_MESSAGE)
    expect(calls).toEqual([])
    expect(logs[0]).toMatch(/exceeds 1000/)
  })

  it('stops logging every refusal of a renderer that keeps trying', async () => {
    const { guard, logs } = setup()
    for (let i = 0; i < 500; i++)
      await guard.call('stop', { ...goodSender, webContentsId: 9 }, []).catch(() => {})
    expect(guard.refusedCount).toBe(500)
    expect(logs.length).toBe(20)
  })

  it('lets host errors through unchanged, without counting them as successes', async () => {
    const guard = new InvokeGuard({
      trusted: () => trusted,
      target: { handle: async () => Promise.reject(new Error('no such script')) },
      log: () => {},
      onSuccess: () => {
        throw new Error('must not be called')
      }
    })
    await expect(guard.call('run', goodSender, [{ script: '/missing.py' }])).rejects.toThrow('no such script')
  })
})

describe('IPC payload limits', () => {
  it('counts UTF-8 bytes, not characters', () => {
    expect(checkPayload(['é'.repeat(10)], 1000)).toEqual({
      ok: true,
      bytes: JSON.stringify(['é'.repeat(10)]).length + 10
    })
    expect(checkPayload(['€'.repeat(400)], 1000)).toMatchObject({ ok: false })
  })

  it('refuses values that are not plain data', () => {
    expect(checkPayload([new Uint8Array(4)])).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/Uint8Array/)
    })
    expect(checkPayload([10n])).toMatchObject({ ok: false })
    expect(checkPayload([new Map()])).toMatchObject({ ok: false })
    expect(checkPayload([{ a: [1, 'b', null, { c: true }] }])).toMatchObject({ ok: true })
  })
})
