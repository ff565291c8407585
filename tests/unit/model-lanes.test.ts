import { describe, expect, it } from 'vitest'
import { TraceModel } from '../../src/shared/trace-model/trace-model'
import { orderLanes } from '../../src/shared/trace-model/lane-order'
import type { TraceEvent } from '../../src/shared/trace-types'
import { loadFixture } from './model-helpers'

const create = (task: number, parent: number | null, name: string, loop = 1): TraceEvent => ({
  type: 'task.create',
  t: task,
  loop,
  task,
  name,
  coro: name,
  parent,
  site: null
})

describe('lane ordering', () => {
  it('orders the selector and callbacks lanes first, then tasks under their parent, executors last', () => {
    const rows = orderLanes(loadFixture('model-basic.ndjson'))
    expect(rows.map((r) => [r.label, r.depth])).toEqual([
      ['selector wait', 0],
      ['callbacks', 0],
      ['main', 0],
      ['worker-a', 1],
      ['worker-b', 1],
      ['ThreadPoolExecutor-0_0', 0]
    ])
  })

  it('groups a child under its parent even when other tasks were created in between', () => {
    const m = new TraceModel()
    m.ingest([
      create(1, null, 'a'),
      create(2, null, 'b'),
      create(3, 1, 'a-child'),
      create(4, 3, 'a-grandchild')
    ])
    expect(
      orderLanes(m)
        .filter((r) => r.kind === 'task')
        .map((r) => `${'.'.repeat(r.depth)}${r.label}`)
    ).toEqual(['a', '.a-child', '..a-grandchild', 'b'])
  })

  it('hides the descendants of a collapsed task', () => {
    const m = new TraceModel()
    m.ingest([
      create(1, null, 'a'),
      create(2, null, 'b'),
      create(3, 1, 'a-child'),
      create(4, 3, 'a-grandchild')
    ])
    const rows = orderLanes(m, new Set([1])).filter((r) => r.kind === 'task')
    expect(rows.map((r) => r.label)).toEqual(['a', 'b'])
    expect(rows[0]).toMatchObject({ hasChildren: true, collapsed: true })
  })

  it('gives each loop its own selector and callbacks lanes, labelled by loop', () => {
    const m = new TraceModel()
    m.ingest([
      { type: 'loop.start', t: 0, loop: 1, thread: 1, threadName: 'MainThread', cls: 'L' },
      create(1, null, 'one', 1),
      { type: 'loop.start', t: 0, loop: 2, thread: 2, threadName: 'worker', cls: 'L' },
      create(2, 1, 'two', 2)
    ])
    expect(orderLanes(m).map((r) => r.label)).toEqual([
      'selector wait · loop 1',
      'callbacks · loop 1',
      'one',
      'selector wait · loop 2',
      'callbacks · loop 2',
      'two'
    ])
  })
})
