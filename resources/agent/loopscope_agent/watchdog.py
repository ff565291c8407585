"""The blocked-loop watchdog: a thread that notices a loop stuck inside one callback.

It reads what the loop thread publishes anyway (`_ls_phase`, and `_ls_cur` = the
`(handle, start)` entry of the running handle), so the loop pays nothing extra for it.
While a handle has run longer than the threshold it reports `blocked` with the loop
thread's live stack, again every half second; the loop writes `blocked.end` when the
handle returns.
"""

import sys
import time

from . import events as ev
from .control import registry, settings
from .writer import dumps, get_writer

_mono = time.monotonic
_started = False
REPEAT_S = 0.5


def _stack_of(thread_id):
    from .encode import _AGENT_DIR, frame_info

    frame = sys._current_frames().get(thread_id)
    frames = []
    while frame is not None:
        if frame.f_code.co_filename.startswith(_AGENT_DIR):
            break
        frames.append(frame)
        frame = frame.f_back
    frames.reverse()
    return [frame_info(f) for f in frames]


def _check(loop, now, threshold):
    from .loop import PHASE_RUN

    entry = loop._ls_cur
    if entry is None or loop._ls_phase != PHASE_RUN:
        return
    handle, t0 = entry
    elapsed = now - t0
    if elapsed < threshold:
        return
    reported = loop._ls_blocked_at
    if loop._ls_blocked is entry and reported is not None and now - reported < REPEAT_S:
        return
    thread = loop._ls_thread
    thread_id = getattr(thread, "ident", None)
    if thread_id is None:
        return
    from .encode import callback_label, describe_handle

    state = loop._ls_state
    hid = state.handle_id(handle)
    task = None
    owner = getattr(handle._callback, "__self__", None)
    from .encode import _TASK_TYPES

    if owner is not None and isinstance(owner, _TASK_TYPES):
        rec = state.tasks.get(id(owner))
        if rec is not None and rec[1]() is owner:
            task = rec[0]
    stack = _stack_of(thread_id)
    first = loop._ls_blocked is not entry
    loop._ls_blocked = entry
    loop._ls_blocked_at = now
    event = {
        "type": ev.BLOCKED, "t": round(t0 - loop._ls_paused + elapsed, 6), "loop": loop._ls_id,
        "handle": hid, "task": task, "elapsed": round(elapsed, 6), "stack": stack,
        "label": callback_label(handle._callback), "handleRepr": describe_handle(handle),
    }
    lines = dumps(event) + "\n"
    if first:
        where = stack[-1] if stack else None
        message = "the loop is blocked in %s for %.1f s" % (describe_handle(handle), elapsed)
        if where:
            message += " at %s:%d" % (where["file"], where["line"])
        lines += dumps({"type": ev.PROBLEM, "t": event["t"], "loop": loop._ls_id, "kind": "blocked",
                        "message": message, "handle": hid, "task": task, "stack": stack}) + "\n"
    writer = get_writer()
    writer.push(lines)
    writer.flush()


def _run():
    while True:
        threshold = settings.blocked_ms / 1000.0
        time.sleep(min(max(threshold / 4.0, 0.005), 0.05))
        now = _mono()
        for loop in registry.all():
            try:
                _check(loop, now, threshold)
            except Exception:
                continue


def ensure_started():
    global _started
    if _started:
        return
    _started = True
    import _thread

    _thread.start_new_thread(_run, ())
