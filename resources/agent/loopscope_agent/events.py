"""The one list of trace event names the agent writes (docs/trace-format.md).

src/shared/trace-types.ts mirrors these names; keep the three in step.
"""

HEADER = "header"
LOOP_START = "loop.start"
LOOP_STOP = "loop.stop"
LOOP_CLOSE = "loop.close"
CALLBACK = "callback"
TICK_BEGIN = "tick.begin"
TICK_END = "tick.end"
SELECT = "select"
HANDLE_SCHEDULE = "handle.schedule"
TIMER_SCHEDULE = "timer.schedule"
TIMER_CANCEL = "timer.cancel"
TIMER_DUE = "timer.due"
HANDLE_BEGIN = "handle.begin"
HANDLE_END = "handle.end"
TASK_CREATE = "task.create"
TASK_STATE = "task.state"
IO_WATCH = "io.watch"
EXECUTOR_SUBMIT = "executor.submit"
EXECUTOR_DONE = "executor.done"
BLOCKED = "blocked"
BLOCKED_END = "blocked.end"
PROBLEM = "problem"
NOTICE = "notice"
PAUSED = "paused"
RESUMED = "resumed"
STACKS = "stacks"
DROPPED = "dropped"

ALL = frozenset(
    value for name, value in dict(globals()).items() if name.isupper() and isinstance(value, str)
)

FORMAT = "loopscope-trace"
VERSION = 1
