// Lane order: per loop (in start order) the selector-wait lane, the plain-callbacks lane,
// then its tasks in creation order with children grouped under their parent task;
// executor worker threads last. Collapsed tasks hide their descendants.

import type { LaneRow } from './model-types'
import type { TraceModel } from './trace-model'

export function orderLanes(model: TraceModel, collapsed: ReadonlySet<number> = new Set()): LaneRow[] {
  const rows: LaneRow[] = []
  const children = new Map<number | null, number[]>()
  const tasksByLoop = new Map<number, number[]>()
  for (const task of model.tasks.values()) {
    const parent =
      task.parent !== null && model.tasks.get(task.parent)?.loop === task.loop ? task.parent : null
    if (parent === null) {
      let roots = tasksByLoop.get(task.loop)
      if (!roots) tasksByLoop.set(task.loop, (roots = []))
      roots.push(task.id)
    } else {
      let list = children.get(parent)
      if (!list) children.set(parent, (list = []))
      list.push(task.id)
    }
  }
  const bySeq = (a: number, b: number): number => model.tasks.get(a)!.seq - model.tasks.get(b)!.seq

  const visit = (taskId: number, depth: number): void => {
    const task = model.tasks.get(taskId)!
    const kids = children.get(taskId)
    const isCollapsed = collapsed.has(taskId)
    rows.push({
      lane: task.lane,
      depth,
      hasChildren: !!kids && kids.length > 0,
      collapsed: isCollapsed && !!kids && kids.length > 0,
      label: model.lanes[task.lane].label,
      kind: 'task'
    })
    if (!kids || isCollapsed) return
    kids.sort(bySeq)
    for (const k of kids) visit(k, depth + 1)
  }

  for (const loop of model.loops.values()) {
    for (const lane of [loop.selectLane, loop.callbacksLane]) {
      const l = model.lanes[lane]
      rows.push({ lane, depth: 0, hasChildren: false, collapsed: false, label: l.label, kind: l.kind })
    }
    const roots = tasksByLoop.get(loop.id) ?? []
    roots.sort(bySeq)
    for (const r of roots) visit(r, 0)
  }
  const executors = model.lanes.filter((l) => l.kind === 'executor').sort((a, b) => a.seq - b.seq)
  for (const l of executors)
    rows.push({
      lane: l.index,
      depth: 0,
      hasChildren: false,
      collapsed: false,
      label: l.label,
      kind: 'executor'
    })
  return rows
}
