"""The blocked-loop watchdog: a thread that notices a loop stuck inside one callback.

It reads what the loop thread keeps anyway (its phase; the start time of the running
handle, the last of `rt`) and finds the handle on the loop thread's stack, so the loop
pays nothing extra for it.
While a handle has run longer than the threshold it reports `blocked` with the loop
thread's live stack (within one more threshold of it), again every half second; the loop
writes `blocked.end` when the handle returns.
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
    from .describe import _AGENT_DIR, frame_info

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
    from .describe import _TASK_TYPES, callback_label, describe_handle, running_handle
    from .encode import new_id
    from .loop import PHASE_RUN

    st = loop._ls
    if st.phase != PHASE_RUN:
        return
    # Read from another thread: while a handle runs, `rt` holds one start more than
    # `who` (filed when it returns), and while it blocks, nothing changes.
    rt = st.rt
    index = len(rt) - 1
    if index < 0 or len(st.who) != index:
        return
    try:
        t0 = rt[index]
    except IndexError:
        return
    elapsed = now - t0
    if elapsed < threshold:
        return
    thread = st.thread
    thread_id = getattr(thread, "ident", None)
    if thread_id is None:
        return
    handle = running_handle(sys._current_frames().get(thread_id))
    if handle is None:
        return
    last = st.blocked_last
    same = last is not None and last[0] == index and last[2] == t0
    if same and st.blocked_at is not None and now - st.blocked_at < REPEAT_S:
        return
    if same:
        hid = last[1]
    else:
        tok = st.timer_tok.get(id(handle))
        hid = -tok if tok is not None else new_id()
    task = None
    owner = getattr(handle._callback, "__self__", None)
    if owner is not None and isinstance(owner, _TASK_TYPES):
        rec = st.tasks.get(id(owner))
        if rec is not None and rec[1]() is owner:
            task = rec[0]
    stack = _stack_of(thread_id)
    event = {
        "type": ev.BLOCKED, "t": round(t0 - loop._ls_paused + elapsed, 6), "loop": st.id,
        "handle": hid, "task": task, "elapsed": round(elapsed, 6), "stack": stack,
        "label": callback_label(handle._callback), "handleRepr": describe_handle(handle),
    }
    lines = dumps(event) + "\n"
    if not same:
        where = stack[-1] if stack else None
        message = "the loop is blocked in %s for %.1f s" % (describe_handle(handle), elapsed)
        if where:
            message += " at %s:%d" % (where["file"], where["line"])
        lines += dumps({"type": ev.PROBLEM, "t": event["t"], "loop": st.id, "kind": "blocked",
                        "message": message, "handle": hid, "task": task, "stack": stack}) + "\n"
    writer = get_writer()
    writer.push(lines)
    writer.flush()
    # Filed for the loop thread only now, after the report is written (so `blocked.end`
    # cannot precede it in the file), and only by one append: the loop may have gone on
    # since it was read above (this thread can lose the GIL anywhere), so what the report
    # names is checked, and its end found, by the loop thread (LoopTrace._end_blocked).
    if not same:
        report = [index, hid, t0]
        st.blocked_last = report
        st.blocked.append(report)
    st.blocked_at = now


def _run():
    while True:
        threshold = settings.blocked_ms / 1000.0
        # Once per threshold: a block is reported between one and two thresholds after it
        # began. Each wake-up takes the GIL from the program, which costs it far more than
        # this thread's own few microseconds (measured: 1.4 ms of a busy loop's time per
        # wake-up on a 2-core VM), so the thread wakes as rarely as the threshold allows.
        time.sleep(min(max(threshold, 0.005), 1.0))
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
