// What the Problems list and the inspector call each kind of problem, and in which colour.
import type { ProblemKind } from '@shared/trace-types'

const TITLES: Record<ProblemKind, string> = {
  blocked: 'Blocked loop',
  'slow-callback': 'Slow callback',
  'never-retrieved': 'Exception never retrieved',
  'never-awaited': 'Coroutine never awaited',
  'task-failed': 'Task failed',
  other: 'Problem'
}

/** The title of a problem of `kind` (a kind this build does not know keeps its own name). */
export function problemTitle(kind: string): string {
  return (TITLES as Record<string, string>)[kind] ?? kind
}

const WARNINGS: ReadonlySet<string> = new Set<ProblemKind>(['never-awaited', 'slow-callback', 'other'])

/** `warning` for what may be harmless (a slow callback, a coroutine never awaited), else `danger`. */
export function problemSeverity(kind: string): 'danger' | 'warning' {
  return WARNINGS.has(kind) ? 'warning' : 'danger'
}
