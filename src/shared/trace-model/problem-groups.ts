// The Problems list's rows: problems that are the same problem again (a blocking call on a
// path the program takes every second, a task that fails the same way each time it is made)
// are one row with a count, so a long run does not bury its few distinct problems under
// hundreds of copies. Plain TypeScript: unit tests run it in Node.

import { SpanKind, type Problem } from './model-types'
import { frameSite, type TraceModel } from './trace-model'

/** Problems that are one problem again and again, oldest first. */
export interface ProblemGroup {
  key: string
  /** Ids of the problems in the group, in the order they came. */
  readonly ids: number[]
}

/** What a problem's key needs of the model: its tasks, spans and callbacks. */
export type ProblemContext = Pick<
  TraceModel,
  'tasks' | 'spans' | 'handleInfo' | 'callbackLabel' | 'callbackSite'
>

/** A message with its numbers taken out: "item 7 failed after 0.31 s" and "item 9…" read alike. */
function withoutNumbers(message: string): string {
  return message.replace(/\d+(?:\.\d+)?/g, '#')
}

/** The innermost frame of a problem's stack, as file:line (the program's line where it blocked). */
function innermost(p: Problem): string {
  return p.stack && p.stack.length ? frameSite(p.stack[p.stack.length - 1]) : ''
}

/** What ran: a task's coroutine and where the task was made, else the callback and its source. */
function what(p: Problem, model: ProblemContext): string {
  let taskId = p.task
  if (taskId === null && p.handle !== null) taskId = model.handleInfo(p.handle).task
  const task = taskId !== null ? model.tasks.get(taskId) : undefined
  if (task) return `task ${task.coro} made at ${task.site ?? '?'}`
  if (
    p.span !== null &&
    (model.spans.kind.data[p.span] === SpanKind.Run || model.spans.kind.data[p.span] === SpanKind.Callback)
  ) {
    const cb = model.spans.ref.data[p.span]
    return `callback ${model.callbackLabel(cb)} at ${model.callbackSite(cb) ?? '?'}`
  }
  if (p.handle !== null) {
    const h = model.handleInfo(p.handle)
    if (h.cb >= 0) return `callback ${h.label} at ${h.site ?? '?'}`
  }
  return ''
}

/**
 * Problems with one key are one problem: a block at the same line of the program (or, without
 * a stack, by the same coroutine or callback), a slow run of the same code, a failure of tasks
 * of one coroutine made at one place with one exception type, and otherwise the same message
 * but for its numbers. The kind is always part of it.
 */
export function problemKey(p: Problem, model: ProblemContext): string {
  switch (p.kind) {
    case 'blocked':
      return `blocked|${innermost(p) || what(p, model) || withoutNumbers(p.message)}`
    case 'slow-callback':
      return `slow-callback|${what(p, model) || withoutNumbers(p.message)}`
    case 'task-failed': {
      const task = p.task !== null ? model.tasks.get(p.task) : undefined
      if (task) return `task-failed|${task.coro}|${task.site ?? '?'}|${task.exc?.type ?? ''}`
      return `task-failed|${withoutNumbers(p.message)}`
    }
    default:
      return `${p.kind}|${innermost(p)}|${withoutNumbers(p.message)}`
  }
}

/**
 * The groups of a model's problems, kept up to date as problems come: new problems join their
 * group (or open one) without the others being looked at again; a change to a problem already
 * grouped (TraceModel.problemEdits) or another model regroups them all. `groups` is a new
 * array whenever it changed (so a view that compares it by identity sees the change) and the
 * same one otherwise.
 */
export class ProblemGrouper {
  groups: readonly ProblemGroup[] = []
  private model: TraceModel | null = null
  private count = 0
  private edits = -1
  private byKey = new Map<string, ProblemGroup>()
  private byId: ProblemGroup[] = []

  /** Brings the groups up to `model`'s problems; returns `groups`. */
  sync(model: TraceModel): readonly ProblemGroup[] {
    if (model !== this.model || model.problemEdits !== this.edits || model.problems.length < this.count) {
      this.model = model
      this.edits = model.problemEdits
      this.count = 0
      this.byKey = new Map()
      this.byId = []
      this.groups = []
    }
    const problems = model.problems
    if (this.count === problems.length) return this.groups
    const list = this.groups.slice()
    for (let i = this.count; i < problems.length; i++) {
      const p = problems[i]
      const key = problemKey(p, model)
      let g = this.byKey.get(key)
      if (!g) {
        g = { key, ids: [] }
        this.byKey.set(key, g)
        list.push(g)
      }
      g.ids.push(p.id)
      this.byId[p.id] = g
    }
    this.count = problems.length
    this.groups = list
    return list
  }

  /** The group of problem `id` (as of the last sync). */
  groupOf(id: number): ProblemGroup | null {
    return this.byId[id] ?? null
  }
}
