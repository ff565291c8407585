// @vitest-environment jsdom
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import ExportDialog from '../../src/renderer/src/components/ExportDialog.vue'
import { useSessionStore } from '../../src/renderer/src/stores/session'
import { useTraceStore } from '../../src/renderer/src/stores/trace'
import { parseNdjson } from '../../src/shared/trace-model/ndjson'
import type { HostInfo, LoopscopeApi, SavedFile } from '../../src/shared/api'

const text = readFileSync(join(__dirname, '../fixtures/export-welcome.ndjson'), 'utf8')
const fixture = parseNdjson(text)

const info = (kind: 'web' | 'electron'): HostInfo => ({
  kind,
  version: '0',
  platform: 'linux',
  initialScript: null,
  autoRun: false,
  examples: []
})

let downloads: { name: string; blob: Blob }[] = []
const originalCreate = URL.createObjectURL
const originalRevoke = URL.revokeObjectURL
const originalClick = HTMLAnchorElement.prototype.click

beforeEach(() => {
  setActivePinia(createPinia())
  downloads = []
  // jsdom has no object URLs; the dialog's download is observed where the browser would take it.
  let pending: Blob | null = null
  URL.createObjectURL = (blob: Blob) => {
    pending = blob
    return 'blob:test'
  }
  URL.revokeObjectURL = () => {}
  HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
    if (this.href === 'blob:test' && pending) downloads.push({ name: this.download, blob: pending })
  }
  const trace = useTraceStore()
  trace.ingestBatch({ session: 1, from: 0, events: fixture.events, header: fixture.header ?? undefined })
})
afterEach(() => {
  URL.createObjectURL = originalCreate
  URL.revokeObjectURL = originalRevoke
  HTMLAnchorElement.prototype.click = originalClick
})

/** Connects the session store to a host that answers `methods` (subscriptions stay silent). */
async function connect(kind: 'web' | 'electron', methods: Record<string, unknown>): Promise<void> {
  const host: Record<string, unknown> = { getInfo: async () => info(kind), ...methods }
  const api = new Proxy(host, {
    get: (target, key: string) =>
      key in target ? target[key] : key.startsWith('on') ? () => () => {} : async () => null
  }) as unknown as LoopscopeApi
  const session = useSessionStore()
  await session.init(api)
  session.dispose()
}

async function exportAs(kind: string, props: Record<string, unknown> = {}) {
  const w = mount(ExportDialog, { props: { open: false, ...props }, attachTo: document.body })
  await w.setProps({ open: true })
  await w.find(`input[name="export-kind"][value="${kind}"]`).setValue(true)
  await w.find('[data-testid="export-go"]').trigger('click')
  await new Promise((r) => setTimeout(r, 20))
  await flushPromises()
  return w
}

describe('export dialog', () => {
  it('downloads the SVG picture of the trace in the web host', async () => {
    useSessionStore().info = info('web')
    const w = await exportAs('svg')
    expect(downloads).toHaveLength(1)
    expect(downloads[0].name).toBe('00_welcome-2026-11-25-0800.svg')
    const svg = await downloads[0].blob.text()
    expect(svg.startsWith('<svg')).toBe(true)
    for (const name of ['Task-1 · main()', 'ticker', 'Task-2 · producer()', '00_welcome.py'])
      expect(svg).toContain(name)
    expect(w.find('[role="status"]').text()).toContain('Downloaded 00_welcome-2026-11-25-0800.svg')
    w.unmount()
  })

  it('exports the current zoom window when asked, and the whole run otherwise', async () => {
    useSessionStore().info = info('web')
    const zoomed = await exportAs('svg', { zoomWindow: [0.2, 0.5] })
    expect(await downloads[0].blob.text()).toContain('showing 200.0 ms – 500.0 ms')
    zoomed.unmount()
    downloads = []
    // The swimlanes' zoom, as the trace store holds it, is the default window.
    useTraceStore().viewWindow = [0.2, 0.5]
    const whole = await exportAs('svg')
    expect(whole.find('input[name="export-range"][value="zoom"]').element).toHaveProperty('checked', true)
    expect(whole.text()).toContain('Current zoom window (200.0 ms – 500.0 ms)')
    await whole.find('input[name="export-range"][value="all"]').setValue(true)
    await whole.find('[data-testid="export-go"]').trigger('click')
    await new Promise((r) => setTimeout(r, 20))
    expect(downloads).toHaveLength(2)
    expect(await downloads[1].blob.text()).not.toContain('showing')
    whole.unmount()
  })

  it("downloads the host's own recording as the native trace, asking for the current session", async () => {
    const asked: unknown[][] = []
    await connect('web', {
      exportTrace: async (session: number, format: string): Promise<SavedFile> => {
        asked.push([session, format])
        return {
          path: null,
          data: Buffer.from(text).toString('base64'),
          name: 'rec.ndjson',
          mime: 'application/x-ndjson'
        }
      }
    })
    const w = await exportAs('ndjson')
    expect(asked).toEqual([[1, 'ndjson']])
    expect(downloads[0].name).toBe('rec.ndjson')
    const back = parseNdjson(await downloads[0].blob.text())
    expect(back.header).toEqual(fixture.header)
    expect(back.events).toEqual(fixture.events)
    expect(w.find('[role="status"]').text()).toContain('Downloaded rec.ndjson')
    w.unmount()
  })

  it('asks the host for Chrome trace JSON and shows where Electron saved it', async () => {
    const asked: unknown[][] = []
    await connect('electron', {
      exportTrace: async (session: number, format: string): Promise<SavedFile> => {
        asked.push([session, format])
        return { path: '/home/me/run.trace.json', name: 'run.trace.json', mime: 'application/json' }
      }
    })
    const w = await exportAs('chrome')
    expect(asked).toEqual([[1, 'chrome']])
    expect(downloads).toHaveLength(0)
    expect(w.find('[role="status"]').text()).toBe('Saved to /home/me/run.trace.json')
    w.unmount()
  })

  it('exports a trace read in the page (dropped on a browser) from its own file, as Chrome JSON too', async () => {
    useSessionStore().info = info('web')
    useTraceStore().localSource = new Blob([text])
    const w = await exportAs('chrome')
    expect(downloads[0].name).toBe('00_welcome-2026-11-25-0800.trace.json')
    const chrome = JSON.parse(await downloads[0].blob.text())
    const names = chrome.traceEvents.filter(
      (e: { ph: string; name: string }) => e.ph === 'M' && e.name === 'thread_name'
    )
    expect(names.filter((e: { tid: number }) => e.tid <= 5)).toHaveLength(5)
    w.unmount()
  })

  it('hands the file to the host to save in Electron and shows where it went', async () => {
    const saved: { name: string; mime: string; base64: string }[] = []
    const session = useSessionStore()
    // The host end of the API: Electron's main process would show its Save dialog here.
    const host = {
      getInfo: async () => info('electron'),
      saveFile: async (name: string, mime: string, base64: string): Promise<SavedFile> => {
        saved.push({ name, mime, base64 })
        return { path: `/home/me/${name}`, name, mime }
      }
    }
    // Subscriptions (onBatch, onStatus, …) stay silent: nothing runs in this test.
    const api = new Proxy(host, {
      get: (target, key: string) =>
        key in target
          ? target[key as keyof typeof host]
          : key.startsWith('on')
            ? () => () => {}
            : async () => null
    }) as unknown as LoopscopeApi
    await session.init(api)
    session.dispose()
    const w = await exportAs('svg')
    expect(downloads).toHaveLength(0)
    expect(saved).toHaveLength(1)
    expect(saved[0].mime).toBe('image/svg+xml')
    expect(Buffer.from(saved[0].base64, 'base64').toString('utf8')).toContain('Task-2 · producer()')
    expect(w.find('[role="status"]').text()).toBe('Saved to /home/me/00_welcome-2026-11-25-0800.svg')
    w.unmount()
  })

  it('closes on Escape', async () => {
    const w = mount(ExportDialog, { props: { open: true } })
    await w.find('[role="dialog"]').trigger('keydown', { key: 'Escape' })
    expect(w.emitted('update:open')).toEqual([[false]])
  })
})
