import { describe, expect, it } from 'vitest'
import { exportImage } from '../../src/host/export/render-image'
import type { TraceEvent, TraceHeader } from '../../src/shared/trace-types'

/** 40 tasks taking turns for 12,000 ticks: 180k events, far more steps than pixels. */
function denseTrace(): { header: TraceHeader; events: TraceEvent[] } {
  const header: TraceHeader = {
    type: 'header',
    format: 'loopscope-trace',
    version: 1,
    python: '3.11.7',
    pid: 1,
    argv: ['dense.py'],
    script: '/x/dense.py',
    started: '2026-11-25T08:00:00Z'
  }
  const events: TraceEvent[] = []
  let t = 100
  let handle = 0
  events.push({ type: 'loop.start', t, loop: 1, thread: 1, threadName: 'MainThread', cls: 'L' })
  for (let k = 1; k <= 40; k++) {
    events.push({
      type: 'task.create',
      t,
      loop: 1,
      task: k,
      name: `worker-${k}`,
      coro: 'worker()',
      parent: null,
      site: null
    })
  }
  events.push({ type: 'callback', t, cb: 1, label: 'Task.__step', site: null })
  for (let tick = 1; tick <= 12_000; tick++) {
    events.push({ type: 'tick.begin', t, loop: 1, tick })
    t += 0.0005
    events.push({ type: 'select', t, loop: 1, timeout: 0.0005, waited: 0.0005, fds: [] })
    for (let j = 0; j < 4; j++) {
      const task = 1 + ((tick * 4 + j) % 40)
      const dur = 0.00005
      events.push({ type: 'handle.begin', t, loop: 1, handle: ++handle, cb: 1, task, tick })
      t += dur
      events.push({
        type: 'task.state',
        t,
        task,
        state: 'waiting',
        awaiting: { kind: 'sleep', label: 'sleep(0.01)' }
      })
      events.push({ type: 'handle.end', t, loop: 1, handle, dur })
    }
    events.push({ type: 'tick.end', t, loop: 1, tick })
  }
  return { header, events }
}

describe('export of a dense trace', () => {
  it('merges sub-pixel steps so the SVG stays small and still has every lane', () => {
    const { header, events } = denseTrace()
    expect(events.length).toBeGreaterThan(170_000)
    const svg = exportImage(events, { format: 'svg', header, width: 1200 })
    // One rectangle per step would be ~100k elements and ~20 MB.
    expect(svg.length).toBeLessThan(1_000_000)
    for (const k of [1, 20, 40]) expect(svg).toContain(`>worker-${k}<`)
    expect(svg).toContain('many short steps (darker = busier)')
    expect(svg).toContain('loop idle in the selector')
  })
})
