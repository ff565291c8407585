/** True when `root`'s build (out/) is missing or older than a source file. */
export function buildIsStale(root: string): boolean
