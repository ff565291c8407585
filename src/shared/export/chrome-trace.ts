// Converts a Loopscope trace into Chrome Trace Event JSON, the format Perfetto and
// chrome://tracing load (the "JSON Object Format" of the Trace Event Format document).
// Each task becomes a thread so Perfetto draws it as its own track, like our swimlanes.

import type { TraceEvent, TraceHeader } from '../trace-types'
import { BatchExpander } from '../trace-model/batch'

export interface ChromeTraceEvent {
  name: string
  ph: 'X' | 'M' | 'C' | 'i' | 's' | 'f'
  pid: number
  tid: number
  ts?: number
  dur?: number
  cat?: string
  id?: number
  bp?: 'e'
  s?: 'g' | 'p' | 't'
  args?: Record<string, unknown>
}

export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[]
  displayTimeUnit: 'ms'
  /** Free-form metadata; Perfetto shows it, chrome://tracing ignores it. */
  otherData: Record<string, string | number>
}

/** A thread (track) per task; loops and their plain callbacks get one track each too. */
const LOOP_TID_BASE = 1_000_000
const CALLBACKS_TID_OFFSET = 500_000

interface OpenHandle {
  handle: number
  cb: number
  task: number | null
  start: number
  tid: number
}

/**
 * Steps are complete events: Perfetto needs a non-zero duration to draw them, so a step
 * that the clock measured as 0 is given 1 µs rather than dropped.
 */
const MIN_DUR_US = 1

export function toChromeTrace(input: readonly TraceEvent[], header: TraceHeader | null = null): ChromeTrace {
  const events = new BatchExpander().expandAll(input)
  const pid = header?.pid ?? 1
  const out: ChromeTraceEvent[] = []
  const t0 = events.length ? events[0].t : 0
  const us = (t: number): number => Math.round((t - t0) * 1e9) / 1e3

  const cbLabels = new Map<number, string>()
  const taskNames = new Map<number, string>()
  const taskLoop = new Map<number, number>()
  const loopsSeen = new Set<number>()
  const callbackTracks = new Set<number>()
  const open = new Map<number, OpenHandle>() // per loop: the handle running now
  // Which task's step scheduled a handle: the waker of the task that handle resumes.
  const scheduledBy = new Map<number, { tid: number; ts: number }>()
  const awaiting = new Map<number, string>()
  const ready = new Map<number, number[]>()
  const timers = new Map<number, Set<number>>()
  let flowId = 0
  let sortIndex = 0

  const loopTid = (loop: number): number => LOOP_TID_BASE + loop
  const callbacksTid = (loop: number): number => LOOP_TID_BASE + CALLBACKS_TID_OFFSET + loop
  const meta = (tid: number, name: string): void => {
    out.push({ name: 'thread_name', ph: 'M', pid, tid, args: { name } })
    out.push({ name: 'thread_sort_index', ph: 'M', pid, tid, args: { sort_index: sortIndex++ } })
  }
  const ensureLoop = (loop: number, threadName?: string): void => {
    if (loopsSeen.has(loop)) return
    loopsSeen.add(loop)
    meta(loopTid(loop), `event loop ${loop}${threadName ? ` (${threadName})` : ''}`)
    ready.set(loop, [])
    timers.set(loop, new Set())
  }
  const ensureCallbacks = (loop: number): number => {
    const tid = callbacksTid(loop)
    if (!callbackTracks.has(loop)) {
      callbackTracks.add(loop)
      meta(tid, `callbacks (loop ${loop})`)
    }
    return tid
  }
  // Counters belong to the process in Chrome's model, so with several loops the loop goes in the name.
  const loopCount = new Set(events.map((e) => e.loop).filter((l) => l != null)).size
  const counterName = (name: string, loop: number): string =>
    loopCount > 1 ? `${name} (loop ${loop})` : name
  const counters = (loop: number, t: number): void => {
    const ts = us(t)
    const tid = loopTid(loop)
    out.push({
      name: counterName('ready queue', loop),
      ph: 'C',
      pid,
      tid,
      ts,
      args: { size: ready.get(loop)?.length ?? 0 }
    })
    out.push({
      name: counterName('timer heap', loop),
      ph: 'C',
      pid,
      tid,
      ts,
      args: { size: timers.get(loop)?.size ?? 0 }
    })
  }
  const removeReady = (loop: number, handle: number): boolean => {
    const q = ready.get(loop)
    if (!q) return false
    const i = q.indexOf(handle)
    if (i < 0) return false
    q.splice(i, 1)
    return true
  }

  for (const e of events) {
    switch (e.type) {
      case 'loop.start':
        ensureLoop(e.loop, e.threadName)
        break
      case 'callback':
        cbLabels.set(e.cb, e.label)
        break
      case 'task.create': {
        ensureLoop(e.loop)
        taskNames.set(e.task, e.name)
        taskLoop.set(e.task, e.loop)
        meta(e.task, `${e.name} ${e.coro}`.trim())
        break
      }
      case 'tick.begin': {
        ensureLoop(e.loop)
        // A keyframe replaces the rebuilt queues, as docs/trace-format.md says readers must.
        if (e.ready) ready.set(e.loop, e.ready.slice())
        if (e.timers) timers.set(e.loop, new Set(e.timers.map(([h]) => h)))
        counters(e.loop, e.t)
        break
      }
      case 'select': {
        ensureLoop(e.loop)
        // The selector reports after it returns, so the wait ends at t.
        const dur = e.waited * 1e6
        if (dur >= MIN_DUR_US) {
          out.push({
            name: 'select',
            cat: 'loop',
            ph: 'X',
            pid,
            tid: loopTid(e.loop),
            ts: Math.max(0, us(e.t) - dur),
            dur: Math.round(dur * 1e3) / 1e3,
            args: { timeout: e.timeout, waited: e.waited, fds: e.fds }
          })
        }
        break
      }
      case 'handle.schedule': {
        ensureLoop(e.loop)
        ready.get(e.loop)!.push(e.handle)
        const running = open.get(e.loop)
        if (running && e.task != null && running.task !== e.task) {
          scheduledBy.set(e.handle, { tid: running.tid, ts: us(e.t) })
        }
        break
      }
      case 'timer.schedule':
        ensureLoop(e.loop)
        timers.get(e.loop)!.add(e.handle)
        break
      case 'timer.due':
        ensureLoop(e.loop)
        if (timers.get(e.loop)!.delete(e.handle)) ready.get(e.loop)!.push(e.handle)
        break
      case 'timer.cancel':
        ensureLoop(e.loop)
        if (!timers.get(e.loop)!.delete(e.handle)) removeReady(e.loop, e.handle)
        break
      case 'handle.begin': {
        ensureLoop(e.loop)
        removeReady(e.loop, e.handle)
        const task = e.task ?? null
        const tid = task != null && taskNames.has(task) ? task : ensureCallbacks(e.loop)
        open.set(e.loop, { handle: e.handle, cb: e.cb, task, start: e.t, tid })
        const waker = scheduledBy.get(e.handle)
        if (waker && task != null) {
          scheduledBy.delete(e.handle)
          const id = ++flowId
          const name = awaiting.get(task) ?? 'wakes'
          out.push({ name, cat: 'await', ph: 's', id, pid, tid: waker.tid, ts: waker.ts })
          out.push({ name, cat: 'await', ph: 'f', bp: 'e', id, pid, tid, ts: us(e.t) })
        }
        break
      }
      case 'handle.end': {
        const loop = e.loop
        const h = open.get(loop)
        if (!h || h.handle !== e.handle) break
        open.delete(loop)
        const label = cbLabels.get(h.cb) ?? `callback ${h.cb}`
        const name = h.task != null && taskNames.has(h.task) ? `step ${taskNames.get(h.task)}` : label
        out.push({
          name,
          cat: h.task != null ? 'task' : 'callback',
          ph: 'X',
          pid,
          tid: h.tid,
          ts: us(h.start),
          dur: Math.max(MIN_DUR_US, Math.round(e.dur * 1e9) / 1e3),
          args: { handle: h.handle, callback: label, ...(h.task != null ? { task: h.task } : {}) }
        })
        break
      }
      case 'task.state': {
        if (e.state === 'waiting') awaiting.set(e.task, e.awaiting?.label ?? 'waiting')
        else if (e.state !== 'running') {
          awaiting.delete(e.task)
          const tid = taskNames.has(e.task) ? e.task : loopTid(taskLoop.get(e.task) ?? 0)
          const detail =
            e.state === 'failed' && e.exc
              ? `${e.exc.type}: ${e.exc.message}`
              : (e.result ?? e.cancelMsg ?? '')
          out.push({ name: e.state, cat: 'task', ph: 'i', s: 't', pid, tid, ts: us(e.t), args: { detail } })
        }
        break
      }
      case 'output': {
        const first = e.data.split('\n', 1)[0]
        const name = first.length > 60 ? `${first.slice(0, 59)}…` : first || '(blank line)'
        out.push({
          name,
          cat: e.stream,
          ph: 'i',
          s: 'p',
          pid,
          tid: 0,
          ts: us(e.t),
          args: { stream: e.stream, data: e.data }
        })
        break
      }
      case 'blocked': {
        out.push({
          name: 'loop blocked',
          cat: 'problem',
          ph: 'i',
          s: 'p',
          pid,
          tid: loopTid(e.loop),
          ts: us(e.t),
          args: { elapsed: e.elapsed, stack: e.stack.map((f) => `${f.file}:${f.line} ${f.func}`) }
        })
        break
      }
      case 'problem': {
        out.push({
          name: e.kind,
          cat: 'problem',
          ph: 'i',
          s: 'p',
          pid,
          tid: 0,
          ts: us(e.t),
          args: { message: e.message }
        })
        break
      }
      case 'exit': {
        out.push({
          name: 'exit',
          cat: 'process',
          ph: 'i',
          s: 'p',
          pid,
          tid: 0,
          ts: us(e.t),
          args: { code: e.code, signal: e.signal }
        })
        break
      }
      default:
        break
    }
  }

  // Steps still running when the trace ends (a crash, a truncated file) close at its end.
  const lastT = events.length ? events[events.length - 1].t : t0
  for (const h of open.values()) {
    out.push({
      name: h.task != null ? `step ${taskNames.get(h.task)}` : (cbLabels.get(h.cb) ?? `callback ${h.cb}`),
      cat: 'unfinished',
      ph: 'X',
      pid,
      tid: h.tid,
      ts: us(h.start),
      dur: Math.max(MIN_DUR_US, us(lastT) - us(h.start)),
      args: { handle: h.handle, unfinished: true }
    })
  }

  const processName = header?.script ? (header.script.split(/[\\/]/).pop() ?? header.script) : 'python'
  out.unshift({
    name: 'process_name',
    ph: 'M',
    pid,
    tid: 0,
    args: { name: `${processName} (Python ${header?.python ?? '?'})` }
  })

  return {
    traceEvents: out,
    displayTimeUnit: 'ms',
    otherData: {
      generator: 'loopscope',
      script: header?.script ?? '',
      python: header?.python ?? '',
      started: header?.started ?? '',
      loopTimeOrigin: t0
    }
  }
}
