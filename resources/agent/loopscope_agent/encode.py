"""Turns a loop's buffer of raw tuples into NDJSON lines, once per tick.

Everything the hot path skipped happens here: handle and task ids, callback labels (one
`callback` event per distinct callback), durations (a handle ends where the next thing
the loop did begins), task states read without side effects (`_state`, `_fut_waiter`,
`_exception`; never `exception()`, which would silence "never retrieved").
"""

import asyncio
import functools
import os
import reprlib
import sys
import threading
import traceback
import weakref
from asyncio import base_events, futures, tasks

from . import events as ev
from .writer import dumps

_TimerHandle = asyncio.TimerHandle
_TASK_TYPES = tuple({tasks.Task, getattr(tasks, "_PyTask", tasks.Task)})
_GATHERING = getattr(tasks, "_GatheringFuture", ())
_SLEEP_CALLBACK = futures._set_result_unless_cancelled
_ASYNCIO_DIR = os.path.dirname(asyncio.__file__) + os.sep
_AGENT_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_format_handle = base_events._format_handle

_repr = reprlib.Repr()
_repr.maxstring = 200
_repr.maxother = 200

HB = '{"type":"handle.begin","t":%.6f,"loop":%d,"handle":%d,"cb":%d,"task":%s,"tick":%d}\n'
HE = '{"type":"handle.end","t":%.6f,"loop":%d,"handle":%d,"dur":%.6f}\n'
HS = '{"type":"handle.schedule","t":%.6f,"loop":%d,"handle":%d,"cb":%d,"task":%s}\n'
HST = '{"type":"handle.schedule","t":%.6f,"loop":%d,"handle":%d,"cb":%d,"task":%s,"thread":%s}\n'
TS = '{"type":"timer.schedule","t":%.6f,"loop":%d,"handle":%d,"cb":%d,"when":%.6f,"task":%s}\n'
TD = '{"type":"timer.due","t":%.6f,"loop":%d,"handle":%d}\n'
TC = '{"type":"timer.cancel","t":%.6f,"loop":%d,"handle":%d}\n'
TB = '{"type":"tick.begin","t":%.6f,"loop":%d,"tick":%d}\n'
TE = '{"type":"tick.end","t":%.6f,"loop":%d,"tick":%d}\n'
SEL = '{"type":"select","t":%.6f,"loop":%d,"timeout":%s,"waited":%.6f,"fds":%s}\n'
CB = '{"type":"callback","t":%.6f,"cb":%d,"label":%s,"site":%s}\n'
TW = '{"type":"task.state","t":%.6f,"loop":%d,"task":%d,"state":"waiting","awaiting":%s}\n'
AW_SLEEP = '{"kind":"sleep","ref":%d,"label":"asyncio.sleep"}'
AW_TASK = '{"kind":"task","ref":%d,"label":%s}'

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
        # id(task) -> [task id, weakref, last waiting key, callback id]; weak so that we
        # never keep a task alive (that would hide "Task was destroyed but it is pending").
        self.tasks = {}
        self.sleep_timers = {}
        self.exec_jobs = {}
        self.created = 0

    def clear(self):
        self.hids.clear()
        self.sleep_timers.clear()
        self.exec_jobs.clear()

    # -- ids ---------------------------------------------------------------------------

    def handle_id(self, handle):
        hid = self.hids.get(handle)
        if hid is None:
            from .loop import new_id

            hid = self.hids[handle] = new_id()
        return hid

    def task_record(self, task, out, t, parent=None, site=None, coro=None):
        rec = self.tasks.get(id(task))
        if rec is not None and rec[1]() is task:
            return rec
        from .loop import new_id

        tid = new_id()
        try:
            ref = weakref.ref(task)
        except TypeError:
            ref = lambda task=task: task  # noqa: E731 - a task type without weakrefs
        rec = self.tasks[id(task)] = [tid, ref, None, 0]
        self.created += 1
        if self.created % 4096 == 0:
            self._prune()
        if coro is None:
            coro = task_coro(task)
        parent_id = None
        if parent is not None and parent is not task:
            parent_id = self.task_record(parent, out, t)[0]
        try:
            name = task.get_name()
        except Exception:
            name = "Task"
        out.append(
            '{"type":"task.create","t":%.6f,"loop":%d,"task":%d,"name":%s,"coro":%s,"parent":%s,"site":%s}\n'
            % (t, self.loop._ls_id, tid, dumps(name), dumps(coro_name(coro)),
               "null" if parent_id is None else parent_id, dumps(site))
        )
        return rec

    def _prune(self):
        dead = [key for key, rec in self.tasks.items() if rec[1]() is None]
        for key in dead:
            del self.tasks[key]

    def callback_of(self, cb, out, t):
        """(callback id, task record or None) for a handle's callback."""
        owner = getattr(cb, "__self__", None)
        if owner is not None and isinstance(owner, _TASK_TYPES):
            rec = self.task_record(owner, out, t)
            if not rec[3]:
                from .loop import new_id

                rec[3] = new_id()
                coro = task_coro(owner)
                out.append(CB % (t, rec[3], dumps(coro_name(coro) if coro is not None else "Task"),
                                 dumps(_coro_site(coro))))
            return rec[3], rec
        key = callback_key(cb)
        cid = self.cbs.get(key)
        if cid is None:
            from .loop import new_id

            cid = self.cbs[key] = new_id()
            out.append(CB % (t, cid, dumps(callback_label(cb)), dumps(callback_site(cb))))
        return cid, None

    # -- task states -------------------------------------------------------------------

    def task_state(self, rec, task, out, t):
        state = task._state
        L = self.loop._ls_id
        if state == "PENDING":
            waiter = task._fut_waiter
            if waiter is None:
                return
            key = id(waiter)
            if rec[2] == key:
                return
            rec[2] = key
            out.append(TW % (t, L, rec[0], self.awaiting(waiter, task, out, t)))
            return
        if rec[2] == "final":
            return
        rec[2] = "final"
        if state == "FINISHED":
            exc = task._exception
            if exc is None:
                try:
                    result = _repr.repr(task._result)
                except Exception:
                    result = "<unrepresentable>"
                out.append('{"type":"task.state","t":%.6f,"loop":%d,"task":%d,"state":"done","result":%s}\n'
                           % (t, L, rec[0], dumps(result)))
            else:
                info = exception_info(exc)
                out.append('{"type":"task.state","t":%.6f,"loop":%d,"task":%d,"state":"failed","exc":%s}\n'
                           % (t, L, rec[0], dumps(info)))
                out.append(dumps({"type": ev.PROBLEM, "t": t, "loop": L, "kind": "task-failed",
                                  "message": "task %s failed: %s: %s" % (task.get_name(), info["type"], info["message"]),
                                  "task": rec[0]}) + "\n")
        else:
            msg = getattr(task, "_cancel_message", None)
            out.append('{"type":"task.state","t":%.6f,"loop":%d,"task":%d,"state":"cancelled","cancelMsg":%s}\n'
                       % (t, L, rec[0], dumps(None if msg is None else str(msg))))

    def awaiting(self, waiter, task, out, t):
        timer = self.sleep_timers.pop(id(waiter), None)
        if timer is not None:
            return AW_SLEEP % timer
        if isinstance(waiter, _TASK_TYPES):
            rec = self.task_record(waiter, out, t)
            try:
                name = waiter.get_name()
            except Exception:
                name = "Task"
            return AW_TASK % (rec[0], dumps(name))
        if _GATHERING and isinstance(waiter, _GATHERING):
            refs = []
            for child in getattr(waiter, "_children", ()) or ():
                if isinstance(child, _TASK_TYPES):
                    refs.append(self.task_record(child, out, t)[0])
            return dumps({"kind": "gather", "ref": refs, "label": "gather of %d" % len(refs)})
        job = self.exec_jobs.get(id(waiter))
        if job is not None:
            return dumps({"kind": "executor", "ref": job[0], "label": job[1]})
        return dumps(_classify_by_frame(task))

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
        out.append(dumps(event) + "\n")
        return "".join(out)

    # -- the batch -----------------------------------------------------------------------

    def encode(self, buf, end_mono):
        from .loop import (T_CANCEL, T_CREATE, T_DUE, T_EXEC_SUBMIT, T_IO, T_RAW, T_SELECT,
                           T_SKIP, T_TICK, T_TICK_END, new_id)

        loop = self.loop
        off = loop._ls_paused
        L = loop._ls_id
        tick = loop._ls_tick
        out = []
        a = out.append
        hids = self.hids
        callback_of = self.callback_of
        t = end_mono - off
        threadsafe = loop._ls_threadsafe
        while threadsafe:
            self._threadsafe(threadsafe.popleft(), out)
        prev = None
        for e in buf:
            if type(e) is tuple:
                if len(e) == 2:
                    handle, t0 = e
                    t = t0 - off
                    if prev is not None:
                        self._end(prev, t0, out)
                    hid = hids.pop(handle, None) or new_id()
                    cid, rec = callback_of(handle._callback, out, t)
                    a(HB % (t, L, hid, cid, "null" if rec is None else rec[0], tick))
                    prev = (hid, t0, rec, e)
                    continue
                tag = e[0]
                if tag == T_DUE:
                    hid = hids.get(e[1])
                    if hid is not None:
                        a(TD % (t, L, hid))
                elif tag == T_TICK:
                    t = e[2] - off
                    a(TB % (t, L, e[1]))
                elif tag == T_TICK_END:
                    if prev is not None:
                        self._end(prev, e[2], out)
                        prev = None
                    t = e[2] - off
                    a(TE % (t, L, e[1]))
                elif tag == T_SELECT:
                    _, timeout, t_sel, t_woke, fds = e
                    t = t_woke - off
                    a(SEL % (t, L, _fmt_t(timeout), t_woke - t_sel, "[]" if not fds else dumps(fds)))
                elif tag == T_SKIP or tag == T_CANCEL:
                    if tag == T_SKIP and prev is not None:
                        self._end(prev, e[2], out)
                        prev = None
                    t = e[2] - off
                    handle = e[1]
                    hid = hids.pop(handle, None)
                    if hid is not None:
                        a(TC % (t, L, hid))
                    if isinstance(handle, _TimerHandle) and handle._callback is _SLEEP_CALLBACK:
                        self.sleep_timers.pop(id(handle._args[0]), None)
                elif tag == T_RAW:
                    a(e[1])
                elif tag == T_IO:
                    _, op, fd, direction, callback, t_io = e
                    t = t_io - off
                    event = {"type": ev.IO_WATCH, "t": round(t, 6), "loop": L, "op": op, "fd": fd, "dir": direction}
                    if callback is not None:
                        event["cb"] = callback_of(callback, out, t)[0]
                    a(dumps(event) + "\n")
                elif tag == T_EXEC_SUBMIT:
                    _, fut, func, t_sub, parent = e
                    t = t_sub - off
                    job = new_id()
                    label = callback_label(func)
                    self.exec_jobs[id(fut)] = (job, label, t_sub)
                    parent_id = None if parent is None else self.task_record(parent, out, t)[0]
                    a(dumps({"type": ev.EXECUTOR_SUBMIT, "t": round(t, 6), "loop": L, "job": job,
                             "fn": label, "task": parent_id}) + "\n")
                continue
            if type(e) is list:
                # T_CREATE: [tag, task, coro, parent, site, mono]
                if e[0] == T_CREATE and e[1] is not None:
                    t = e[5] - off
                    self.task_record(e[1], out, t, parent=e[3], site=e[4], coro=e[2])
                continue
            # A handle on its own: scheduled (a TimerHandle goes on the heap).
            hid = new_id()
            hids[e] = hid
            cid, rec = callback_of(e._callback, out, t)
            if isinstance(e, _TimerHandle):
                a(TS % (t, L, hid, cid, e._when - off, "null" if rec is None else rec[0]))
                if e._callback is _SLEEP_CALLBACK and e._args:
                    self.sleep_timers[id(e._args[0])] = hid
            else:
                if rec is None:
                    a(HS % (t, L, hid, cid, "null"))
                else:
                    a(HS % (t, L, hid, cid, rec[0]))
        if prev is not None:
            self._end(prev, end_mono, out)
        return "".join(out)

    def _end(self, prev, end_mono, out):
        hid, t0, rec, entry = prev
        loop = self.loop
        t = end_mono - loop._ls_paused
        out.append(HE % (t, loop._ls_id, hid, end_mono - t0))
        if loop._ls_blocked is entry:
            loop._ls_blocked = None
            out.append('{"type":"blocked.end","t":%.6f,"loop":%d,"handle":%d,"total":%.6f}\n'
                       % (t, loop._ls_id, hid, end_mono - t0))
        if rec is not None:
            task = rec[1]()
            if task is not None:
                self.task_state(rec, task, out, t)

    def _threadsafe(self, item, out):
        handle, t_mono, thread_name = item
        loop = self.loop
        t = t_mono - loop._ls_paused
        callback = handle._callback
        if getattr(callback, "__name__", "") == "_set_state" and handle._args:
            job = self.exec_jobs.pop(id(handle._args[0]), None)
            if job is not None:
                out.append(dumps({"type": ev.EXECUTOR_DONE, "t": round(t, 6), "loop": loop._ls_id,
                                  "job": job[0], "thread": thread_name,
                                  "dur": round(t_mono - job[2], 6), "start": round(job[2] - loop._ls_paused, 6)}) + "\n")
        from .loop import new_id

        hid = self.hids[handle] = new_id()
        cid, rec = self.callback_of(callback, out, t)
        out.append(HST % (t, loop._ls_id, hid, cid, "null" if rec is None else rec[0], dumps(thread_name)))


def _coro_site(coro):
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    if code is None:
        return None
    return "%s:%d" % (code.co_filename, code.co_firstlineno)


def _classify_by_frame(task):
    frames = coro_stack(task_coro(task))
    if not frames:
        return {"kind": "future", "ref": None, "label": "future"}
    inner = frames[-1]
    code = inner.f_code
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
    user = [f for f in frames if _user_frame(f)]
    where = user[-1] if user else inner
    label = "%s (%s:%d)" % (code.co_name, os.path.basename(where.f_code.co_filename), where.f_lineno)
    return {"kind": kind, "ref": None, "label": label}


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
