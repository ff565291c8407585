import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ApiServer, docstringFirstLine } from '../../src/host/api-server'
import type { SessionInfo, SessionStatus, TraceBatch } from '../../src/shared/api'
import type { TraceEvent } from '../../src/shared/trace-types'
import { fakeAgent, repoRoot, scratchDir, TRACE_HEADER_LINE, writeScript } from '../fixtures/host-helpers'

// A resources folder whose agent is the fake one, so these tests do not depend on the real agent.
function fakeResources(): string {
  const dir = scratchDir()
  mkdirSync(join(dir, 'agent'))
  mkdirSync(join(dir, 'examples'))
  writeFileSync(join(dir, 'agent', 'loopscope_launch.py'), readFileSync(fakeAgent))
  writeFileSync(join(dir, 'examples', '01_hello.py'), '"""Says hello.\n\nMore text."""\nprint("hello")\n')
  writeFileSync(join(dir, 'examples', '02_plain_name.py'), 'print(1)\n')
  return dir
}

function server(extra: Partial<ConstructorParameters<typeof ApiServer>[0]> = {}) {
  const traceDir = scratchDir()
  const api = new ApiServer({
    kind: 'web',
    resourcesDir: fakeResources(),
    version: '0.1.0-test',
    traceDir,
    ...extra
  })
  const batches: TraceBatch[] = []
  const statuses: SessionStatus[] = []
  api.subscribe({ sendBatch: (b) => batches.push(b), sendStatus: (s) => statuses.push(s) })
  const eventsOf = (session: number): TraceEvent[] =>
    batches.filter((b) => b.session === session).flatMap((b) => b.events)
  const exited = (session: number) =>
    new Promise<SessionStatus>((resolve) => {
      const check = () => {
        const s = statuses.find((x) => x.session === session && x.state === 'exited')
        if (s) resolve(s)
        else setTimeout(check, 10)
      }
      check()
    })
  return { api, batches, statuses, eventsOf, exited, traceDir }
}

describe('api server', () => {
  it('refuses unknown methods and bad payloads with a clear error', async () => {
    const { api } = server()
    await expect(api.handle('deleteEverything', [])).rejects.toThrow(/Unknown method: deleteEverything/)
    await expect(api.handle('run', [{ script: 42 }])).rejects.toThrow(/Bad parameters for run: 0.script/)
    await expect(api.handle('run', [{ script: 'a.py', shell: 'rm -rf /' }])).rejects.toThrow(
      /Bad parameters for run/
    )
    await expect(api.handle('saveFile', ['../../etc/passwd', 'text/plain', 'aGk='])).rejects.toThrow(
      /without folders/
    )
    await expect(api.handle('getInfo', ['extra'])).rejects.toThrow(/Bad parameters for getInfo/)
    await expect(api.handle('pause', [])).rejects.toThrow(/No program is running/)
  })

  it('lists the bundled examples with their docstring first lines', async () => {
    const { api } = server({ initialScript: '/x.py', autoRun: true })
    const info = (await api.handle('getInfo', [])) as Awaited<ReturnType<ApiServer['getInfo']>>
    expect(info).toMatchObject({ kind: 'web', version: '0.1.0-test', initialScript: '/x.py', autoRun: true })
    expect(info.examples.map((e) => [e.name, e.description])).toEqual([
      ['01_hello.py', 'Says hello.'],
      ['02_plain_name.py', 'plain name']
    ])
  })

  it('reads docstring first lines in their usual spellings', () => {
    expect(docstringFirstLine('#!/usr/bin/env python\n# c\n\n"""One line."""\n')).toBe('One line.')
    expect(docstringFirstLine("'''Multi\nline'''")).toBe('Multi')
    expect(docstringFirstLine('import x\n"""late"""')).toBe('')
    expect(
      docstringFirstLine(readFileSync(join(repoRoot, 'resources/examples/00_welcome.py'), 'utf8'))
    ).toMatch(/^Welcome to Loopscope/)
  })

  it('runs a program, pushes its events in batches with the header first, and records the trace', async () => {
    const { api, batches, eventsOf, exited, traceDir } = server()
    const script = writeScript(
      scratchDir(),
      'p.py',
      'import sys\nprint("out")\nprint("err", file=sys.stderr)\nsys.exit(4)\n'
    )
    const info = (await api.handle('run', [{ script }])) as SessionInfo
    expect(info).toMatchObject({ script, state: 'starting' })
    const status = await exited(info.id)
    expect(status).toMatchObject({ exitCode: 4, signal: null })
    const first = batches.find((b) => b.session === info.id)
    expect(first?.from).toBe(0)
    expect(batches.find((b) => b.header)?.header?.format).toBe('loopscope-trace')
    const events = eventsOf(info.id)
    const text = (stream: string) =>
      events.map((e) => (e.type === 'output' && e.stream === stream ? e.data : '')).join('')
    expect([text('stdout'), text('stderr')]).toEqual(['out\n', 'err\n'])
    expect(events.at(-1)).toMatchObject({ type: 'exit', code: 4 })
    const files = readdirSync(traceDir)
    expect(files).toHaveLength(1)
    const lines = readFileSync(join(traceDir, files[0]), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines[0]).toMatchObject({ type: 'header', host: { loopscope: '0.1.0-test' } })
    expect(lines.at(-1)).toMatchObject({ type: 'exit', code: 4 })
    await api.dispose()
  })

  it('Run again stops the running program and starts from scratch', async () => {
    const { api, statuses, exited } = server()
    const script = writeScript(
      scratchDir(),
      'long.py',
      'import time\nprint("started", flush=True)\ntime.sleep(30)\n'
    )
    const a = (await api.handle('run', [{ script }])) as SessionInfo
    await new Promise((r) => setTimeout(r, 200))
    const started = Date.now()
    const b = (await api.handle('run', [{ script }])) as SessionInfo
    expect(Date.now() - started).toBeLessThan(2000)
    expect(b.id).not.toBe(a.id)
    expect((await exited(a.id)).signal).toBe('SIGTERM')
    await new Promise((r) => setTimeout(r, 200))
    expect(statuses.filter((s) => s.session === b.id).map((s) => s.state)).toEqual(['starting', 'running'])
    await api.handle('stop', [])
    expect((await exited(b.id)).signal).toBe('SIGTERM')
  })

  it('relays pause and stdin to the running program', async () => {
    const { api, eventsOf, exited } = server()
    const script = writeScript(
      scratchDir(),
      'in.py',
      'import sys\nprint("read:" + sys.stdin.readline().strip(), flush=True)\nsys.stdin.readline()\n'
    )
    const info = (await api.handle('run', [{ script }])) as SessionInfo
    await api.handle('pause', [])
    await api.handle('writeStdin', ['abc\n'])
    const saw = (pred: (e: TraceEvent) => boolean) => eventsOf(info.id).some(pred)
    const end = Date.now() + 10_000
    while (!saw((e) => e.type === 'notice' && e.message === 'cmd pause') && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 10))
    }
    await api.handle('closeStdin', [])
    await exited(info.id)
    expect(saw((e) => e.type === 'notice' && e.message === 'cmd pause')).toBe(true)
    // print() may reach the pipe as two writes (text, then newline): compare the joined stream.
    const stdout = eventsOf(info.id)
      .map((e) => (e.type === 'output' && e.stream === 'stdout' ? e.data : ''))
      .join('')
    expect(stdout).toBe('read:abc\n')
  })

  it('reopens a saved trace as a finished session with its console output', async () => {
    const first = server()
    const script = writeScript(scratchDir(), 'p.py', 'print("saved output")\n')
    const info = (await first.api.handle('run', [{ script }])) as SessionInfo
    await first.exited(info.id)
    const file = join(first.traceDir, readdirSync(first.traceDir)[0])
    const { api, batches, statuses, eventsOf, exited } = server()
    const replay = (await api.handle('openTrace', [file])) as SessionInfo
    expect(replay.state).toBe('exited')
    expect(await exited(replay.id)).toMatchObject({ exitCode: 0 })
    expect(statuses.map((s) => s.state)).toEqual(['running', 'exited'])
    expect(batches[0].header?.format).toBe('loopscope-trace')
    const replayed = eventsOf(replay.id)
      .map((e) => (e.type === 'output' ? e.data : ''))
      .join('')
    expect(replayed).toBe('saved output\n')
  })

  it('replays a large saved trace in a few large batches, every event in order', async () => {
    const file = join(scratchDir(), 'big.ndjson')
    const lines = [TRACE_HEADER_LINE]
    for (let tick = 1; tick <= 60_000; tick++) {
      lines.push(JSON.stringify({ type: 'tick.begin', t: tick / 1000, loop: 1, tick }))
      lines.push(JSON.stringify({ type: 'tick.end', t: tick / 1000, loop: 1, tick }))
    }
    writeFileSync(file, lines.join('\n') + '\n')
    const { api, batches, eventsOf, exited } = server()
    const replay = (await api.handle('openTrace', [file])) as SessionInfo
    await exited(replay.id)
    const events = eventsOf(replay.id)
    expect(events).toHaveLength(120_000)
    expect(events.every((e, i) => e.type === (i % 2 ? 'tick.end' : 'tick.begin'))).toBe(true)
    // Each batch makes the views draw what they hold: a replay must not send hundreds.
    expect(batches.filter((b) => b.session === replay.id).length).toBeLessThanOrEqual(4)
  })

  it('refuses to open a file that is not a trace', async () => {
    const { api } = server()
    const bogus = writeScript(scratchDir(), 'x.ndjson', 'hello\nworld\n')
    await expect(api.handle('openTrace', [bogus])).rejects.toThrow(/not a Loopscope trace/)
    await expect(api.handle('openTrace', ['/nonexistent/trace.ndjson'])).rejects.toThrow(/Cannot open trace/)
  })

  it('hands a file back for a browser download when no saver is given, and uses the saver when one is', async () => {
    const { api } = server()
    expect(await api.handle('saveFile', ['a.svg', 'image/svg+xml', 'PHN2Zy8+'])).toEqual({
      path: null,
      data: 'PHN2Zy8+',
      name: 'a.svg',
      mime: 'image/svg+xml'
    })
    const saved: Buffer[] = []
    const withSaver = server({ saveFile: async (_n, _m, data) => (saved.push(data), '/chosen/a.svg') }).api
    expect(await withSaver.handle('saveFile', ['a.svg', 'image/svg+xml', 'PHN2Zy8+'])).toEqual({
      path: '/chosen/a.svg',
      name: 'a.svg',
      mime: 'image/svg+xml'
    })
    expect(saved[0].toString()).toBe('<svg/>')
  })

  it('keeps the trace folder under its size cap by deleting the oldest traces', async () => {
    const { api, exited, traceDir } = server({ traceDirMaxBytes: 1500 })
    writeFileSync(join(traceDir, '0000-old.ndjson'), 'x'.repeat(2000))
    const script = writeScript(scratchDir(), 'p.py', 'print(1)\n')
    const info = (await api.handle('run', [{ script }])) as SessionInfo
    await exited(info.id)
    expect(readdirSync(traceDir)).not.toContain('0000-old.ndjson')
    expect(readdirSync(traceDir)).toHaveLength(1)
  })
})
