"""Turns a loop's buffer of raw tuples into NDJSON lines, once per tick.

Everything the hot path skipped happens here: handle and task ids, callback labels (one
`callback` event per distinct callback), durations (a handle ends where the next thing
the loop did begins), task states read without side effects (`_state`, `_fut_waiter`,
`_exception`; never `exception()`, which would silence "never retrieved").
"""

import asyncio
import collections
import functools
import itertools
import operator
import os
import reprlib
import sys
import threading
import time
import traceback
import types
import weakref
from asyncio import base_events, futures, tasks

from . import events as ev
from .writer import dumps, get_writer

_TimerHandle = asyncio.TimerHandle
_FunctionType = types.FunctionType
_sub = operator.sub
_mul = operator.mul
_is = operator.is_
_repeat = itertools.repeat
_islice = itertools.islice
_consume = collections.deque
_item0 = operator.itemgetter(0)
_item3 = operator.itemgetter(3)
_TASK_TYPES = tuple({tasks.Task, getattr(tasks, "_PyTask", tasks.Task)})
_GATHERING = getattr(tasks, "_GatheringFuture", ())
_SLEEP_CALLBACK = futures._set_result_unless_cancelled
_ASYNCIO_DIR = os.path.dirname(asyncio.__file__) + os.sep
_AGENT_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_format_handle = base_events._format_handle

_repr = reprlib.Repr()
_repr.maxstring = 200
_repr.maxother = 200

# Op codes of a `batch` event (docs/trace-format.md; src/shared/trace-model/batch.ts).
OP_TICK = 0
OP_RUN = 1
OP_SELECT = 2
OP_DUE = 3
OP_SKIP = 4
OP_CANCEL = 5
OP_TIMER = 6
OP_TICK_END = 7
OP_SLEEP = 8
OP_WAIT = 9
OP_RUNS = 10

# Runs whose handle never needed an id before take consecutive ids from a block of their
# own (the `runs` op names its first); blocks are far above the ids `new_id` gives.
RUN_BLOCK_BITS = 16
RUN_BLOCK_MAX = (1 << RUN_BLOCK_BITS) - 1
RUN_ID_BASE = 1 << 40
_run_blocks = itertools.count(0)

# Pending ops are written as one `batch` line when there are this many (or when the loop
# may sleep, holds, stops): big enough that JSON encoding and writes are amortised.
BATCH_OPS = 4096

_LOCK_KINDS = {
    "Lock": "lock",
    "Event": "event",
    "Condition": "condition",
    "Semaphore": "semaphore",
    "BoundedSemaphore": "semaphore",
}


def _fmt_t(value):
    return "null" if value is None else "%.6f" % value


def callback_label(cb):
    """`module.qualname` of what a handle calls, as asyncio's own reprs name it."""
    if isinstance(cb, functools.partial):
        return "partial(%s)" % callback_label(cb.func)
    qualname = getattr(cb, "__qualname__", None)
    if qualname is None:
        return type(cb).__qualname__
    module = getattr(cb, "__module__", None)
    if module and module != "builtins":
        return "%s.%s" % (module, qualname)
    return qualname


def callback_site(cb):
    while isinstance(cb, functools.partial):
        cb = cb.func
    code = getattr(getattr(cb, "__func__", cb), "__code__", None)
    if code is None:
        return None
    return "%s:%d" % (code.co_filename, code.co_firstlineno)


def callback_key(cb):
    """What makes two callbacks "the same" for labelling: code, not closures or
    instances, which a key must never keep alive (tests of CPython check for leaks)."""
    func = getattr(cb, "__func__", None)
    if func is not None:
        cb = func
    code = getattr(cb, "__code__", None)
    if code is not None:
        return code
    if isinstance(cb, functools.partial):
        return (functools.partial, callback_key(cb.func))
    owner = getattr(cb, "__self__", None)
    if owner is not None and not isinstance(owner, type(sys)):
        return (type(owner), getattr(cb, "__name__", None))
    if owner is not None:
        return cb
    return type(cb)


def coro_name(coro):
    name = getattr(coro, "__qualname__", None)
    if name is None:
        name = type(coro).__qualname__
    return name


def _user_frame(frame):
    name = frame.f_code.co_filename
    return not (name.startswith(_ASYNCIO_DIR) or name.startswith(_AGENT_DIR))


def coro_stack(coro):
    """The await chain of a suspended coroutine, outermost first."""
    frames = []
    seen = 0
    while coro is not None and seen < 64:
        seen += 1
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            break
        frames.append(frame)
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return frames


def frame_info(frame, lineno=None):
    import linecache

    code = frame.f_code
    line = frame.f_lineno if lineno is None else lineno
    info = {"file": code.co_filename, "line": line, "func": code.co_name}
    text = linecache.getline(code.co_filename, line).strip()
    if text:
        info["code"] = text
    return info


def task_coro(task):
    try:
        return task.get_coro()
    except Exception:
        return None


def task_stack(task):
    return [frame_info(f) for f in coro_stack(task_coro(task))]


class LoopEncodeState:
    def __init__(self, loop):
        self.loop = loop
        self.hids = {}
        self.cbs = {}
        # id(task) -> [task id, weakref, last waiting key, callback id]. Only live tasks
        # are in here (a weakref callback removes the dead), so an id() is never stale;
        # weak so that we never keep a task alive ("Task was destroyed but it is pending").
        self.tasks = {}
        self.sleep_timers = {}
        self.exec_jobs = {}
        # Who cancelled a task (task id of the canceller), until the task's end is written.
        self.cancelled_by = {}
        # The pending batch: op lists and whole events (dicts), in order.
        self.ops = []
        # Roughly how many ops (a run counts one) wait in `ops`.
        self.weight = 0
        self.base_m = 0.0
        self.last_us = 0
        self.await_cache = {}

    def clear(self):
        self.hids.clear()
        self.sleep_timers.clear()
        self.exec_jobs.clear()

    # -- ids ---------------------------------------------------------------------------

    def handle_id(self, handle):
        """A handle's id, given on first need. `hids` is keyed by id(), not by the handle:
        TimerHandle hashes and compares in Python (by deadline), which cost more than the
        rest of a lookup. The value holds the handle, so its id() cannot be reused."""
        found = self.hids.get(id(handle))
        if found is None:
            from .loop import new_id

            found = self.hids[id(handle)] = (new_id(), handle)
        return found[0]

    def task_record(self, task, out, t, parent=None, site=None, coro=None):
        rec = self.tasks.get(id(task))
        if rec is not None:
            return rec
        from .loop import new_id

        tid = new_id()
        key = id(task)
        tasks = self.tasks

        def _gone(_ref, key=key, tid=tid):
            rec = tasks.get(key)
            if rec is not None and rec[0] == tid:
                del tasks[key]

        try:
            ref = weakref.ref(task, _gone)
        except TypeError:
            ref = lambda task=task: task  # noqa: E731 - a task type without weakrefs
        if coro is None:
            coro = task_coro(task)
        name_of_coro = coro_name(coro) if coro is not None else "Task"
        cid = new_id()
        rec = tasks[key] = [tid, ref, None, cid]
        parent_id = None
        if parent is not None and parent is not task:
            parent_id = self.task_record(parent, out, t)[0]
        try:
            name = task.get_name()
        except Exception:
            name = "Task"
        t = round(t, 6)
        out.append({"type": ev.CALLBACK, "t": t, "cb": cid, "label": name_of_coro, "site": _coro_site(coro)})
        out.append({"type": ev.TASK_CREATE, "t": t, "loop": self.loop._ls_id, "task": tid, "name": name,
                    "coro": name_of_coro, "parent": parent_id, "site": site})
        return rec

    def callback_of(self, cb, out, t):
        """(callback id, task id or 0, task record or None) for a handle's callback."""
        if type(cb) is _FunctionType:
            cid = self.cbs.get(cb.__code__)
            if cid is not None:
                return cid, 0, None
        owner = getattr(cb, "__self__", None)
        rec = self.tasks.get(id(owner))
        if rec is not None:
            return rec[3], rec[0], rec
        if owner is not None and isinstance(owner, _TASK_TYPES):
            rec = self.task_record(owner, out, t)
            return rec[3], rec[0], rec
        key = callback_key(cb)
        cid = self.cbs.get(key)
        if cid is None:
            from .loop import new_id

            cid = self.cbs[key] = new_id()
            out.append({"type": ev.CALLBACK, "t": round(t, 6), "cb": cid, "label": callback_label(cb),
                        "site": callback_site(cb)})
        return cid, 0, None

    # -- task states -------------------------------------------------------------------

    def task_state(self, rec, task, out, t):
        """Appends what changed about a task after one of its steps (t = loop time)."""
        state = task._state
        if state == "PENDING":
            waiter = task._fut_waiter
            if waiter is None:
                return
            key = id(waiter)
            if rec[2] == key:
                return
            rec[2] = key
            timer = self.sleep_timers.pop(key, None)
            if timer is not None:
                out.append((OP_SLEEP, rec[0], timer))
            else:
                out.append((OP_WAIT, rec[0], self.awaiting(waiter, task, out, t)))
            return
        if rec[2] == "final":
            return
        rec[2] = "final"
        L = self.loop._ls_id
        t = round(t, 6)
        by = self.cancelled_by.pop(rec[0], None)
        if state == "FINISHED":
            exc = task._exception
            if exc is None:
                try:
                    result = _repr.repr(task._result)
                except Exception:
                    result = "<unrepresentable>"
                out.append({"type": ev.TASK_STATE, "t": t, "loop": L, "task": rec[0], "state": "done",
                            "result": result})
            else:
                info = exception_info(exc)
                out.append({"type": ev.TASK_STATE, "t": t, "loop": L, "task": rec[0], "state": "failed",
                            "exc": info})
                out.append({"type": ev.PROBLEM, "t": t, "loop": L, "kind": "task-failed",
                            "message": "task %s failed: %s: %s" % (task.get_name(), info["type"], info["message"]),
                            "task": rec[0]})
        else:
            msg = getattr(task, "_cancel_message", None)
            event = {"type": ev.TASK_STATE, "t": t, "loop": L, "task": rec[0], "state": "cancelled",
                     "cancelMsg": None if msg is None else str(msg)}
            if by is not None:
                event["cancelledBy"] = by
            out.append(event)

    def awaiting(self, waiter, task, out, t):
        if isinstance(waiter, _TASK_TYPES):
            rec = self.task_record(waiter, out, t)
            try:
                name = waiter.get_name()
            except Exception:
                name = "Task"
            return {"kind": "task", "ref": rec[0], "label": name}
        if _GATHERING and isinstance(waiter, _GATHERING):
            refs = []
            for child in getattr(waiter, "_children", ()) or ():
                if isinstance(child, _TASK_TYPES):
                    refs.append(self.task_record(child, out, t)[0])
            return {"kind": "gather", "ref": refs, "label": "gather of %d" % len(refs)}
        job = self.exec_jobs.get(id(waiter))
        if job is not None:
            return {"kind": "executor", "ref": job[0], "label": job[1]}
        return _classify_by_frame(task, self.await_cache)

    def note_cancel(self, callback, fut, current, out, t):
        """A wake-up was scheduled for a cancelled future: its task was cancelled by
        `current` (or, when the future is a task cancelled in turn, by whoever cancelled
        that one)."""
        owner = getattr(callback, "__self__", None)
        if owner is None or not isinstance(owner, _TASK_TYPES) or current is None:
            return
        if current is fut or current is owner:
            rec = self.tasks.get(id(fut))
            by = self.cancelled_by.get(rec[0]) if rec is not None else None
            if by is None:
                return
        else:
            by = self.task_record(current, out, t)[0]
        self.cancelled_by.setdefault(self.task_record(owner, out, t)[0], by)

    # -- snapshots -----------------------------------------------------------------------

    def snapshot(self, out, t):
        loop = self.loop
        ready = []
        for handle in list(loop._ready):
            if not handle._cancelled:
                ready.append(self.handle_id(handle))
        timers = sorted(
            ((self.handle_id(h), h._when) for h in list(loop._scheduled) if not h._cancelled),
            key=lambda pair: pair[1],
        )
        io = []
        selector = getattr(loop, "_selector", None)
        if selector is not None:
            try:
                keys = list(selector.get_map().values())
            except Exception:
                keys = []
            for key in keys:
                data = key.data
                if not isinstance(data, tuple) or len(data) != 2:
                    continue
                reader, writer = data
                if reader is not None and not reader._cancelled:
                    io.append([key.fd, "r", self.callback_of(reader._callback, out, t)[0]])
                if writer is not None and not writer._cancelled:
                    io.append([key.fd, "w", self.callback_of(writer._callback, out, t)[0]])
        return {"ready": ready, "timers": [[hid, round(when - loop._ls_paused, 6)] for hid, when in timers], "io": io}

    def keyframe_line(self, tick, now):
        out = []
        t = now - self.loop._ls_paused
        snap = self.snapshot(out, t)
        event = {"type": ev.TICK_BEGIN, "t": round(t, 6), "loop": self.loop._ls_id, "tick": tick}
        event.update(snap)
        out.append(event)
        return render(out)

    # -- the batch -----------------------------------------------------------------------

    def emit(self):
        """Writes the pending ops as one `batch` line."""
        ops = self.ops
        if not ops:
            return
        self.ops = []
        self.weight = 0
        loop = self.loop
        get_writer().push('{"type":"batch","t":%.6f,"loop":%d,"ops":%s}\n' % (
            self.base_m - loop._ls_paused, loop._ls_id, dumps(ops)))

    def encode(self, buf, rt, end_mono):
        """Turns one stretch of the loop's buffer (and `rt`, the start times of the runs in
        it, in order) into pending ops. Consecutive runs become one `runs` op of columns."""
        from .loop import (T_CANCEL, T_CANCELLED_BY, T_CREATE, T_DUE, T_EXEC_SUBMIT, T_IO, T_RAN, T_RAW,
                           T_SELECT, T_SKIP, T_STEP, T_TICK, T_TICK_END, T_TIMER, new_id)

        loop = self.loop
        off = loop._ls_paused
        hids = self.hids
        tasks = self.tasks
        sleep_timers = self.sleep_timers
        callback_of = self.callback_of
        ops = self.ops
        if not ops:
            # A new batch: its times count from the first timed thing in it.
            self.base_m = _next_time(buf, rt, 0, 0, end_mono)
            self.last_us = 0
        self.weight += len(buf)
        base = self.base_m
        last = self.last_us
        a = ops.append
        m = end_mono
        threadsafe = loop._ls_threadsafe
        while threadsafe:
            self._threadsafe(threadsafe.popleft(), ops)
        # A tick cut in two by a hold: its first ready handles are named explicitly.
        split = -1
        forced = None
        if buf and not (type(buf[-1]) is tuple and len(buf[-1]) == 3 and buf[-1][0] == T_TICK_END):
            for i in range(len(buf) - 1, -1, -1):
                e = buf[i]
                if type(e) is tuple and len(e) == 4 and e[0] == T_TICK:
                    split = i
                    forced = {}
                    break
        blocked = loop._ls_blocked
        j = 0  # the next start time in rt
        chunk = None  # the `runs` op being filled, while nothing else came between its runs
        prev = None  # the `runs` op whose last run has not ended yet
        prev_us = 0
        # What to settle once the last run has ended (the task it stepped may have changed,
        # a timer scheduled in it must be known first): (task record, runs op it is in,
        # index there, blocked?, handle id, start), or None.
        pend = None
        n = 0
        nbuf = len(buf)
        # Which entries are task records (steps that changed nothing), found in C.
        is_rec = list(map(_is, map(type, buf), _repeat(list)))
        entries = enumerate(buf)
        for i, e in entries:
            te = type(e)
            if te is list and not forced and (chunk is None or n < RUN_BLOCK_MAX - 1):
                # Task steps that changed nothing, one after another (the common case):
                # whole columns at once, with C-level maps instead of a loop per run.
                limit = min(nbuf, i + RUN_BLOCK_MAX - (n if chunk is not None else 0))
                try:
                    k = is_rec.index(False, i + 1, limit)
                except ValueError:
                    k = limit
                block = buf[i:k]
                count = k - i
                us = list(map(int, map(_mul, map(_sub, rt[j:j + count], _repeat(base)), _repeat(1e6))))
                j += count
                if pend is not None:
                    m = rt[j - count]
                    rec = pend[0]
                    task = rec[1]() if rec is not None else None
                    if pend[3] or (task is not None and (task._state != "PENDING" or (
                            task._fut_waiter is not None and id(task._fut_waiter) != rec[2]))):
                        if self._settle(pend, chunk, m, ops):
                            chunk = None
                    pend = None
                if prev is not None and prev is not chunk:
                    prev[9] = us[0] - prev_us
                if chunk is None:
                    chunk = [OP_RUNS, RUN_ID_BASE + (next(_run_blocks) << RUN_BLOCK_BITS), [us[0] - last], [], [], [],
                             [], [], [], 0]
                    a(chunk)
                    dts, cbs, tks, known, timers = chunk[2], chunk[3], chunk[4], chunk[5], chunk[6]
                    n = 0
                else:
                    dts.append(us[0] - prev_us)
                if count > 1:
                    dts.extend(map(_sub, us[1:], us))
                cbs.extend(map(_item3, block))
                tks.extend(map(_item0, block))
                n += count
                prev = chunk
                last = prev_us = us[-1]
                if count > 1:
                    # Past the block, at C speed.
                    _consume(_islice(entries, count - 1), maxlen=0)
                continue
            if te is not tuple or e[0] == T_RAN or e[0] == T_STEP:
                # -- a run: a task record (a task step, the handle already freed), a
                # handle, or the ids of a freed handle (T_RAN) --------------------------
                m = rt[j]
                j += 1
                us = int((m - base) * 1e6)
                if pend is not None:
                    rec = pend[0]
                    task = rec[1]() if rec is not None else None
                    # Inlined on purpose: most steps change nothing (a bare yield, the same
                    # waiter), and a call per handle costs more than this whole check.
                    if pend[3] or (task is not None and (task._state != "PENDING" or (
                            task._fut_waiter is not None and id(task._fut_waiter) != rec[2]))):
                        if self._settle(pend, chunk, m, ops):
                            chunk = None
                    pend = None
                if prev is not None and prev is not chunk:
                    prev[9] = us - prev_us
                before = None
                after = None
                was_blocked = False
                if te is list:
                    rec = e
                    hid = 0
                    cid = rec[3]
                    tid = rec[0]
                elif te is tuple and e[0] == T_STEP:
                    rec = e[1]
                    hid = 0
                    cid = rec[3]
                    tid = rec[0]
                elif te is tuple:
                    _, hid, cid, tid, rec, before, after = e
                else:
                    found = hids.pop(id(e), None)
                    hid = found[0] if found is not None else 0
                    cb = e._callback
                    rec = tasks.get(id(getattr(cb, "__self__", None)))
                    if rec is None:
                        before = []
                        cid, tid, rec = callback_of(cb, before, m - off)
                    else:
                        cid = rec[3]
                        tid = rec[0]
                    was_blocked = blocked is not None and blocked is e
                if forced:
                    hid = forced.get(i, hid)
                if before:
                    chunk = None
                    ops.extend(before)
                if chunk is None or n == RUN_BLOCK_MAX:
                    chunk = [OP_RUNS, RUN_ID_BASE + (next(_run_blocks) << RUN_BLOCK_BITS), [us - last], [], [], [],
                             [], [], [], 0]
                    a(chunk)
                    dts, cbs, tks, known, timers = chunk[2], chunk[3], chunk[4], chunk[5], chunk[6]
                    n = 0
                else:
                    dts.append(us - prev_us)
                if hid:
                    known.append(n)
                    known.append(hid)
                cbs.append(cid)
                tks.append(tid)
                n += 1
                prev = chunk
                last = prev_us = us
                if after is not None:
                    # A freed handle's task ended with it: its end was read at the time.
                    chunk = None
                    if after:
                        ops.extend(after)
                elif rec is not None or was_blocked:
                    pend = (rec, chunk, n - 1, was_blocked, hid, m)
                continue
            tag = e[0]
            if tag == T_DUE:
                chunk = None
                found = hids.get(id(e[1]))
                if found is not None:
                    a((OP_DUE, found[0]))
                continue
            if tag == T_TIMER:
                timer = e[1]
                found = hids.get(id(timer))
                if found is None:
                    hid = new_id()
                    hids[id(timer)] = (hid, timer)
                else:
                    hid = found[0]
                cb = timer._callback
                if cb is _SLEEP_CALLBACK and timer._args:
                    sleep_timers[id(timer._args[0])] = hid
                defs = []
                cid, tid, _rec = callback_of(cb, defs, m - off)
                if defs:
                    chunk = None
                    ops.extend(defs)
                when = int((timer._when + off - base) * 1e6) - last
                if chunk is not None and prev is chunk:
                    # Scheduled by the run in progress: a column of its op.
                    timers.extend((n - 1, hid, cid, when, tid))
                else:
                    chunk = None
                    a((OP_TIMER, hid, cid, when, tid))
                continue
            if tag == T_TICK_END or tag == T_SKIP:
                m = e[2]
                us = int((m - base) * 1e6)
                if pend is not None:
                    self._settle(pend, chunk, m, ops)
                    pend = None
                if prev is not None:
                    prev[9] = us - prev_us
                    prev = None
                chunk = None
                if tag == T_TICK_END:
                    a((OP_TICK_END, us - last, e[1]))
                    last = us
                    continue
                handle = e[1]
                found = hids.pop(id(handle), None)
                if found is None and isinstance(handle, _TimerHandle):
                    continue  # its cancel was written when it happened
                cid, tid, _rec = callback_of(handle._callback, ops, m - off)
                a((OP_SKIP, us - last, found[0] if found is not None else new_id(), cid, tid))
                last = us
                if isinstance(handle, _TimerHandle) and handle._callback is _SLEEP_CALLBACK:
                    sleep_timers.pop(id(handle._args[0]), None)
                continue
            # Anything else written now comes after the runs so far: the next run starts a
            # new `runs` op (a run added to the open one would be read before it).
            chunk = None
            if tag == T_TICK:
                m = e[2]
                us = int((m - base) * 1e6)
                if i == split and e[3]:
                    a((OP_TICK, e[1], us - last, e[3], self._ready_at(buf, i, e[3], forced, ops, m - off)))
                else:
                    a((OP_TICK, e[1], us - last, e[3]))
                last = us
            elif tag == T_SELECT:
                _, timeout, t_sel, m, fds = e
                us = int((m - base) * 1e6)
                a((OP_SELECT, us - last, timeout if not timeout else round(timeout, 6), int((m - t_sel) * 1e6), fds or []))
                last = us
            elif tag == T_CANCEL:
                m = e[2]
                handle = e[1]
                found = hids.pop(id(handle), None)
                if found is not None:
                    us = int((m - base) * 1e6)
                    a((OP_CANCEL, us - last, found[0]))
                    last = us
                if handle._callback is _SLEEP_CALLBACK and handle._args:
                    sleep_timers.pop(id(handle._args[0]), None)
            elif tag == T_RAW:
                if prev is not None:
                    # Written now: the run in progress ends, as far as this batch says, here.
                    t_next = _next_time(buf, rt, i + 1, j, end_mono)
                    prev[9] = int((t_next - base) * 1e6) - prev_us
                    if pend is not None:
                        self._settle(pend, chunk, t_next, ops)
                        pend = None
                    prev = None
                self.last_us = last
                self.emit()
                get_writer().push(e[1])
                ops = self.ops
                a = ops.append
                # The next batch counts from the next thing that happens.
                self.base_m = base = _next_time(buf, rt, i + 1, j, m)
                last = self.last_us = 0
            elif tag == T_CREATE:
                task = e[1][0]
                if task is not None:
                    self.task_record(task, ops, e[5] - off, parent=e[3], site=e[4], coro=e[2])
            elif tag == T_IO:
                _, op_name, fd, direction, callback, t_io = e
                t = t_io - off
                event = {"type": ev.IO_WATCH, "t": round(t, 6), "loop": loop._ls_id, "op": op_name,
                         "fd": fd, "dir": direction}
                if callback is not None:
                    event["cb"] = callback_of(callback, ops, t)[0]
                a(event)
            elif tag == T_EXEC_SUBMIT:
                _, fut, func, t_sub, parent = e
                t = t_sub - off
                job = new_id()
                label = callback_label(func)
                self.exec_jobs[id(fut)] = (job, label, t_sub)
                parent_id = None if parent is None else self.task_record(parent, ops, t)[0]
                a({"type": ev.EXECUTOR_SUBMIT, "t": round(t, 6), "loop": loop._ls_id, "job": job,
                   "fn": label, "task": parent_id})
            elif tag == T_CANCELLED_BY:
                self.note_cancel(e[1], e[2], e[3], ops, m - off)
        if pend is not None:
            self._settle(pend, chunk, end_mono, ops)
        if prev is not None:
            prev[9] = int((end_mono - base) * 1e6) - prev_us
        self.last_us = last
        if self.weight >= BATCH_OPS:
            self.emit()

    def resolve(self, handle):
        """The ids of a handle about to be freed, taken while it still exists:
        (T_RAN, handle id or 0, cb id, task id, task record, events before, events after).
        `after` is None unless the handle's task ended with this step (its end is read now,
        as the task may be freed with the handle)."""
        cb = handle._callback
        owner = getattr(cb, "__self__", None)
        found = self.hids.pop(id(handle), None)
        hid = found[0] if found is not None else 0
        rec = self.tasks.get(id(owner))
        before = None
        if rec is not None:
            cid = rec[3]
            tid = rec[0]
        else:
            before = []
            cid, tid, rec = self.callback_of(cb, before, _mono() - self.loop._ls_paused)
        after = None
        if rec is not None and owner._state != "PENDING":
            after = []
            self.task_state(rec, owner, after, _mono() - self.loop._ls_paused)
        return (12, hid, cid, tid, rec, before, after)

    def _ready_at(self, buf, i, k, forced, out, t):
        """[hid, cb, task] of the k handles that were ready when the tick at buf[i]
        began: those it ran (or skipped) so far, then the head of the ready queue. Runs
        that would take a block id get one of their own now (`forced`, by buffer index)."""
        from .loop import T_RAN, T_SKIP, T_STEP, new_id

        entries = []
        for pos in range(i + 1, len(buf)):
            if len(entries) == k:
                break
            e = buf[pos]
            te = type(e)
            if te is list:
                hid = forced[pos] = new_id()
                entries.append((hid, e[3], e[0]))
            elif te is tuple:
                if e[0] == T_STEP:
                    hid = forced[pos] = new_id()
                    entries.append((hid, e[1][3], e[1][0]))
                elif e[0] == T_RAN:
                    if e[5]:
                        out.extend(e[5])
                        e[5].clear()
                    hid = e[1] or new_id()
                    forced[pos] = hid
                    entries.append((hid, e[2], e[3]))
                elif e[0] == T_SKIP:
                    cid, tid, _rec = self.callback_of(e[1]._callback, out, t)
                    entries.append((self.handle_id(e[1]), cid, tid))
            else:
                cid, tid, _rec = self.callback_of(e._callback, out, t)
                entries.append((self.handle_id(e), cid, tid))
        if len(entries) < k:
            for handle in list(self.loop._ready)[:k - len(entries)]:
                cid, tid, _rec = self.callback_of(handle._callback, out, t)
                entries.append((self.handle_id(handle), cid, tid))
        return entries

    def _settle(self, pend, chunk, end_mono, out):
        """What changed with the run `pend` stands for, once it has ended: `blocked.end`,
        and its task's new wait (a column of its `runs` op while that is still `chunk`,
        else an op of its own) or end. True when something was written after the op."""
        rec, op, index, was_blocked, hid, t0 = pend
        loop = self.loop
        t = end_mono - loop._ls_paused
        closed = False
        if was_blocked:
            loop._ls_blocked = None
            out.append({"type": ev.BLOCKED_END, "t": round(t, 6), "loop": loop._ls_id, "handle": hid,
                        "total": round(end_mono - t0, 6)})
            closed = True
        task = rec[1]() if rec is not None else None
        if task is None:
            return closed
        if task._state != "PENDING":
            self.task_state(rec, task, out, t)
            return True
        waiter = task._fut_waiter
        if waiter is None or id(waiter) == rec[2]:
            return closed
        rec[2] = key = id(waiter)
        timer = self.sleep_timers.pop(key, None)
        if not closed and chunk is not None and op is chunk:
            if timer is not None:
                op[7].extend((index, timer))
                return False
            defs = []
            awaited = self.awaiting(waiter, task, defs, t)
            if not defs:
                op[8].extend((index, awaited))
                return False
            out.extend(defs)
            out.append((OP_WAIT, rec[0], awaited))
            return True
        if timer is not None:
            out.append((OP_SLEEP, rec[0], timer))
        else:
            awaited = self.awaiting(waiter, task, out, t)
            out.append((OP_WAIT, rec[0], awaited))
        return True

    def _threadsafe(self, item, out):
        handle, t_mono, thread_name = item
        loop = self.loop
        t = t_mono - loop._ls_paused
        callback = handle._callback
        if getattr(callback, "__name__", "") == "_set_state" and handle._args:
            job = self.exec_jobs.pop(id(handle._args[0]), None)
            if job is not None:
                out.append({"type": ev.EXECUTOR_DONE, "t": round(t, 6), "loop": loop._ls_id,
                            "job": job[0], "thread": thread_name,
                            "dur": round(t_mono - job[2], 6), "start": round(job[2] - loop._ls_paused, 6)})
        hid = self.handle_id(handle)
        cid, tid, _rec = self.callback_of(callback, out, t)
        out.append({"type": ev.HANDLE_SCHEDULE, "t": round(t, 6), "loop": loop._ls_id, "handle": hid,
                    "cb": cid, "task": tid or None, "thread": thread_name})


_mono = time.monotonic


def _next_time(buf, rt, start, j, default):
    """The time of the first timed thing in buf[start:] (j = index in rt of its first run)."""
    from .loop import T_CANCEL, T_RAN, T_SELECT, T_SKIP, T_STEP, T_TICK, T_TICK_END

    for pos in range(start, min(start + 16, len(buf))):
        e = buf[pos]
        te = type(e)
        if te is not tuple or e[0] == T_RAN or e[0] == T_STEP:
            return rt[j] if j < len(rt) else default
        tag = e[0]
        if tag == T_TICK or tag == T_SELECT:
            return e[2]
        if tag == T_TICK_END or tag == T_SKIP or tag == T_CANCEL:
            return e[2]
    return default


def render(items):
    """Whole events (dicts) as NDJSON lines."""
    return "".join(dumps(item) + "\n" for item in items)


def _coro_site(coro):
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    if code is None:
        return None
    return "%s:%d" % (code.co_filename, code.co_firstlineno)


def _classify_by_frame(task, cache=None):
    frames = coro_stack(task_coro(task))
    if not frames:
        return {"kind": "future", "ref": None, "label": "future"}
    inner = frames[-1]
    code = inner.f_code
    user = [f for f in frames if _user_frame(f)]
    where = user[-1] if user else inner
    key = (code, where.f_code, where.f_lineno)
    if cache is not None:
        found = cache.get(key)
        if found is not None:
            return found
        if len(cache) > 4096:
            cache.clear()
    filename = code.co_filename
    base = os.path.basename(filename)
    kind = "future"
    if filename.startswith(_ASYNCIO_DIR):
        if base == "queues.py":
            kind = "queue"
        elif base == "locks.py":
            owner = None
            try:
                owner = inner.f_locals.get("self")
            except Exception:
                pass
            kind = _LOCK_KINDS.get(type(owner).__name__, "lock")
            for klass in type(owner).__mro__ if owner is not None else ():
                if klass.__name__ in _LOCK_KINDS:
                    kind = _LOCK_KINDS[klass.__name__]
                    break
        elif base in ("streams.py", "selector_events.py", "sslproto.py", "base_events.py"):
            kind = "io"
        elif base in ("subprocess.py", "base_subprocess.py", "unix_events.py"):
            kind = "subprocess"
        elif base == "tasks.py" and code.co_name in ("sleep", "_sleep"):
            kind = "sleep"
    label = "%s (%s:%d)" % (code.co_name, os.path.basename(where.f_code.co_filename), where.f_lineno)
    result = {"kind": kind, "ref": None, "label": label}
    if cache is not None and kind not in ("lock", "event", "condition", "semaphore"):
        cache[key] = result
    return result


def exception_info(exc):
    try:
        message = str(exc)
    except Exception:
        message = "<unprintable>"
    try:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    except Exception:
        text = None
    info = {"type": type(exc).__qualname__, "message": message}
    if text:
        info["traceback"] = text[-8000:]
    return info


def loop_start(loop):
    thread = threading.current_thread()
    return dumps({
        "type": ev.LOOP_START, "t": round(loop.time(), 6), "loop": loop._ls_id,
        "thread": threading.get_ident(), "threadName": thread.name,
        "cls": type(loop).__qualname__, "instrumented": True,
    }) + "\n"


def loop_stop(loop):
    return '{"type":"loop.stop","t":%.6f,"loop":%d}\n' % (loop.time(), loop._ls_id)


def loop_close(loop):
    return '{"type":"loop.close","t":%.6f,"loop":%d}\n' % (loop.time(), loop._ls_id)


def describe_handle(handle):
    try:
        return _format_handle(handle)
    except Exception:
        return type(handle).__name__
