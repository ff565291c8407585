"""What Loopscope keeps about one loop, and how it becomes `batch` lines.

`LoopTrace` holds the loop's capture buffers (filled by the hot path in loop.py), the ids
it gave out, and the pending batch. Once per tick `encode` turns the capture into the
packed batch of docs/trace-format.md ("Batches"): the runs' start times and task ids are
copied as they are (C-level slices into arrays), and only the rarer things — a timer, a
new wait, a task's creation or end — cost Python work each. Labels are written once per
distinct callback, durations are left to the reader (a run ends where the next thing
starts), and ready-queue schedules are derived by the reader from the next tick.

Task state is read without side effects (`_state`, `_fut_waiter`, `_exception`; never
`exception()` or `add_done_callback`, which change what the program sees).
"""

import array
import binascii
import collections
import functools
import itertools
import operator
import sys
import threading
import time
import types
import weakref
from asyncio import events as aio_events, futures

from . import events as ev, hooks
from .describe import (_GATHERING, _TASK_TYPES, callback_key, callback_label, callback_site, classify_by_frame,
                       code_site, coro_code, coro_name, exception_info, result_repr, running_handle, task_coro,
                       WAIT_MANY, waited_in_wait)
from .writer import dumps, get_writer

_mono = time.monotonic
_TimerHandle = aio_events.TimerHandle
_FunctionType = types.FunctionType
_MethodType = types.MethodType
_partial = functools.partial
_SLEEP_CALLBACK = futures._set_result_unless_cancelled
# asyncio.wait's return_when, as its label says it (ALL_COMPLETED says nothing).
_WAIT_WHEN = {"FIRST_COMPLETED": ", first completed", "FIRST_EXCEPTION": ", first exception"}
_Future = futures.Future
_item0 = operator.itemgetter(0)
_item1 = operator.itemgetter(1)
_item2 = operator.itemgetter(2)
_when = operator.attrgetter("_when")
_neg = operator.neg
_add = operator.add
_sub = operator.sub
_repeat = itertools.repeat
_islice = itertools.islice
_chain = itertools.chain.from_iterable
_KeyedRef = weakref.KeyedRef
_b64 = binascii.b2a_base64
_SWAP = sys.byteorder != "little"

_ids = itertools.count(1)
new_id = _ids.__next__

# Capture tags: the first item of a tuple in `LoopTrace.ev`; the second is always how many
# runs of the tick came before it.
T_TICK = 0
T_SELECT = 1
T_DUE = 2
T_SKIP = 3
T_CANCEL = 4
T_CREATE = 5
T_IO = 6
T_RAW = 7
T_TICK_END = 8
T_EXEC_SUBMIT = 9
T_CANCELLED_BY = 10
T_TIMER = 11
T_WAIT = 12
T_EVENTS = 13

# Op codes of a packed batch (docs/trace-format.md; src/shared/trace-model/batch.ts).
OP_TICK = 20
OP_TICK_READY = 21
OP_SELECT = 22
OP_DUE = 23
OP_SKIP = 25
OP_CANCEL = 26
OP_TIMER = 27
OP_TICK_END = 28
OP_END = 29
OP_SLEEP_TIMER = 33
OP_TASK = 34
OP_DONE = 35
OP_WAIT_TASK = 36
OP_WAIT_GATHER = 37
OP_SLEEP = 30
OP_WAIT = 31
OP_EVENT = 32

# Runs named by nobody take ids the reader counts out: batch `r` + the run's index in the
# batch. Each loop counts in a space of its own, far above the ids `new_id` gives.
RUN_ID_BASE = 1 << 40
_NOHID = (0, 0, 0)
# A stale `asyncio.sleep` future (its wait never seen) is forgotten past this many.
SLEEP_LINKS_MAX = 10000
# Timers whose callback a slow-run report can still name (LoopTrace.timer_cbs).
TIMER_CBS_MAX = 4096


def _b64_array(values):
    """Base64 of an array's machine values, little-endian (docs/trace-format.md)."""
    if _SWAP:
        values = array.array(values.typecode, values)
        values.byteswap()
    return _b64(values.tobytes(), newline=False)


# Records whose task asyncio's registry tracks: its weak reference -> (task key, trace),
# in two maps (a tuple per task would be one more object for the garbage collector).
_record_of_ref = {}
_trace_of_ref = {}


def forget_task(task_ref):
    """The task a borrowed registry reference pointed to was freed."""
    key = _record_of_ref.pop(task_ref, None)
    st = _trace_of_ref.pop(task_ref, None)
    if st is not None:
        rec = st.tasks.get(key)
        if rec is not None and rec[1] is task_ref:
            del st.tasks[key]


class LoopTrace:
    """One loop's trace state: capture (hot path), ids, and the batch being packed."""

    # Slots: a class with this many attributes in a __dict__ loses CPython's fast attribute
    # access (the same limit as the loop's, see loop.py), and the hot path reads these.
    __slots__ = (
        "loop_ref", "id", "ctl", "tick", "phase", "running", "thread", "flushed", "creating", "failed",
        "blocked", "blocked_last", "blocked_at", "task_refs", "frame", "unsorted",
        "ev", "rt", "who", "s", "cr", "sl", "wl", "wl_done", "threadsafe",
        "tasks", "timer_tok", "named", "io_runs", "cbs", "cb_codes", "cb_partials", "coro_cids", "sleep_timers",
        "exec_jobs", "cancelled_by", "cancel_msgs", "cb_labels", "timer_cbs", "await_cache", "sleep_cid",
        "enc_base", "sl_done",
        "runs_done", "I", "F", "G", "S", "SL", "SW", "WA", "X", "xmap", "nruns", "nev", "open_run", "base_m", "r_base",
        "fast_ready", "fast_locals", "__weakref__",
    )

    def __init__(self, loop):
        self.loop_ref = weakref.ref(loop)
        self.id = new_id()
        self.ctl = None
        self.tick = 0
        self.phase = 0
        self.running = False
        self.thread = None
        self.flushed = 0.0
        # Inside create_task (which records its task itself): see loop.call_soon.
        self.creating = 0
        # A failure in the hot path's bookkeeping, raised at the next encode (which turns
        # tracing off for this loop with a notice).
        self.failed = None
        # id(task) -> asyncio's registry's weak reference to it, until the task's record.
        self.task_refs = {}
        # The running tick's own record, while it is not in `ev` (see loop._ls_run_once).
        self.frame = None
        # The loop's ready queue and what the fast loop binds to it (loop._ls_run_fast).
        self.fast_ready = None
        self.fast_locals = None
        # Something was put in `ev` out of order (see `encode`).
        self.unsorted = False
        # The watchdog's reports of runs that blocked, [run index, handle id, start], for
        # the loop thread to end (`_end_blocked`): appended by the watchdog thread, taken
        # by this one, never replaced (so neither can lose the other's change).
        self.blocked = []
        # The watchdog's own: the run it reported last (a repeat keeps its id), and when.
        self.blocked_last = None
        self.blocked_at = None

        # -- capture, cleared by every encode ------------------------------------------
        self.ev = []
        # Start times of the runs (a list: appending to it costs a third of an array's).
        self.rt = []
        self.who = []
        self.s = []
        # Tasks made, flat (six items each): runs started before, task, coroutine, parent
        # task, creation site, time. Drained into `ev` when the stretch is packed.
        self.cr = []
        # New waits on plain futures, flat (four items each): runs started before, task
        # record, id of the future, task. Packed as a column (`waits`), not one by one.
        self.wl = []
        self.wl_done = 0
        # asyncio.sleep timers, flat: runs started before it, timer (two items each); the
        # task that waits on it is the one whose step made it.
        self.sl = []
        self.threadsafe = collections.deque()

        # -- ids ---------------------------------------------------------------------------
        # id(task) -> [task id, weakref, id of the awaited future last written, cb id,
        # -(task id): the token its runs are filed as]. Only live tasks are in here (a weakref callback removes the dead), so an id()
        # is never stale; weak, so that we never keep a task alive.
        self.tasks = {}
        # id(timer) -> -(its handle id), the token its run is filed as, from its schedule
        # until it is due (or cancelled on the heap).
        self.timer_tok = {}
        # id(handle) -> (handle id, cb id, task id) of other handles named before they run
        # (in a snapshot, a schedule from another thread), until they run or are skipped.
        # Neither keeps the handle itself.
        self.named = {}
        # id(handle) -> None, then the (0, cb id, 0) its runs are filed as, for the handles
        # the selector holds for add_reader / add_writer: asyncio runs the same handle each
        # time its fd is ready, so after its first run the fast loop files it from here
        # (loop._ls_run_fast). An entry lives exactly as long as the selector holds the
        # handle (loop._add_reader and friends), so an id() here is never stale.
        self.io_runs = {}
        # Callback ids: by callback_key (any callable); by id(code) for functions, methods
        # and partials (see `_known_cb`); by id(code) of a coroutine function for tasks.
        self.cbs = {}
        self.cb_codes = {}
        self.cb_partials = {}
        self.coro_cids = {}
        self.sleep_timers = {}
        self.exec_jobs = {}
        # Who cancelled a task (task id of the canceller), until the task's end is written.
        self.cancelled_by = {}
        # The message a task was cancelled with (task id to text), read off the future it
        # waited on when that was cancelled: a finished task keeps none (3.9+ ends it with
        # Future.cancel(), no message; the C Task keeps the error it ended with out of reach).
        self.cancel_msgs = {}
        # Callback id to its label (one entry per callback labelled), for slow-run reports.
        self.cb_labels = {}
        # Timer handle id to its callback id, for the timers call_later/call_at made (not
        # asyncio.sleep's); bounded, as nothing else says when a timer is forgotten.
        self.timer_cbs = {}
        self.await_cache = {}
        self.sleep_cid = 0
        self.enc_base = 0
        self.sl_done = 0

        # -- the batch being packed ------------------------------------------------------------
        self.runs_done = 0
        self._new_batch(_mono())

    def _new_batch(self, base_m):
        self.I = []
        # Floats are gathered in lists (extending an array from a tuple costs 70 ns an
        # item, appending to a list 20) and made arrays when the batch is written.
        self.F = []
        self.G = []
        self.S = []
        self.SL = []
        self.SW = []
        self.WA = []
        self.X = []
        self.xmap = {}
        self.nruns = 0
        self.nev = 0
        self.open_run = False
        self.base_m = base_m
        self.r_base = RUN_ID_BASE + (self.id << 32) + self.runs_done

    def clear(self):
        self.timer_tok.clear()
        self.io_runs.clear()
        self.named.clear()
        self.sleep_timers.clear()
        self.exec_jobs.clear()

    def drop_capture(self):
        """After a failure: hold on to nothing of the program's."""
        self.task_refs.clear()
        self.io_runs.clear()
        del self.ev[:]
        del self.rt[:]
        del self.who[:]
        del self.s[:]
        del self.sl[:]
        del self.cr[:]
        del self.wl[:]
        self.threadsafe.clear()
        self._new_batch(_mono())
        del self.blocked[:]

    def fail(self, exc):
        """A failure while filing the run just made: filed as unknown; reported by the next
        encode."""
        if len(self.who) < len(self.rt):
            self.who.append(0)
            self.s.extend(_NOHID)
        if self.failed is None:
            self.failed = exc
        # Something in `ev` sends the tick through `encode`, which reports the failure.
        self.ev.append((T_EVENTS, len(self.rt), []))

    def file_interrupted(self, handle):
        """Files the run a KeyboardInterrupt or SystemExit went through."""
        try:
            owner = getattr(handle._callback, "__self__", None)
            rec = self.tasks.get(id(owner))
            if rec is not None:
                self.who.append(rec[4])
            else:
                self.other_run(handle, owner, None)
        except Exception:
            pass
        if len(self.who) < len(self.rt):
            self.who.append(0)
            self.s.extend(_NOHID)

    # -- the hot path's slow branches ----------------------------------------------------------

    def direct_task(self, task):
        """A task built directly (`asyncio.Task(coro)`), seen inside its constructor:
        recorded there and then."""
        loop = self.loop_ref()
        self.cr += (len(self.rt), task, task_coro(task), hooks.current_task(loop), hooks.creation_site(), _mono())

    def other_run(self, handle, owner, rec):
        """Files the run just made that is not a plain step of a pending, known task."""
        if rec is None and not self.named:
            # The common case first: a function or method already labelled.
            cb = handle._callback
            kind = type(cb)
            if kind is _FunctionType:
                found = self.cb_codes.get(id(cb.__code__))
                if found is not None and found[0] is cb.__code__:
                    self._file_plain(handle, (0, found[1], 0))
                    return
            elif kind is _MethodType and owner is not None and type(owner) not in _TASK_TYPES:
                code = getattr(cb.__func__, "__code__", None)
                found = self.cb_codes.get(id(code))
                if found is not None and found[0] is code:
                    self._file_plain(handle, (0, found[1], 0))
                    return
        if rec is None and owner is not None and isinstance(owner, _TASK_TYPES):
            # A step of a task never recorded (made while the agent did not look): its
            # creation goes before the run.
            out = []
            rec = self.task_record(owner, out, self.rt[-1] - self.loop_ref()._ls_paused)
            self._before_run(out)
        if rec is not None:
            self.who.append(rec[4])
            self.after_step(rec, owner)
            return
        ids = self.named.pop(id(handle), None) if self.named else None
        if ids is None:
            self._file_plain(handle, (0, self.cb_id(handle._callback), 0))
            return
        self.who.append(0)
        self.s.extend(ids)

    def _file_plain(self, handle, ids):
        """Files a run of a plain callback, named by nobody; a selector's handle keeps its
        ids for its next runs (`io_runs`)."""
        self.who.append(0)
        self.s += ids
        if id(handle) in self.io_runs:
            self.io_runs[id(handle)] = ids

    def io_watched(self, handle):
        """The selector now holds `handle` (add_reader / add_writer)."""
        self.io_runs[id(handle)] = None

    def io_dropped(self, handle):
        """The selector let `handle` go (removed, or replaced by another)."""
        self.io_runs.pop(id(handle), None)

    def _before_run(self, out):
        """Events that belong before the run just made (recorded after it)."""
        self.ev.append((T_EVENTS, len(self.rt) - 1, out))
        self.unsorted = True

    def after_step(self, rec, task):
        """What changed about a task with the step just made: a new wait (worked out at
        the tick's end), or its end (read now: the task may be freed with the handle)."""
        if task._state == "PENDING":
            waiter = task._fut_waiter
            if waiter is not None and id(waiter) != rec[2]:
                rec[2] = id(waiter)
                if type(waiter) is _Future:
                    self.wl += (len(self.rt), rec, rec[2], task)
                else:
                    self.ev.append((T_WAIT, len(self.rt), rec, rec[2], task))
            return
        if rec[2] == "final":
            return
        out = []
        self.task_end(rec, task, out, _mono() - self.loop_ref()._ls_paused)
        self.ev.append((T_EVENTS, len(self.rt), out))

    def unknown_timer(self, handle):
        """Files the run of a due timer the agent never saw scheduled (or named in a
        snapshot): as a handle of its own."""
        ids = self.named.pop(id(handle), None)
        if ids is None:
            out = []
            t = self.rt[-1] - self.loop_ref()._ls_paused
            cid, tid, _rec = self.callback_of(handle._callback, out, t)
            if out:
                self._before_run(out)
            ids = (0, cid, tid)
        self.who.append(0)
        self.s.extend(ids)

    def cb_id(self, cb):
        """The callback id of a run that steps no task, defined (before the run) if new."""
        cid = self._known_cb(cb)
        if cid:
            return cid
        out = []
        cid, _tid, _rec = self.callback_of(cb, out, self.rt[-1] - self.loop_ref()._ls_paused)
        if out:
            self._before_run(out)
        return cid

    def _known_cb(self, cb):
        """The id of a function, method or partial of one already labelled, or 0. Looked up
        by id(code) (hashing a code object hashes its whole body), checked to be the same code."""
        kind = type(cb)
        if kind is _FunctionType:
            code = cb.__code__
            table = self.cb_codes
        elif kind is _MethodType:
            code = getattr(cb.__func__, "__code__", None)
            table = self.cb_codes
        elif kind is _partial:
            code = getattr(cb.func, "__code__", None)
            table = self.cb_partials
        else:
            return 0
        found = table.get(id(code))
        if found is not None and found[0] is code:
            return found[1]
        return 0

    def _label_cb(self, cb, cid):
        """Remembers cb's code for `_known_cb`."""
        kind = type(cb)
        if kind is _FunctionType:
            self.cb_codes[id(cb.__code__)] = (cb.__code__, cid)
        elif kind is _MethodType:
            code = getattr(cb.__func__, "__code__", None)
            if code is not None:
                self.cb_codes[id(code)] = (code, cid)
        elif kind is _partial:
            code = getattr(cb.func, "__code__", None)
            if code is not None:
                self.cb_partials[id(code)] = (code, cid)

    def threadsafe_schedules(self):
        """Schedules from other threads (and executor jobs ending), named before they run."""
        loop = self.loop_ref()
        off = loop._ls_paused
        out = []
        q = self.threadsafe
        while q:
            handle, t_mono, thread_name = q.popleft()
            t = t_mono - off
            callback = handle._callback
            if getattr(callback, "__name__", "") == "_set_state" and handle._args:
                job = self.exec_job_of(handle._args[0])
                if job is not None:
                    del self.exec_jobs[id(handle._args[0])]
                    out.append({"type": ev.EXECUTOR_DONE, "t": round(t, 6), "loop": self.id, "job": job[0],
                                "thread": thread_name, "dur": round(t_mono - job[2], 6),
                                "start": round(job[2] - off, 6)})
            hid = self.handle_id(handle, out, t)
            ids = self.named.get(id(handle)) or (hid, 0, 0)
            out.append({"type": ev.HANDLE_SCHEDULE, "t": round(t, 6), "loop": self.id, "handle": hid,
                        "cb": ids[1], "task": ids[2] or None, "thread": thread_name})
        if out:
            self.ev.append((T_EVENTS, len(self.rt), out))

    # -- ids ---------------------------------------------------------------------------------

    def handle_id(self, handle, out, t):
        """A handle's id, given when it is first named (and kept until it runs)."""
        tok = self.timer_tok.get(id(handle))
        if tok is not None:
            return -tok
        ids = self.named.get(id(handle))
        if ids is None:
            cid, tid, _rec = self.callback_of(handle._callback, out, t)
            ids = self.named[id(handle)] = (new_id(), cid, tid)
        return ids[0]

    def _gone(self, ref):
        rec = self.tasks.get(ref.key)
        if rec is not None and rec[1] is ref:
            del self.tasks[ref.key]

    def task_record(self, task, out, t, parent=None, site=None, coro=None):
        rec = self.tasks.get(id(task))
        if rec is not None:
            return rec
        tid = new_id()
        key = id(task)
        # asyncio's registry holds a weak reference to the task already (see
        # agent._watch_task_registry): borrowed, with a note of whose record it ends.
        ref = self.task_refs.pop(key, None)
        if ref is not None and ref() is task:
            _record_of_ref[ref] = key
            _trace_of_ref[ref] = self
        else:
            try:
                ref = _KeyedRef(task, self._gone, key)
            except TypeError:
                ref = lambda task=task: task  # noqa: E731 - a task type without weakrefs
        if coro is None:
            coro = task_coro(task)
        code = coro_code(coro)
        ckey = code if code is not None else type(coro)
        found = self.coro_cids.get(id(ckey))
        t = round(t, 6)
        if found is not None and found[0] is ckey:
            cid = found[1]
        else:
            cid = new_id()
            self.coro_cids[id(ckey)] = (ckey, cid)
            label = self.cb_labels[cid] = coro_name(coro) if coro is not None else "Task"
            out.append({"type": ev.CALLBACK, "t": t, "cb": cid, "label": label, "site": code_site(code)})
        # [task id, weakref, id of the awaited future last written, cb id, run token]
        rec = self.tasks[key] = [tid, ref, None, cid, -tid]
        parent_id = None
        if parent is not None and parent is not task:
            # The parent is almost always recorded already: found without a call.
            prec = self.tasks.get(id(parent))
            parent_id = (prec if prec is not None else self.task_record(parent, out, t))[0]
        try:
            name = task.get_name()
        except Exception:
            name = "Task"
        out.append((OP_TASK, tid, cid, parent_id, name, coro_name(coro) if coro is not None else "Task", site, t,
                    self.id))
        return rec

    def callback_of(self, cb, out, t):
        """(callback id, task id or 0, task record or None) for a handle's callback."""
        cid = self._known_cb(cb)
        if cid and type(cb) is not _MethodType:
            return cid, 0, None
        owner = getattr(cb, "__self__", None)
        rec = self.tasks.get(id(owner))
        if rec is not None:
            return rec[3], rec[0], rec
        if owner is not None and isinstance(owner, _TASK_TYPES):
            rec = self.task_record(owner, out, t)
            return rec[3], rec[0], rec
        if cid:
            return cid, 0, None
        key = callback_key(cb)
        cid = self.cbs.get(key)
        if cid is None:
            cid = self.cbs[key] = new_id()
            label = self.cb_labels[cid] = callback_label(cb)
            out.append({"type": ev.CALLBACK, "t": round(t, 6), "cb": cid, "label": label,
                        "site": callback_site(cb)})
        self._label_cb(cb, cid)
        return cid, 0, None

    # -- task states -----------------------------------------------------------------------

    def task_end(self, rec, task, out, t):
        """The end of a task that is done: `task.state` done / failed / cancelled."""
        if rec[2] == "final":
            return
        rec[2] = "final"
        L = self.id
        t = round(t, 6)
        by = self.cancelled_by.pop(rec[0], None)
        waited_msg = self.cancel_msgs.pop(rec[0], None) if self.cancel_msgs else None
        state = task._state
        if state == "FINISHED":
            exc = task._exception
            if exc is None:
                out.append((OP_DONE, rec[0], result_repr(task._result), t, L))
            else:
                info = exception_info(exc)
                out.append({"type": ev.TASK_STATE, "t": t, "loop": L, "task": rec[0], "state": "failed",
                            "exc": info})
                out.append({"type": ev.PROBLEM, "t": t, "loop": L, "kind": "task-failed",
                            "message": "task %s failed: %s: %s" % (task.get_name(), info["type"], info["message"]),
                            "task": rec[0]})
        else:
            msg = getattr(task, "_cancel_message", None)
            if msg is None:
                # The Python Task keeps the error it ended with; reading it changes nothing.
                ended = getattr(task, "_cancelled_exc", None)
                args = getattr(ended, "args", None)
                msg = args[0] if args else waited_msg
            event = {"type": ev.TASK_STATE, "t": t, "loop": L, "task": rec[0], "state": "cancelled",
                     "cancelMsg": None if msg is None else str(msg)}
            if by is not None:
                event["cancelledBy"] = by
            out.append(event)

    def awaiting(self, waiter, task, out, t):
        if type(waiter) is _Future:
            # The common case: a plain future (a queue's, a lock's, a stream's, an executor's).
            if self.exec_jobs:
                job = self.exec_job_of(waiter)
                if job is not None:
                    return job[4]
            return self.classify(task)
        if isinstance(waiter, _TASK_TYPES):
            # Packed as an op of its own: the reader names the awaited task.
            return (OP_WAIT_TASK, self.task_record(waiter, out, t)[0])
        if _GATHERING and isinstance(waiter, _GATHERING):
            refs = []
            for child in getattr(waiter, "_children", ()) or ():
                if isinstance(child, _TASK_TYPES):
                    refs.append(self.task_record(child, out, t)[0])
            return (OP_WAIT_GATHER, refs)
        job = self.exec_job_of(waiter)
        if job is not None:
            return job[4]
        return self.classify(task)

    def classify(self, task):
        """What a task waiting on a plain future awaits (classify_by_frame), with the futures
        of an asyncio.wait named (`wait_many`)."""
        awaited = classify_by_frame(task, self.await_cache)
        return self.wait_many(task) if awaited is WAIT_MANY else awaited

    def wait_many(self, task):
        """What a task suspended in asyncio.wait awaits: the tasks it was given (those
        recorded), as a gather's are named; its label says how many, and when it returns
        if not at all of them."""
        try:
            found = waited_in_wait(task)
        except Exception:
            found = None
        if found is None:
            return WAIT_MANY
        fs, when = found
        tasks_get = self.tasks.get
        refs = sorted(rec[0] for rec in map(tasks_get, map(id, fs)) if rec is not None)
        label = "asyncio.wait of %d%s" % (len(fs), _WAIT_WHEN.get(when, ""))
        return {"kind": "gather" if refs else "future", "ref": refs or None, "label": label}

    def exec_job(self, fut, func, t_sub):
        """A `run_in_executor` job, known from its submission on (it may end before the
        tick that submitted it is encoded): (job id, function label, submitted at
        (monotonic), weak reference to its future, its `awaiting`)."""
        job_id = new_id()
        label = callback_label(func)
        key = id(fut)
        jobs = self.exec_jobs

        def gone(ref):
            # The future was freed before its job ended (its executor shut down): its
            # address may be reused by a future that is no job's.
            found = jobs.get(key)
            if found is not None and found[3] is ref:
                del jobs[key]

        job = (job_id, label, t_sub, weakref.ref(fut, gone), {"kind": "executor", "ref": job_id, "label": label})
        jobs[key] = job
        return job

    def exec_job_of(self, waiter):
        """The job whose future `waiter` is, or None."""
        job = self.exec_jobs.get(id(waiter))
        return job if job is not None and job[3]() is waiter else None

    def note_cancel(self, callback, fut, current, out, t):
        """A wake-up was scheduled for a cancelled future: its task was cancelled by
        `current` (or, when the future is a task cancelled in turn, by whoever cancelled
        that one)."""
        owner = getattr(callback, "__self__", None)
        if owner is None or not isinstance(owner, _TASK_TYPES):
            return
        # Its message, should the task end of it (a later cancel of the same task replaces it).
        msg = getattr(fut, "_cancel_message", None)
        if msg is not None or self.cancel_msgs:
            self.cancel_msgs[self.task_record(owner, out, t)[0]] = msg
        if current is None:
            return
        if current is fut or current is owner:
            rec = self.tasks.get(id(fut))
            by = self.cancelled_by.get(rec[0]) if rec is not None else None
            if by is None:
                return
        else:
            by = self.task_record(current, out, t)[0]
        self.cancelled_by.setdefault(self.task_record(owner, out, t)[0], by)

    # -- snapshots -------------------------------------------------------------------------------

    def snapshot(self, out, t, first=None):
        """The queues as they are now; `first`, a handle taken from the ready queue that is
        to run next (a hold before it), is shown at the queue's head."""
        loop = self.loop_ref()
        ready = []
        ready_cb = []
        ready_task = []
        for handle in ([first] if first is not None else []) + list(loop._ready):
            if not handle._cancelled:
                hid = self.handle_id(handle, out, t)
                ids = self.named.get(id(handle))
                if ids is None:
                    # A timer (named by its schedule): its callback as the schedule gave it.
                    cid, tid, _rec = self.callback_of(handle._callback, out, t)
                    ids = (hid, cid, tid)
                ready.append(hid)
                ready_cb.append(ids[1])
                ready_task.append(ids[2])
        timers = sorted(
            ((self.handle_id(h, out, t), h._when) for h in list(loop._scheduled) if not h._cancelled),
            key=_item1,
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
        return {"ready": ready, "readyCb": ready_cb, "readyTask": ready_task,
                "timers": [[hid, round(when, 6)] for hid, when in timers], "io": io}

    def keyframe_line(self, tick, now):
        out = []
        t = now - self.loop_ref()._ls_paused
        snap = self.snapshot(out, t)
        event = {"type": ev.TICK_BEGIN, "t": round(t, 6), "loop": self.id, "tick": tick}
        event.update(snap)
        out.append(event)
        return render(out)

    # -- packing ---------------------------------------------------------------------------------

    def _xref(self, obj):
        """Index in the batch's object list (one entry per object, however often used)."""
        key = id(obj)
        index = self.xmap.get(key)
        if index is None:
            index = self.xmap[key] = len(self.X)
            self.X.append(obj)
        return index

    def _events(self, out):
        """Whole events (dicts) and packed task ops (tuples led by their op code)."""
        I = self.I
        xref = self._xref
        off = None
        for event in out:
            if type(event) is dict:
                I.append(OP_EVENT)
                I.append(xref(event))
                continue
            if off is None:
                off = self.loop_ref()._ls_paused
            if event[0] == OP_TASK:
                _op, tid, cid, parent, name, coro, site, t, _loop = event
                I.extend((OP_TASK, tid, cid, parent or 0, xref(name), xref(coro), -1 if site is None else xref(site)))
            else:
                _op, tid, result, t, _loop = event
                I.extend((OP_DONE, tid, xref(result)))
            self.G.append(t + off)
        self.nev += len(out)

    def _wait(self, tid, awaited):
        """`task.state` waiting, for the task of the run that just ended."""
        I = self.I
        if type(awaited) is dict:
            I.extend((OP_WAIT, tid, self._xref(awaited)))
        elif awaited[0] == OP_WAIT_TASK:
            I.extend((OP_WAIT_TASK, tid, awaited[1]))
        else:
            refs = awaited[1]
            I.extend((OP_WAIT_GATHER, tid, len(refs)))
            I.extend(refs)
        self.nev += 1

    def emit(self):
        """Writes the pending batch as one line."""
        I = self.I
        if not I:
            return
        loop = self.loop_ref()
        off = loop._ls_paused if loop is not None else 0.0
        try:
            ints = array.array("i", I)
            sints = array.array("i", self.S)
            lints = array.array("i", self.SL)
            wints = array.array("i", self.WA)
            wide = ""
        except OverflowError:
            # An id past 2**31 (a long-lived program): every integer list as int64.
            ints = array.array("q", I)
            sints = array.array("q", self.S)
            lints = array.array("q", self.SL)
            wints = array.array("q", self.WA)
            wide = ',"wide":1'
        head = '{"type":"batch","t":%.6f,"v":2,"loop":%d,"off":%r,"r":%d,"n":%d,"sc":%d%s,"f":"' % (
            self.base_m - off, self.id, off, self.r_base, self.nev + self.nruns, self.sleep_cid, wide)
        line = b"".join((
            head.encode("ascii"), _b64_array(array.array("d", self.F)), b'","g":"',
            _b64_array(array.array("d", self.G)), b'","i":"',
            _b64_array(ints), b'","s":"', _b64_array(sints), b'","sl":"', _b64_array(lints), b'","sw":"',
            _b64_array(array.array("d", self.SW)), b'","wa":"', _b64_array(wints), b'","x":',
            dumps(self.X).encode("utf-8", "backslashreplace"), b"}\n"))
        self.runs_done += self.nruns
        self._new_batch(_mono())
        get_writer().push_bytes(line)

    def encode(self, end_mono, frame=None):
        """Packs what the loop recorded since the last encode into the pending batch.
        `frame` is a whole tick's own record (tick, begin, ready count, select timeout,
        select start and end, fds), given at its end when nothing wrote it out before."""
        if (frame is not None and not self.ev and not self.cr and not self.sl and not self.wl and not self.threadsafe
                and self.failed is None and not self.blocked and len(self.who) == len(self.rt)):
            # A tick that only ran handles (the common case): its ops in one go.
            tick, t_tick, k, timeout, t_sel, t_woke, fds = frame
            I = self.I
            if fds:
                I.extend((OP_TICK, tick, k, OP_SELECT, len(fds)))
                I.extend(fds)
            else:
                I.extend((OP_TICK, tick, k, OP_SELECT, 0))
            who = self.who
            I.extend(who)
            I.extend((OP_TICK_END, tick))
            self.G.extend((t_tick, t_sel, t_woke, -1.0 if timeout is None else timeout, end_mono))
            self.F.extend(self.rt)
            if self.s:
                self.S.extend(self.s)
                del self.s[:]
            self.nruns += len(who)
            self.nev += 3
            self.open_run = False
            del who[:]
            del self.rt[:]
            return
        if self.failed is not None:
            exc, self.failed = self.failed, None
            raise exc
        if self.frame is not None:
            # Written out before the tick's end (a hold between handles): its start goes
            # first, and the tick is named as cut in two.
            tick, t_tick, k, timeout, t_sel, t_woke, fds = self.frame
            self.frame = None
            self.ev[:0] = [(T_TICK, 0, tick, t_tick, k), (T_SELECT, 0, timeout, t_sel, t_woke, fds)]
        loop = self.loop_ref()
        off = loop._ls_paused
        evs = self.ev
        who = self.who
        rt = self.rt
        if self.threadsafe:
            self.threadsafe_schedules()
        if len(who) < len(rt):
            # A run still in progress (os._exit from inside it): filed as what it is.
            handle = running_handle(sys._getframe())
            if handle is not None:
                self.file_interrupted(handle)
            while len(who) < len(rt):
                who.append(0)
                self.s.extend(_NOHID)
        nrun = len(who)
        if self.blocked:
            self._end_blocked(end_mono)
        cr = self.cr
        ncr = len(cr)
        ci = 0
        if self.unsorted:
            # Something was recorded for before a run after the run: put it in its place.
            evs.sort(key=_item1)
            self.unsorted = False
        if self.sl and not self.sleep_cid:
            at = self.sl[0]
            self.sleep_cid = self.cb_of_function(_SLEEP_CALLBACK, (rt[at - 1] if at else end_mono) - off)
        # Batch index of this stretch's first run (changes when a raw line cuts the batch).
        self.enc_base = self.nruns
        self.sl_done = 0
        self.wl_done = 0
        I = self.I
        if frame is not None:
            tick, t_tick, k, timeout, t_sel, t_woke, fds = frame
            if fds:
                I.extend((OP_TICK, tick, k, OP_SELECT, len(fds)))
                I.extend(fds)
            else:
                I.extend((OP_TICK, tick, k, OP_SELECT, 0))
            self.G.extend((t_tick, t_sel, t_woke, -1.0 if timeout is None else timeout))
            self.open_run = False
            self.nev += 2
        a = I.append
        G = self.G
        g = G.append
        timer_tok = self.timer_tok
        split = -1
        if frame is None and evs and evs[-1][0] != T_TICK_END:
            # A tick cut in two by a hold: its ready queue is named explicitly.
            for k in range(len(evs) - 1, -1, -1):
                if evs[k][0] == T_TICK:
                    split = k
                    break
        p = 0
        sp = 0
        nev = len(evs)
        F = self.F
        s = self.s
        i = 0
        while True:
            if i < nev:
                e = evs[i]
                pos = e[1]
            elif ci < ncr:
                e = None
                pos = cr[ci]
            else:
                break
            if ci < ncr and cr[ci] <= pos:
                # A task made: first among what happened in its run (what follows may name
                # it). Read from the flat list in place: no tuple per task made.
                pos = cr[ci]
                if pos > p:
                    sp = self._run_block(p, pos, sp)
                    p = pos
                self._created(cr[ci + 1], cr[ci + 2], cr[ci + 3], cr[ci + 4], cr[ci + 5] - off, i, pos)
                ci += 6
                nev = len(evs)
                continue
            if pos > p:
                # Runs p..pos-1, as they are: one token each (-task, -timer, or 0 with the
                # run's ids in `s`), and their start times.
                if pos - p == 1:
                    w = who[p]
                    a(w)
                    F.append(rt[p])
                    if not w:
                        self.S.extend(s[sp:sp + 3])
                        sp += 3
                    self.nruns += 1
                    self.open_run = True
                else:
                    sp = self._run_block(p, pos, sp)
                p = pos
            tag = e[0]
            i += 1
            if tag == T_TIMER:
                timer = e[2]
                hid = new_id()
                timer_tok[id(timer)] = -hid
                cb = timer._callback
                if cb is _SLEEP_CALLBACK:
                    if not self.sleep_cid:
                        self.sleep_cid = self.cb_of_function(cb, self._t_at(pos, end_mono) - off)
                    args = timer._args
                    if args:
                        sleeps = self.sleep_timers
                        if len(sleeps) > SLEEP_LINKS_MAX:
                            sleeps.clear()
                        sleeps[id(args[0])] = hid
                    a(OP_SLEEP_TIMER)
                    a(hid)
                else:
                    out = []
                    cid, tid, _rec = self.callback_of(cb, out, self._t_at(pos, end_mono) - off)
                    if out:
                        self._events(out)
                    if len(self.timer_cbs) >= TIMER_CBS_MAX:
                        self.timer_cbs.clear()
                    self.timer_cbs[hid] = cid
                    a(OP_TIMER)
                    a(hid)
                    a(cid)
                    a(tid)
                g(timer._when + off)
                self.nev += 1
            elif tag == T_WAIT:
                _, _, rec, wid, task = e
                if self.sleep_timers:
                    hid = self.sleep_timers.pop(wid, None)
                    if hid is not None:
                        I.extend((OP_SLEEP, rec[0], hid))
                        self.nev += 1
                        continue
                waiter = task._fut_waiter
                if waiter is None or id(waiter) != wid:
                    continue  # it moved on within the tick: its latest wait is written
                if type(waiter) is _Future and (not self.exec_jobs or self.exec_job_of(waiter) is None):
                    awaited = self.classify(task)
                else:
                    out = []
                    awaited = self.awaiting(waiter, task, out, self._t_at(pos, end_mono) - off)
                    if out:
                        self._events(out)
                if type(awaited) is dict:
                    xi = self.xmap.get(id(awaited))
                    if xi is None:
                        xi = self._xref(awaited)
                    I.extend((OP_WAIT, rec[0], xi))
                    self.nev += 1
                else:
                    self._wait(rec[0], awaited)
            elif tag == T_TICK:
                _, _, tick, t, k = e
                if i - 1 == split and k:
                    ready = self._ready_named(i, k, end_mono - off)
                    a(OP_TICK_READY)
                    a(tick)
                    a(len(ready))
                    for entry in ready:
                        I.extend(entry)
                else:
                    a(OP_TICK)
                    a(tick)
                    a(k)
                g(t)
                self.open_run = False
                self.nev += 1
            elif tag == T_SELECT:
                _, _, timeout, t_sel, t_woke, fds = e
                a(OP_SELECT)
                if fds:
                    a(len(fds))
                    I.extend(fds)
                else:
                    a(0)
                g(t_sel)
                g(t_woke)
                g(-1.0 if timeout is None else timeout)
                self.open_run = False
                self.nev += 1
            elif tag == T_DUE:
                a(OP_DUE)
                a(len(e[2]))
                I.extend(map(timer_tok.pop, e[2], _repeat(0)))
                self.nev += len(e[2])
            elif tag == T_TICK_END:
                a(OP_TICK_END)
                a(e[2])
                g(e[3])
                self.open_run = False
                self.nev += 1
            elif tag == T_EVENTS:
                if e[2]:
                    self._events(e[2])
            elif tag == T_SKIP:
                self._skip(e, off)
            elif tag == T_CANCEL:
                handle = e[2]
                tok = timer_tok.pop(id(handle), None)
                if tok is not None:
                    a(OP_CANCEL)
                    a(-tok)
                    self.nev += 1
                if handle._callback is _SLEEP_CALLBACK and handle._args:
                    self.sleep_timers.pop(id(handle._args[0]), None)
            elif tag == T_RAW:
                if self.open_run:
                    self._end_run(self._next_time(i - 1, end_mono))
                self._sleeps(p, off)
                if self.wl:
                    self.waits(p)
                self.emit()
                self.enc_base = -p
                get_writer().push(e[2])
                I = self.I
                a = I.append
                G = self.G
                g = G.append
                F = self.F
            elif tag == T_IO:
                _, _, op_name, fd, direction, callback, t_io = e
                t = t_io - off
                out = []
                event = {"type": ev.IO_WATCH, "t": round(t, 6), "loop": self.id, "op": op_name, "fd": fd,
                         "dir": direction}
                if callback is not None:
                    event["cb"] = self.callback_of(callback, out, t)[0]
                out.append(event)
                self._events(out)
            elif tag == T_EXEC_SUBMIT:
                _, _, job, parent = e
                t = job[2] - off
                out = []
                parent_id = None if parent is None else self.task_record(parent, out, t)[0]
                out.append({"type": ev.EXECUTOR_SUBMIT, "t": round(t, 6), "loop": self.id, "job": job[0],
                            "fn": job[1], "task": parent_id})
                self._events(out)
            elif tag == T_CANCELLED_BY:
                out = []
                self.note_cancel(e[2], e[3], e[4], out, self._t_at(pos, end_mono) - off)
                self._events(out)
        if p < nrun:
            self._run_block(p, nrun, sp)
        if frame is not None:
            if self.sl:
                self._sleeps(None, off)
            self.I.extend((OP_TICK_END, frame[0]))
            self.G.append(end_mono)
            self.open_run = False
            self.nev += 1
        elif self.open_run:
            # The stretch stops inside a tick (a hold): its last run ended now.
            self._end_run(end_mono)
        if self.sl:
            self._sleeps(None, off)
        if self.wl:
            self.waits(None)
        del evs[:]
        del who[:]
        del rt[:]
        del s[:]
        del self.sl[:]
        del cr[:]

    def _sleeps(self, upto, off):
        """asyncio.sleep timers recorded in call_at (up to run index `upto` of this
        stretch): the batch's sleep column, built with C-level maps. `sl` is flat: runs
        started before it, timer. Each call takes consecutive handle ids, so the column
        holds, per call, (count, first handle id, the run index of each)."""
        sl = self.sl
        first = self.sl_done
        last = len(sl)
        if upto is not None:
            last = first
            while last < len(sl) and sl[last] <= upto:
                last += 2
        if last == first:
            return
        n = (last - first) // 2
        hids = list(_islice(_ids, n))
        timers = sl[first + 1:last:2]
        self.timer_tok.update(zip(map(id, timers), map(_neg, hids)))
        SL = self.SL
        SL.append(n)
        SL.append(hids[0])
        SL.extend(map(_add, sl[first:last:2], _repeat(self.enc_base)))
        self.SW.extend(map(_add, map(_when, timers), _repeat(self.loop_ref()._ls_paused)))
        self.sl_done = last
        self.nev += 2 * n

    def waits(self, upto):
        """New waits on plain futures (up to run index `upto` of this stretch), as the
        batch's wait column: (run index, task, awaiting as an index into `x`) each."""
        wl = self.wl
        i = self.wl_done
        n = len(wl)
        WA = self.WA
        xmap = self.xmap
        classify = self.classify
        jobs = self.exec_jobs
        base = self.enc_base
        had = len(WA)
        while i < n:
            pos = wl[i]
            if upto is not None and pos > upto:
                break
            rec = wl[i + 1]
            wid = wl[i + 2]
            task = wl[i + 3]
            i += 4
            waiter = task._fut_waiter
            if waiter is None or id(waiter) != wid:
                continue  # it moved on within the tick: its latest wait is written
            job = self.exec_job_of(waiter) if jobs else None
            if job is not None:
                awaited = job[4]
            else:
                awaited = classify(task)
            xi = xmap.get(id(awaited))
            if xi is None:
                xi = self._xref(awaited)
            WA += (pos + base, rec[0], xi)
        self.wl_done = i
        self.nev += (len(WA) - had) // 3
        if upto is None:
            del wl[:]
            self.wl_done = 0

    def _end_run(self, end):
        """The end of the last run, where nothing timed follows it in this batch."""
        self.I.append(OP_END)
        self.G.append(end)
        self.open_run = False

    def _t_at(self, pos, end_mono):
        """The monotonic time of run pos-1's start (what happened in it happened then)."""
        rt = self.rt
        if 0 < pos <= len(rt):
            return rt[pos - 1]
        return end_mono if not rt else rt[-1]

    def _run_block(self, p, pos, sp):
        """Packs runs p..pos-1 of this stretch; returns the new cursor in `s`."""
        block = self.who[p:pos]
        self.I.extend(block)
        self.F.extend(self.rt[p:pos])
        zeros = block.count(0)
        if zeros:
            self.S.extend(self.s[sp:sp + 3 * zeros])
            sp += 3 * zeros
        self.nruns += pos - p
        self.open_run = True
        return sp

    def _created(self, task, coro, parent, site, t, i, pos):
        """A task made (by create_task, or built directly), as recorded then."""
        if task is None:
            return
        out = []
        rec = self.task_record(task, out, t, parent=parent, site=site, coro=coro)
        if task._state != "PENDING":
            # An eager task (3.12+) that finished inside create_task.
            self.task_end(rec, task, out, t)
        else:
            waiter = task._fut_waiter
            if waiter is not None and id(waiter) != rec[2]:
                # An eager task that ran to its first wait inside create_task.
                rec[2] = id(waiter)
                self.ev.insert(i, (T_WAIT, pos, rec, rec[2], task))
        self._events(out)

    def _next_time(self, i, end_mono):
        """When the loop went on after what was recorded before evs[i]: the next run's
        start, a skip or the tick's end."""
        evs = self.ev
        pos = evs[i][1]
        for k in range(i, len(evs)):
            e = evs[k]
            if e[1] != pos:
                break
            if e[0] == T_SKIP or e[0] == T_TICK_END:
                return e[3]
        return self.rt[pos] if pos < len(self.rt) else end_mono

    def cb_of_function(self, cb, t):
        out = []
        cid = self.callback_of(cb, out, t)[0]
        self._events(out)
        return cid

    def _skip(self, e, off):
        obj = e[2]
        out = []
        if type(obj) is int:
            ids = (-obj, 0, 0)  # a timer: the reader knows its callback from its schedule
        elif type(obj) is tuple:
            ids = obj
        else:
            handle = obj
            ids = self.named.pop(id(handle), None)
            if ids is None:
                if isinstance(handle, _TimerHandle):
                    return  # its cancel was written when it happened
                cid, tid, _rec = self.callback_of(handle._callback, out, e[3] - off)
                ids = (new_id(), cid, tid)
        if out:
            self._events(out)
        I = self.I
        I.append(OP_SKIP)
        I.extend(ids)
        self.G.append(e[3])
        self.open_run = False
        self.nev += 1

    def _ready_named(self, i, k, t):
        """[handle, cb, task] of the k handles that were ready when a tick cut in two by a
        hold began: those it ran (or skipped) so far, then the head of the ready queue,
        which are named now and keep those ids when they run."""
        entries = []
        evs = self.ev
        who = self.who
        s = self.s
        run = 0
        sp = 0
        nrun = len(who)
        j = i
        out = []
        while len(entries) < k:
            nxt = evs[j][1] if j < len(evs) else nrun
            while run < min(nxt, nrun) and len(entries) < k:
                w = who[run]
                if w:
                    # A task's step (the ready queue a tick begins with holds no timers).
                    entries.append((self.r_base + self.nruns + run, 0, -w))
                else:
                    hid, cid, tid = s[sp:sp + 3]
                    sp += 3
                    entries.append((hid or self.r_base + self.nruns + run, cid, tid))
                run += 1
            if len(entries) >= k or j >= len(evs):
                break
            e = evs[j]
            if e[0] == T_SKIP:
                obj = e[2]
                if type(obj) is int:
                    obj = (-obj, 0, 0)
                    evs[j] = (T_SKIP, e[1], obj, e[3])
                elif type(obj) is not tuple:
                    ids = self.named.pop(id(obj), None)
                    if ids is None:
                        cid, tid, _rec = self.callback_of(obj._callback, out, t)
                        ids = (new_id(), cid, tid)
                    evs[j] = (T_SKIP, e[1], ids, e[3])
                    obj = ids
                entries.append(obj)
            j += 1
        if len(entries) < k:
            for handle in list(self.loop_ref()._ready)[:k - len(entries)]:
                hid = self.handle_id(handle, out, t)
                entries.append(self.named.get(id(handle)) or (hid, 0, 0))
        if out:
            self._events(out)
        return entries

    def slow_runs(self, first, end_mono, threshold):
        """The runs of the tick ending now (from run index `first` of this stretch) that took
        `threshold` seconds or more and that the watchdog has not reported (it looks once
        per threshold, so a run shorter than two can end unseen): a `slow-callback` problem
        each, at the run's start. Called only for a tick that took that long in all."""
        rt = self.rt
        who = self.who
        s = self.s
        n = min(len(rt), len(who))
        if n <= first:
            return
        # A long tick of many short runs is the common case: rejected at C speed.
        last = (rt[n] if n < len(rt) else end_mono) - rt[n - 1]
        if last < threshold and (n - first < 2 or max(map(_sub, rt[first + 1:n], rt[first:n - 1])) < threshold):
            return
        reported = {r[2] for r in self.blocked}
        off = self.loop_ref()._ls_paused
        tasks_by_id = None
        for i in range(first, n):
            start = rt[i]
            took = (rt[i + 1] if i + 1 < len(rt) else end_mono) - start
            if took < threshold or start in reported:
                continue
            w = who[i]
            task = handle = None
            if w == 0:
                z = who[:i].count(0)
                hid, cid, tid = s[3 * z:3 * z + 3] if 3 * z + 3 <= len(s) else (0, 0, 0)
                handle = hid or None
                task = tid or None
                what = self.cb_labels.get(cid) or "a callback"
            else:
                if tasks_by_id is None:
                    tasks_by_id = {rec[0]: rec for rec in self.tasks.values()}
                rec = tasks_by_id.get(-w)
                if rec is not None:
                    task = rec[0]
                    obj = rec[1]()
                    name = obj.get_name() if obj is not None else None
                    what = "a step of task %s (%s)" % (name, self.cb_labels.get(rec[3], "?")) if name else (
                        "a task step")
                else:
                    handle = -w
                    what = self.cb_labels.get(self.timer_cbs.get(handle)) or "a timer callback"
            message = "%s took %.3f s: nothing else ran on the loop meanwhile" % (what, took)
            self.unsorted = True
            self.ev.append((T_EVENTS, i + 1, [{"type": ev.PROBLEM, "t": round(start - off, 6), "loop": self.id,
                                              "kind": "slow-callback", "message": message, "task": task,
                                              "handle": handle, "elapsed": round(took, 6)}]))

    def _end_blocked(self, end_mono):
        """The runs the watchdog reported as blocking have ended (a tick can hold several):
        each keeps the handle id its report gave it, and `blocked.end` follows it."""
        reports = self.blocked
        while reports:
            index, hid, t0 = reports.pop(0)
            self._end_one_blocked(index, hid, t0, end_mono)

    def _end_one_blocked(self, index, hid, t0, end_mono):
        who = self.who
        rt = self.rt
        if index >= len(who) or rt[index] != t0 or type(who[index]) is not int:
            # Not a run of this stretch: the watchdog lost a race with this thread, and
            # filed its report after the run it names was packed. It ended before the next
            # run began: that start (an upper bound) is its end, found among the pending
            # batch's start times where it is still there, else this stretch's first.
            F = self.F
            try:
                at = len(F) - 1 - F[::-1].index(t0)
                end = F[at + 1] if at + 1 < len(F) else None
            except ValueError:
                end = None
            if end is None:
                end = rt[0] if rt and rt[0] >= t0 else end_mono
            self.unsorted = True
            self.ev.append((T_EVENTS, 0, [{"type": ev.BLOCKED_END, "t": round(end - self.loop_ref()._ls_paused, 6),
                                          "loop": self.id, "handle": hid, "total": round(end - t0, 6)}]))
            return
        w = who[index]
        zeros = who[:index].count(0)
        if w == 0:
            self.s[3 * zeros] = hid
        elif w != -hid:
            # A task's step: named, so that it keeps the id the report gave it.
            self.s[3 * zeros:3 * zeros] = [hid, 0, -w]
            who[index] = 0
        end = rt[index + 1] if index + 1 < len(rt) else None
        for e in self.ev:
            if e[1] == index + 1 and (e[0] == T_SKIP or e[0] == T_TICK_END):
                end = e[3] if end is None or e[3] < end else end
        if end is None:
            end = end_mono
        t = end - self.loop_ref()._ls_paused
        self.unsorted = True
        self.ev.append((T_EVENTS, index + 1, [{"type": ev.BLOCKED_END, "t": round(t, 6), "loop": self.id,
                                              "handle": hid, "total": round(end - t0, 6)}]))


def as_event(item):
    """A packed task op (see `LoopTrace._events`) as the event it stands for."""
    if type(item) is dict:
        return item
    if item[0] == OP_TASK:
        _op, tid, cid, parent, name, coro, site, t, loop = item
        return {"type": ev.TASK_CREATE, "t": t, "loop": loop, "task": tid, "name": name, "coro": coro, "cb": cid,
                "parent": parent, "site": site}
    _op, tid, result, t, loop = item
    return {"type": ev.TASK_STATE, "t": t, "loop": loop, "task": tid, "state": "done", "result": result}


def render(items):
    """Whole events (dicts, or packed task ops) as NDJSON lines."""
    return "".join(dumps(as_event(item)) + "\n" for item in items)


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
