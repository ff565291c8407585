import { describe, expect, it } from 'vitest'
import { checkSender, isRendererUrl } from '../../src/main/sender-policy'

const fileRenderer = { webContentsId: 7, rendererUrl: 'file:///opt/app/out/renderer/index.html' }
const devRenderer = { webContentsId: 7, rendererUrl: 'http://localhost:5173/' }
const ok = { webContentsId: 7, frameUrl: 'file:///opt/app/out/renderer/index.html#/x', isMainFrame: true }

describe('IPC sender policy', () => {
  it('accepts the main frame of our window showing our renderer', () => {
    expect(checkSender(ok, fileRenderer)).toEqual({ ok: true })
    expect(checkSender({ ...ok, frameUrl: 'http://localhost:5173/index.html?x=1' }, devRenderer)).toEqual({
      ok: true
    })
  })

  it('refuses another window', () => {
    expect(checkSender({ ...ok, webContentsId: 8 }, fileRenderer)).toMatchObject({ ok: false })
  })

  it('refuses a subframe even when it shows our page', () => {
    expect(checkSender({ ...ok, isMainFrame: false }, fileRenderer)).toMatchObject({
      ok: false,
      reason: 'sender is not the main frame'
    })
  })

  it('refuses a frame that navigated to another document', () => {
    const v = checkSender({ ...ok, frameUrl: 'file:///home/me/evil.html' }, fileRenderer)
    expect(v).toEqual({ ok: false, reason: 'sender frame shows file /home/me/evil.html' })
    expect(checkSender({ ...ok, frameUrl: 'https://example.com/' }, fileRenderer)).toMatchObject({
      ok: false
    })
  })

  it('refuses every call while no window is open, and from a destroyed frame', () => {
    expect(checkSender(ok, null)).toMatchObject({ ok: false })
    expect(checkSender({ ...ok, frameUrl: null }, fileRenderer)).toMatchObject({ ok: false })
  })

  it('matches the dev server by origin, not by prefix', () => {
    expect(isRendererUrl('http://localhost:5173.evil.com/', devRenderer.rendererUrl)).toBe(false)
    expect(isRendererUrl('http://localhost:5174/', devRenderer.rendererUrl)).toBe(false)
    expect(isRendererUrl('https://localhost:5173/', devRenderer.rendererUrl)).toBe(false)
    expect(isRendererUrl('not a url', devRenderer.rendererUrl)).toBe(false)
  })

  it('never trusts a renderer URL of another scheme', () => {
    expect(isRendererUrl('data:text/html,x', 'data:text/html,x')).toBe(false)
  })
})
