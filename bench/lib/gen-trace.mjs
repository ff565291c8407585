// A synthetic but well-formed trace: one loop running a few hundred tasks that step,
// sleep on timers, yield with sleep(0), finish and are replaced, with I/O watchers and
// keyframe snapshots, in the shape docs/trace-format.md describes. Deterministic (seeded),
// so every run of the bench opens the same trace.

import { openSync, writeSync, closeSync } from 'node:fs'

function rng(seed) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function header(extra = {}) {
  return {
    type: 'header',
    format: 'loopscope-trace',
    version: 1,
    python: '3.11.7',
    pid: 4242,
    argv: ['/bench/synthetic.py'],
    script: '/bench/synthetic.py',
    cwd: '/bench',
    started: '2026-01-01T00:00:00.000Z',
    ...extra
  }
}

/**
 * Yields event objects forever (the caller stops). `opts.t0` shifts loop time;
 * `opts.tasks` is how many tasks are alive at once.
 */
export function* syntheticEvents(opts = {}) {
  const rand = rng(opts.seed ?? 7)
  const liveTasks = opts.tasks ?? 200
  const loop = 1
  let t = opts.t0 ?? 0
  let nextHandle = 1
  let nextTask = 1
  let tick = 0
  const r6 = (x) => Math.round(x * 1e6) / 1e6

  yield {
    type: 'loop.start',
    t,
    loop,
    thread: 1,
    threadName: 'MainThread',
    cls: 'LoopscopeSelectorEventLoop'
  }
  const cbStep = 1
  const cbIo = 2
  yield { type: 'callback', t, loop, cb: cbStep, label: 'Task.__step', site: null }
  yield {
    type: 'callback',
    t,
    loop,
    cb: cbIo,
    label: '_SelectorSocketTransport._read_ready',
    site: 'asyncio/selector_events.py:960'
  }
  const ioFds = [[7, 'r', cbIo]]
  yield { type: 'io.watch', t, loop, op: 'add', fd: 7, dir: 'read', cb: cbIo }

  /** ready: [handle, task|null, cb]; timers: [handle, when, task] */
  let ready = []
  let timers = []
  const stepsLeft = new Map()
  const spawn = function* (parent) {
    const task = nextTask++
    const h = nextHandle++
    stepsLeft.set(task, 5 + Math.floor(rand() * 60))
    yield {
      type: 'task.create',
      t,
      loop,
      task,
      name: `worker-${task}`,
      coro: 'worker',
      parent,
      site: `/bench/synthetic.py:${20 + (task % 40)}`
    }
    yield { type: 'handle.schedule', t, loop, handle: h, cb: cbStep, task }
    ready.push([h, task, cbStep])
  }
  for (let i = 0; i < liveTasks; i++) yield* spawn(null)

  for (;;) {
    tick++
    const keyframe = tick % 64 === 1
    const begin = { type: 'tick.begin', t: r6(t), loop, tick }
    if (keyframe) {
      begin.ready = ready.map((r) => r[0])
      begin.timers = timers.slice(0, 200).map((x) => [x[0], r6(x[1])])
      begin.io = ioFds
    }
    yield begin
    const nextWhen = timers.length ? timers[0][1] : t + 0.01
    const timeout = ready.length ? 0 : Math.max(0, nextWhen - t)
    const waited = timeout === 0 ? 0.000004 : timeout
    t += waited
    const ioReady = rand() < 0.1
    yield {
      type: 'select',
      t: r6(t),
      loop,
      timeout: r6(timeout),
      waited: r6(waited),
      fds: ioReady ? [7] : []
    }
    if (ioReady) {
      const h = nextHandle++
      ready.push([h, null, cbIo])
      yield { type: 'handle.schedule', t: r6(t), loop, handle: h, cb: cbIo, task: null }
    }
    while (timers.length && timers[0][1] <= t) {
      const [h, , task] = timers.shift()
      ready.push([h, task, cbStep])
      yield { type: 'timer.due', t: r6(t), loop, handle: h }
    }
    const batch = ready
    ready = []
    for (const [h, task, cb] of batch) {
      yield { type: 'handle.begin', t: r6(t), loop, handle: h, cb, task, tick }
      const dur = 0.000005 + rand() * 0.00004
      t += dur
      if (task !== null) {
        const left = stepsLeft.get(task) - 1
        stepsLeft.set(task, left)
        if (left <= 0) {
          stepsLeft.delete(task)
          yield { type: 'task.state', t: r6(t), task, state: 'done', result: 'None' }
          yield { type: 'handle.end', t: r6(t), loop, handle: h, dur: r6(dur) }
          yield* spawn(task)
          continue
        }
        const nh = nextHandle++
        if (rand() < 0.5) {
          ready.push([nh, task, cbStep])
          yield { type: 'handle.schedule', t: r6(t), loop, handle: nh, cb: cbStep, task }
        } else {
          const delay = rand() * 0.01
          const when = t + delay
          let i = timers.length
          while (i > 0 && timers[i - 1][1] > when) i--
          timers.splice(i, 0, [nh, when, task])
          yield { type: 'timer.schedule', t: r6(t), loop, handle: nh, cb: cbStep, when: r6(when), task }
          yield {
            type: 'task.state',
            t: r6(t),
            task,
            state: 'waiting',
            awaiting: { kind: 'sleep', ref: nh, label: `sleep(${delay.toFixed(4)})` }
          }
        }
      }
      yield { type: 'handle.end', t: r6(t), loop, handle: h, dur: r6(dur) }
    }
    yield { type: 'tick.end', t: r6(t), loop, tick }
  }
}

/** Writes a trace of exactly `count` events (plus the header); returns bytes written. */
export function writeSyntheticTrace(path, count, opts = {}) {
  const fd = openSync(path, 'w')
  let bytes = 0
  let parts = [JSON.stringify(header())]
  let n = 0
  const flush = () => {
    const buf = Buffer.from(parts.join('\n') + '\n')
    writeSync(fd, buf)
    bytes += buf.length
    parts = []
  }
  for (const e of syntheticEvents(opts)) {
    if (n++ >= count) break
    parts.push(JSON.stringify(e))
    if (parts.length >= 20000) flush()
  }
  if (parts.length) flush()
  closeSync(fd)
  return bytes
}
