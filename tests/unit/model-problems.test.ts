import { describe, expect, it } from 'vitest'
import { TraceModel } from '../../src/shared/trace-model/trace-model'
import { SpanFlag } from '../../src/shared/trace-model/model-types'
import { ProblemGrouper, problemKey } from '../../src/shared/trace-model/problem-groups'
import type { TraceEvent } from '../../src/shared/trace-types'

const ev = (e: Record<string, unknown>): TraceEvent => e as unknown as TraceEvent
const frame = (line: number) => ({ file: '/srv/app.py', line, func: 'handler', code: 'time.sleep(0.2)' })

/** A loop with task 1 (coroutine `handler`, made at app.py:5), whose run `handle` spans [t, t + dur]. */
function start(): TraceEvent[] {
  return [
    ev({ type: 'loop.start', t: 10, loop: 1, thread: 1, threadName: 'MainThread', cls: 'L' }),
    ev({ type: 'callback', t: 10, cb: 1, label: 'handler()', site: '/srv/app.py:3' }),
    ev({
      type: 'task.create',
      t: 10,
      loop: 1,
      task: 1,
      name: 'Task-1',
      coro: 'handler',
      parent: null,
      site: '/srv/app.py:5'
    })
  ]
}
function run(handle: number, t: number, dur: number, tick: number): TraceEvent[] {
  return [
    ev({ type: 'tick.begin', t, loop: 1, tick }),
    ev({ type: 'handle.begin', t, loop: 1, handle, cb: 1, task: 1, tick }),
    ev({ type: 'handle.end', t: t + dur, loop: 1, handle, dur }),
    ev({ type: 'tick.end', t: t + dur, loop: 1, tick })
  ]
}
const slow = (t: number, elapsed: number): TraceEvent =>
  ev({
    type: 'problem',
    t,
    loop: 1,
    kind: 'slow-callback',
    message: `a step of task Task-1 (handler) took ${elapsed.toFixed(3)} s: nothing else ran on the loop meanwhile`,
    task: 1,
    handle: null,
    elapsed
  })
const blocked = (handle: number, t: number, elapsed: number, line = 9): TraceEvent =>
  ev({ type: 'blocked', t, loop: 1, handle, task: 1, elapsed, stack: [frame(line)] })
const blockedEnd = (handle: number, t: number, total: number): TraceEvent =>
  ev({ type: 'blocked.end', t, loop: 1, handle, total })

describe('one run reported both slow and blocked is one problem', () => {
  it('a watchdog report that comes after the run was reported slow turns it into the block, with its stack', () => {
    const m = new TraceModel()
    m.ingest([
      ...start(),
      ...run(7, 11, 0.14, 0),
      slow(11, 0.14),
      blocked(70, 11.1, 0.1),
      blockedEnd(70, 11.14, 0.141)
    ])
    expect(m.problems).toHaveLength(1)
    const p = m.problems[0]
    expect(p.kind).toBe('blocked')
    expect(p.stack?.[0].line).toBe(9)
    expect(p.ended).toBe(true)
    expect(p.elapsed).toBeCloseTo(0.141, 6)
    expect(p.message).toMatch(/^loop blocked for 0\.14 s by task Task-1 in app\.py:9$/)
    expect(m.spans.flags.data[p.span!] & SpanFlag.Blocked).toBeTruthy()
  })

  it('a slow report of a run the watchdog reported first is not a second problem', () => {
    const m = new TraceModel()
    m.ingest([
      ...start(),
      ev({ type: 'tick.begin', t: 11, loop: 1, tick: 0 }),
      ev({ type: 'handle.begin', t: 11, loop: 1, handle: 7, cb: 1, task: 1, tick: 0 }),
      blocked(70, 11.1, 0.1),
      ev({ type: 'handle.end', t: 11.14, loop: 1, handle: 7, dur: 0.14 }),
      blockedEnd(70, 11.14, 0.14),
      slow(11, 0.14)
    ])
    expect(m.problems.map((p) => p.kind)).toEqual(['blocked'])
  })

  it("a plain callback's late block report, under an id of its own, is the slow run that began with it", () => {
    const m = new TraceModel()
    const plainRun = (handle: number, t: number, dur: number, tick: number): TraceEvent[] => [
      ev({ type: 'tick.begin', t, loop: 1, tick }),
      ev({ type: 'handle.begin', t, loop: 1, handle, cb: 1, task: null, tick }),
      ev({ type: 'handle.end', t: t + dur, loop: 1, handle, dur }),
      ev({ type: 'tick.end', t: t + dur, loop: 1, tick })
    ]
    const plainSlow = (handle: number, t: number, elapsed: number): TraceEvent =>
      ev({
        type: 'problem',
        t,
        loop: 1,
        kind: 'slow-callback',
        message: `handler() took ${elapsed.toFixed(3)} s`,
        task: null,
        handle,
        elapsed
      })
    const plainBlocked = (handle: number, t: number, elapsed: number): TraceEvent =>
      ev({ type: 'blocked', t, loop: 1, handle, task: null, elapsed, stack: [frame(9)] })
    m.ingest([
      ...start(),
      ...plainRun(7, 11, 0.3, 0),
      plainSlow(7, 11, 0.3),
      // Reported late, as a run the watchdog named itself (id 900): it began at 11.
      plainBlocked(900, 11.2, 0.2),
      blockedEnd(900, 11.3, 0.3),
      // Another callback, slow, then a block of a third that began after it ended: apart.
      ...plainRun(8, 12, 0.15, 1),
      plainSlow(8, 12, 0.15),
      ...plainRun(9, 12.2, 0.3, 2),
      plainBlocked(901, 12.35, 0.15),
      blockedEnd(901, 12.5, 0.3)
    ])
    expect(m.problems.map((p) => p.kind)).toEqual(['blocked', 'slow-callback', 'blocked'])
    expect(m.problems[0].stack?.[0].line).toBe(9)
    expect(m.problems[0].ended).toBe(true)
  })

  it('two slow runs of one task, and a block of another of its runs, stay three problems', () => {
    const m = new TraceModel()
    m.ingest([
      ...start(),
      ...run(7, 11, 0.14, 0),
      slow(11, 0.14),
      ...run(8, 12, 0.13, 1),
      slow(12, 0.13),
      ...run(9, 13, 0.3, 2),
      blocked(90, 13.1, 0.1),
      blockedEnd(90, 13.3, 0.3)
    ])
    expect(m.problems.map((p) => p.kind)).toEqual(['slow-callback', 'slow-callback', 'blocked'])
  })
})

describe('the Problems list groups the same problem again', () => {
  /** Blocks at app.py:9 at ticks 0..n-1, then one at app.py:20. */
  function blocks(n: number): TraceEvent[] {
    const out = start()
    for (let i = 0; i < n; i++) {
      const t = 11 + i
      out.push(
        ...run(100 + i, t, 0.2, i),
        blocked(1000 + i, t + 0.1, 0.1),
        blockedEnd(1000 + i, t + 0.2, 0.2)
      )
    }
    out.push(...run(500, 40, 0.2, n), blocked(5000, 40.1, 0.1, 20), blockedEnd(5000, 40.2, 0.2))
    return out
  }

  it('blocks at one line of the program are one group, in the order they came; another line is another', () => {
    const m = new TraceModel()
    m.ingest(blocks(5))
    const g = new ProblemGrouper().sync(m)
    expect(g.map((x) => x.ids.length)).toEqual([5, 1])
    expect(g[0].ids).toEqual([1, 2, 3, 4, 5])
    expect(g[1].key).toContain('app.py:20')
  })

  it('taking problems in as they come gives the groups of taking them in at once', () => {
    const events = blocks(6)
    const m = new TraceModel()
    const grouper = new ProblemGrouper()
    const seen: (readonly unknown[])[] = []
    for (let i = 0; i < events.length; i += 5) {
      m.ingest(events.slice(i, i + 5))
      seen.push(grouper.sync(m))
    }
    const whole = new TraceModel()
    whole.ingest(events)
    expect(grouper.sync(m).map((x) => [x.key, x.ids])).toEqual(
      new ProblemGrouper().sync(whole).map((x) => [x.key, x.ids])
    )
    // The same array while nothing changed (a view comparing it by identity redraws only on change).
    expect(grouper.sync(m)).toBe(grouper.sync(m))
    expect(new Set(seen).size).toBeGreaterThan(2)
  })

  it('regroups when a problem already grouped changes', () => {
    const m = new TraceModel()
    const grouper = new ProblemGrouper()
    m.ingest([...start(), ...run(7, 11, 0.14, 0), slow(11, 0.14)])
    expect(grouper.sync(m)[0].key).toMatch(/^slow-callback\|/)
    m.ingest([blocked(70, 11.1, 0.1), blockedEnd(70, 11.14, 0.141)])
    const after = grouper.sync(m)
    expect(after).toHaveLength(1)
    expect(after[0].key).toBe('blocked|/srv/app.py:9')
  })

  it('tasks of one coroutine made at one place failing with one exception type are one group', () => {
    const m = new TraceModel()
    const events = start()
    for (let i = 2; i <= 5; i++) {
      events.push(
        ev({
          type: 'task.create',
          t: 11,
          loop: 1,
          task: i,
          name: `Task-${i}`,
          coro: 'fetch',
          parent: null,
          site: '/srv/app.py:30'
        }),
        ev({
          type: 'task.state',
          t: 12,
          task: i,
          state: 'failed',
          exc: { type: i === 5 ? 'KeyError' : 'ValueError', message: `item ${i}`, traceback: [] }
        })
      )
    }
    m.ingest(events)
    expect(m.problems).toHaveLength(4)
    expect(new ProblemGrouper().sync(m).map((x) => x.ids.length)).toEqual([3, 1])
  })

  it('messages that differ only in their numbers are one problem; other words are another', () => {
    const m = new TraceModel()
    const never = (t: number, message: string): TraceEvent =>
      ev({ type: 'problem', t, loop: 1, kind: 'never-retrieved', message })
    m.ingest([
      ...start(),
      never(11, 'Task exception was never retrieved: ValueError: item 3 of 10'),
      never(12, 'Task exception was never retrieved: ValueError: item 7 of 10'),
      never(13, 'Task exception was never retrieved: KeyError: item 7 of 10')
    ])
    const groups = new ProblemGrouper().sync(m)
    expect(groups.map((x) => x.ids)).toEqual([[1, 2], [3]])
    expect(problemKey(m.problems[0], m)).toBe(problemKey(m.problems[1], m))
  })
})

describe('a block reported before its run reached the stream', () => {
  it('is the run’s problem once the run arrives: its time and tick are the run’s', () => {
    const m = new TraceModel()
    m.ingest([
      ...start(),
      ev({ type: 'tick.begin', t: 11, loop: 1, tick: 4 }),
      blocked(70, 11.17, 0.17),
      ev({ type: 'handle.begin', t: 11, loop: 1, handle: 70, cb: 1, task: 1, tick: 4 }),
      ev({ type: 'handle.end', t: 11.3, loop: 1, handle: 70, dur: 0.3 }),
      blockedEnd(70, 11.3, 0.3)
    ])
    const [p] = m.problems
    expect(p.span).not.toBeNull()
    expect(p.t).toBe(11)
    expect(p.tick).toBe(4)
    expect(m.spans.flags.data[p.span!] & SpanFlag.Blocked).toBeTruthy()
  })
})
