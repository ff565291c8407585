// Commands the host sends to the agent, one JSON object per line on the command channel
// (fd 4 on POSIX, told to the agent by LOOPSCOPE_CMD_FD). Described in docs/trace-format.md.

export interface Breakpoints {
  /** Hold when a task whose name is listed starts a step; '*' for any task. */
  taskStep?: string[]
  taskFailed?: boolean
  taskCancelled?: boolean
  timerFires?: boolean
  /** Hold at the end of a callback that blocked the loop longer than this many ms. */
  blockedMs?: number | null
  fdReady?: boolean
}

export type AgentCommand =
  | { cmd: 'pause'; loop?: number }
  | { cmd: 'resume'; loop?: number }
  | { cmd: 'step-tick'; loop?: number }
  | { cmd: 'step-callback'; loop?: number }
  | { cmd: 'stacks'; loop?: number }
  | { cmd: 'breakpoints'; breakpoints: Breakpoints }
  | { cmd: 'config'; blockedThresholdMs?: number }

/** Environment variables through which the host configures the agent. */
export const AGENT_ENV = {
  eventFd: 'LOOPSCOPE_EVENT_FD',
  commandFd: 'LOOPSCOPE_CMD_FD',
  pauseAtStart: 'LOOPSCOPE_PAUSE_AT_START',
  blockedMs: 'LOOPSCOPE_BLOCKED_MS',
  compat: 'LOOPSCOPE_COMPAT',
  /** The breakpoints in force when the run starts (JSON of Breakpoints). */
  breakpoints: 'LOOPSCOPE_BREAKPOINTS'
} as const
