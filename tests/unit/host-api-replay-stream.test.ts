import { execFileSync } from 'node:child_process'
import { createWriteStream, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ApiServer } from '../../src/host/api-server'
import type { SessionInfo, SessionStatus, TraceBatch } from '../../src/shared/api'
import type { TraceEvent } from '../../src/shared/trace-types'
import { scratchDir, TRACE_HEADER_LINE } from '../fixtures/host-helpers'

const headerLine = TRACE_HEADER_LINE
const tickLine = (tick: number) => JSON.stringify({ type: 'tick.begin', t: tick / 1000, loop: 1, tick })

function server(backlog?: () => number) {
  const api = new ApiServer({ kind: 'web', resourcesDir: scratchDir(), version: '0', traceDir: scratchDir() })
  const batches: TraceBatch[] = []
  const statuses: SessionStatus[] = []
  api.subscribe({ sendBatch: (b) => batches.push(b), sendStatus: (s) => statuses.push(s), backlog })
  const until = (cond: () => boolean, ms = 10_000) =>
    new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + ms
      const check = () => {
        if (cond()) resolve()
        else if (Date.now() > deadline) reject(new Error('condition not met in time'))
        else setTimeout(check, 5)
      }
      check()
    })
  const eventsOf = (session: number): TraceEvent[] =>
    batches.filter((b) => b.session === session).flatMap((b) => b.events)
  const exitedStatus = (session: number) =>
    statuses.find((s) => s.session === session && s.state === 'exited')
  return { api, batches, statuses, until, eventsOf, exitedStatus }
}

describe('replaying a saved trace while it is read', () => {
  it('says with each batch how far into the file it is', async () => {
    const path = join(scratchDir(), 'progress.ndjson')
    const lines = [headerLine]
    for (let i = 1; i <= 120_000; i++) lines.push(tickLine(i))
    const text = lines.join('\n') + '\n'
    writeFileSync(path, text)
    const { api, batches, until, exitedStatus } = server()
    const info = (await api.handle('openTrace', [path])) as SessionInfo
    await until(() => exitedStatus(info.id) !== undefined)
    const mine = batches.filter((b) => b.session === info.id)
    expect(mine.length).toBeGreaterThan(2)
    const size = Buffer.byteLength(text)
    for (const b of mine) expect(b.progress?.total).toBe(size)
    const reads = mine.map((b) => b.progress!.read)
    expect(reads).toEqual([...reads].sort((a, b) => a - b))
    expect(reads[0]).toBeLessThan(size)
    expect(reads.at(-1)).toBe(size)
  })

  it('sends the first full batch before the rest of the file exists', async () => {
    // A FIFO is a file whose end has not been written yet: only a streaming replay can
    // send anything before the writer finishes.
    const fifo = join(scratchDir(), 'trace.ndjson')
    execFileSync('mkfifo', [fifo])
    const { api, batches, until, eventsOf, exitedStatus } = server()
    const opening = api.handle('openTrace', [fifo]) as Promise<SessionInfo>
    const writer = createWriteStream(fifo)
    const first = [headerLine]
    for (let i = 1; i <= 60_000; i++) first.push(tickLine(i))
    writer.write(first.join('\n') + '\n')
    const info = await opening
    expect(info).toMatchObject({ script: '/x.py', python: '3.11.7', state: 'exited' })
    await until(() => batches.some((b) => b.session === info.id))
    expect(batches[0]).toMatchObject({ session: info.id, from: 0 })
    expect(batches[0].header?.script).toBe('/x.py')
    expect(batches[0].events).toHaveLength(50_000)
    expect(exitedStatus(info.id)).toBeUndefined()
    const rest: string[] = []
    for (let i = 60_001; i <= 70_000; i++) rest.push(tickLine(i))
    rest.push(JSON.stringify({ type: 'exit', t: 71, code: 3, signal: null }))
    await new Promise<void>((resolve) => writer.end(rest.join('\n') + '\n', () => resolve()))
    await until(() => exitedStatus(info.id) !== undefined)
    expect(exitedStatus(info.id)).toMatchObject({ exitCode: 3, signal: null })
    const events = eventsOf(info.id)
    expect(events).toHaveLength(70_001)
    expect(events.slice(0, -1).every((e, i) => e.type === 'tick.begin' && e.tick === i + 1)).toBe(true)
    const mine = batches.filter((b) => b.session === info.id)
    expect(mine.map((b) => b.from)).toEqual(
      mine.map((_, i) => mine.slice(0, i).reduce((n, b) => n + b.events.length, 0))
    )
  })

  it('counts corrupt lines, says where the first one is, and reports the last exit', async () => {
    const file = join(scratchDir(), 'corrupt.ndjson')
    const lines = [headerLine]
    for (let i = 1; i <= 120_000; i++) {
      lines.push(tickLine(i))
      if (i === 70_000) lines.push('{"type": "tick.begin", broken')
      if (i === 80_000) lines.push(JSON.stringify({ type: 'exit', t: 80, code: 1, signal: null }))
      if (i === 90_000) lines.push('not json either')
    }
    lines.push(JSON.stringify({ type: 'exit', t: 121, code: 0, signal: null }))
    writeFileSync(file, lines.join('\n') + '\n')
    const { api, until, eventsOf, exitedStatus, statuses } = server()
    const info = (await api.handle('openTrace', [file])) as SessionInfo
    await until(() => exitedStatus(info.id) !== undefined)
    const status = exitedStatus(info.id)
    expect(status).toMatchObject({ exitCode: 0 })
    // Line 1 is the header; the broken line follows tick 70,000.
    expect(status?.message).toMatch(/^Trace read with problems from line 70002: .*\(2 lines skipped\)$/)
    const events = eventsOf(info.id)
    expect(events).toHaveLength(120_000 + 2 + 1)
    expect(events.at(-1)).toMatchObject({
      type: 'notice',
      level: 'warning',
      message: status?.message,
      t: 121
    })
    expect(statuses.filter((s) => s.session === info.id).map((s) => s.state)).toEqual(['running', 'exited'])
  })

  it('ends a replay still being read when another session starts, and sends nothing for it after', async () => {
    const fifo = join(scratchDir(), 'slow.ndjson')
    execFileSync('mkfifo', [fifo])
    const { api, batches, statuses, until, exitedStatus } = server()
    const opening = api.handle('openTrace', [fifo]) as Promise<SessionInfo>
    const writer = createWriteStream(fifo)
    writer.write(headerLine + '\n' + tickLine(1) + '\n')
    const first = await opening
    await until(() => statuses.some((s) => s.session === first.id && s.state === 'running'))
    const other = join(scratchDir(), 'small.ndjson')
    writeFileSync(other, [headerLine, tickLine(1), tickLine(2)].join('\n') + '\n')
    const second = (await api.handle('openTrace', [other])) as SessionInfo
    expect(exitedStatus(first.id)?.message).toMatch(/Replaced by a new session/)
    await until(() => exitedStatus(second.id) !== undefined)
    const sentForFirst = batches.filter((b) => b.session === first.id).length
    await new Promise<void>((resolve) => writer.end(tickLine(2) + '\n', () => resolve()))
    await new Promise((r) => setTimeout(r, 50))
    expect(batches.filter((b) => b.session === first.id).length).toBe(sentForFirst)
    expect(batches.filter((b) => b.session === second.id).flatMap((b) => b.events)).toHaveLength(2)
  })

  it('stops reading while a client is behind, and goes on, losing nothing, once it caught up', async () => {
    const file = join(scratchDir(), 'big.ndjson')
    const lines = [headerLine]
    for (let i = 1; i <= 400_000; i++) lines.push(tickLine(i))
    lines.push(JSON.stringify({ type: 'exit', t: 401, code: 0, signal: null }))
    writeFileSync(file, lines.join('\n') + '\n')
    // A page that has not taken in what it was sent: 100 MB waiting in its socket.
    let behind = true
    const { api, batches, until, eventsOf, exitedStatus } = server(() => (behind ? 100 * 1024 * 1024 : 0))
    const info = (await api.handle('openTrace', [file])) as SessionInfo
    await until(() => batches.some((b) => b.session === info.id))
    await new Promise((r) => setTimeout(r, 400))
    // Held after the first batch (what was already read may still make one more).
    const held = batches.filter((b) => b.session === info.id).length
    expect(held).toBeLessThanOrEqual(2)
    expect(exitedStatus(info.id)).toBeUndefined()
    behind = false
    await until(() => exitedStatus(info.id) !== undefined)
    const events = eventsOf(info.id)
    expect(events).toHaveLength(400_001)
    expect(events.slice(0, -1).every((e, i) => e.type === 'tick.begin' && e.tick === i + 1)).toBe(true)
    expect(exitedStatus(info.id)).toMatchObject({ exitCode: 0 })
  })
})
