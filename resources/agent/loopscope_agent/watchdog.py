"""The blocked-loop watchdog: a thread that notices a loop stuck inside one callback.

It reads what the loop thread keeps anyway (`_ls_phase`; the running handle, the newest
run in `_ls_buf`; its start time, the last of `_ls_rt`), so the loop pays nothing extra for it.
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


def _running_handle(buf):
    """The handle the loop runs now: the newest run in its buffer, which is a handle (not
    yet a record or a tuple) until it returns. Read from another thread: the list only
    grows while the loop runs handles."""
    from asyncio import events

    try:
        for k in range(len(buf) - 1, max(-1, len(buf) - 4096), -1):
            e = buf[k]
            if type(e) is tuple or type(e) is list:
                continue
            return e if isinstance(e, events.Handle) else None
    except IndexError:
        pass
    return None


def _check(loop, now, threshold):
    from .loop import PHASE_RUN

    if loop._ls_phase != PHASE_RUN:
        return
    try:
        t0 = loop._ls_rt[-1]
    except IndexError:
        return
    elapsed = now - t0
    if elapsed < threshold:
        return
    handle = _running_handle(loop._ls_buf)
    if handle is None:
        return
    reported = loop._ls_blocked_at
    if loop._ls_blocked is handle and reported is not None and now - reported < REPEAT_S:
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
    first = loop._ls_blocked is not handle
    loop._ls_blocked = handle
    loop._ls_blocked_t0 = t0
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
