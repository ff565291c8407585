"""The instrumented event loop.

The seams are the ones CPython gives a subclass: `_run_once` (the one place callbacks
run, so the one place ticks exist), `call_soon` / `call_at` / `_timer_handle_cancelled`
(the ready queue and the timer heap), `create_task`, the selector loop's reader/writer
registration and `call_exception_handler`.

The hot path only appends: a handle about to run is appended to `self._ls_buf` as itself
and its start time to the array `self._ls_rt` (no tuple, nothing for the garbage collector
to track); everything else is a small tagged tuple in `_ls_buf`. A handle that only the
buffer still holds after its run is swapped for its task's record (or, rarely, for its ids)
so that it is freed exactly when bare asyncio frees it. At the end of each tick
`LoopEncodeState.encode` turns the buffer into `batch` ops, runs of handles as columns;
ids, labels and durations are all worked out there, once per tick, not once per handle.
"""

import array
import collections
import heapq
import itertools
import sys
import threading
import time
from asyncio import base_events, events as aio_events, selector_events

from . import encode, hooks, watchdog
from .control import LoopControl, registry
from .writer import get_writer

_mono = time.monotonic
_get_ident = threading.get_ident
_getrefcount = sys.getrefcount
# The loop may sleep briefly without writing what it has; never longer than this.
FLUSH_IDLE_S = 0.002
FLUSH_EVERY_S = 0.05
_TimerHandle = aio_events.TimerHandle
_MIN_SCHEDULED_TIMER_HANDLES = base_events._MIN_SCHEDULED_TIMER_HANDLES
_MIN_CANCELLED_TIMER_HANDLES_FRACTION = base_events._MIN_CANCELLED_TIMER_HANDLES_FRACTION
_MAXIMUM_SELECT_TIMEOUT = base_events.MAXIMUM_SELECT_TIMEOUT
_format_handle = base_events._format_handle

# Buffer tags (first item of a tagged tuple; a plain run entry is the only 2-tuple).
T_TICK = 0
T_SELECT = 1
T_DUE = 2
T_SKIP = 3
T_CANCEL = 4
T_CREATE = 5
T_IO = 6
T_RAW = 7
T_THREADSAFE = 8
T_TICK_END = 9
T_EXEC_SUBMIT = 10
T_CANCELLED_BY = 11
T_RAN = 12
T_TIMER = 13
T_STEP = 14

PHASE_IDLE = 0
PHASE_SELECT = 1
PHASE_RUN = 2
PHASE_AGENT = 3
PHASE_HELD = 4

_ids = itertools.count(1)
new_id = _ids.__next__

_AGENT_FILE = __file__


def _strip_agent_frame(source_traceback):
    # In debug mode asyncio records where a handle or task was made; our override adds
    # one frame that bare asyncio would not have.
    if source_traceback and source_traceback[-1][0] == _AGENT_FILE:
        del source_traceback[-1]


class InstrumentedLoopMixin:
    _ls_on = True

    def __init__(self, *args, **kwargs):
        self._ls_buf = []
        self._ls_rt = array.array("d")
        self._ls_threadsafe = collections.deque()
        self._ls_paused = 0.0
        self._ls_tick = 0
        self._ls_id = new_id()
        self._ls_phase = PHASE_IDLE
        self._ls_blocked = None
        self._ls_blocked_at = None
        self._ls_blocked_t0 = None
        self._ls_running = False
        self._ls_thread = None
        self._ls_flushed = 0.0
        self._ls_state = encode.LoopEncodeState(self)
        self._ls_tasks = self._ls_state.tasks
        # Inside create_task (which records its task itself): see call_soon.
        self._ls_creating = 0
        self._ls_ctl = LoopControl(self)
        super().__init__(*args, **kwargs)
        registry.add(self)

    # -- the clock: loop time excludes every interval the loop was held ----------------

    def time(self):
        return _mono() - self._ls_paused

    # -- scheduling ---------------------------------------------------------------------

    def call_soon(self, callback, *args, context=None):
        # asyncio's own body (no extra frame); plain schedules are not recorded: the trace
        # derives them from the next tick (docs/trace-format.md, `batch`).
        self._check_closed()
        if self._debug:
            self._check_thread()
            self._check_callback(callback, "call_soon")
        handle = self._call_soon(callback, args, context)
        if handle._source_traceback:
            del handle._source_traceback[-1]
        if args:
            if self._ls_on:
                # A wake-up for a cancelled future: remember who cancelled (`cancelledBy`).
                fut = args[0]
                if getattr(fut, "_state", None) == "CANCELLED":
                    self._ls_buf.append((T_CANCELLED_BY, callback, fut, hooks.current_task(self)))
        elif context is not None and id(getattr(callback, "__self__", None)) not in self._ls_tasks:
            # A task's step, of a task we have not recorded: unless create_task is making it,
            # this is its first step scheduled from its __init__, a task built directly
            # (`asyncio.Task(coro)`): record its creation now, where it happens.
            if not self._ls_creating and self._ls_on:
                self._ls_direct_task(callback)
        return handle

    def _ls_direct_task(self, callback):
        task = getattr(callback, "__self__", None)
        if not isinstance(task, encode._TASK_TYPES):
            return
        try:
            coro = task.get_coro()
        except Exception:
            coro = None
        self._ls_buf.append((T_CREATE, [task], coro, hooks.current_task(self), hooks.creation_site(), _mono()))

    def call_soon_threadsafe(self, callback, *args, context=None):
        self._check_closed()
        if self._debug:
            self._check_callback(callback, "call_soon_threadsafe")
        handle = self._call_soon(callback, args, context)
        if handle._source_traceback:
            del handle._source_traceback[-1]
        if self._ls_on:
            # Recorded before the wake-up: once woken, the loop may run it and stop.
            self._ls_threadsafe.append((handle, _mono(), threading.current_thread().name))
        self._write_to_self()
        return handle

    def call_at(self, when, callback, *args, context=None):
        timer = super().call_at(when, callback, *args, context=context)
        _strip_agent_frame(timer._source_traceback)
        if self._ls_on:
            self._ls_buf.append((T_TIMER, timer))
        return timer

    def _timer_handle_cancelled(self, handle):
        super()._timer_handle_cancelled(handle)
        # Only a timer still on the heap: asyncio.sleep cancels its timer after it fired,
        # and one already moved to the ready queue is recorded when asyncio skips it.
        if self._ls_on and handle._scheduled:
            self._ls_buf.append((T_CANCEL, handle, _mono()))

    def create_task(self, coro, **kwargs):
        if not self._ls_on:
            return super().create_task(coro, **kwargs)
        # Recorded before the task exists: a 3.12 eager task takes its first step inside
        # create_task, and its creation must come first in the trace.
        cell = [None]
        self._ls_buf.append((T_CREATE, cell, coro, hooks.current_task(self), hooks.creation_site(), _mono()))
        self._ls_creating += 1
        try:
            task = super().create_task(coro, **kwargs)
        finally:
            self._ls_creating -= 1
        _strip_agent_frame(getattr(task, "_source_traceback", None))
        cell[0] = task
        return task

    # -- I/O watchers -------------------------------------------------------------------

    def _add_reader(self, fd, callback, *args):
        result = super()._add_reader(fd, callback, *args)
        if self._ls_on:
            self._ls_buf.append((T_IO, "add", fd, "read", callback, _mono()))
        return result

    def _remove_reader(self, fd):
        result = super()._remove_reader(fd)
        if self._ls_on and result:
            self._ls_buf.append((T_IO, "remove", fd, "read", None, _mono()))
        return result

    def _add_writer(self, fd, callback, *args):
        result = super()._add_writer(fd, callback, *args)
        if self._ls_on:
            self._ls_buf.append((T_IO, "add", fd, "write", callback, _mono()))
        return result

    def _remove_writer(self, fd):
        result = super()._remove_writer(fd)
        if self._ls_on and result:
            self._ls_buf.append((T_IO, "remove", fd, "write", None, _mono()))
        return result

    # -- executor -----------------------------------------------------------------------

    def run_in_executor(self, executor, func, *args):
        submitted = _mono()
        fut = super().run_in_executor(executor, func, *args)
        if self._ls_on:
            self._ls_buf.append((T_EXEC_SUBMIT, fut, func, submitted, hooks.current_task(self)))
        return fut

    # -- problems -----------------------------------------------------------------------

    def call_exception_handler(self, context):
        if self._ls_on:
            try:
                hooks.report_exception_context(self, context)
            except Exception as exc:
                hooks.disable_hook("problem reporting", exc)
        return super().call_exception_handler(context)

    def close(self):
        was_closed = self.is_closed()
        super().close()
        if self._ls_on and not was_closed:
            self._ls_raw(encode.loop_close(self))
            self._ls_flush()
            self._ls_state.clear()
            registry.discard(self)

    # -- events from outside the tick ----------------------------------------------------

    def _ls_raw(self, line):
        """Queue a pre-encoded line in order with the loop's other events."""
        self._ls_buf.append((T_RAW, line, None))

    def _ls_encode(self, end_mono):
        """Resolve the buffer into the loop's pending batch (written when it is large,
        or by `_ls_emit`). The buffer list itself is kept: the tick holds it in a local."""
        buf = self._ls_buf
        if not buf and not self._ls_threadsafe:
            return
        items = buf.copy()
        buf.clear()
        rt = self._ls_rt
        times = rt[:]
        del rt[:]
        phase = self._ls_phase
        self._ls_phase = PHASE_AGENT
        try:
            self._ls_state.encode(items, times, end_mono)
        except Exception as exc:
            self._ls_on = False
            hooks.disable_hook("event encoding", exc)
        self._ls_phase = phase

    def _ls_emit(self):
        """Everything recorded so far, in order, into the writer's queue."""
        self._ls_encode(_mono())
        try:
            self._ls_state.emit()
        except Exception as exc:
            self._ls_on = False
            hooks.disable_hook("event encoding", exc)

    def _ls_flush(self):
        self._ls_emit()
        get_writer().flush()
        self._ls_flushed = _mono()

    def _ls_start(self):
        self._ls_running = True
        self._ls_thread = threading.current_thread()
        self._ls_raw(encode.loop_start(self))
        self._ls_ctl.on_loop_start()
        watchdog.ensure_started()

    def _ls_stop(self):
        self._ls_running = False
        self._ls_raw(encode.loop_stop(self))
        self._ls_flush()

    # -- the tick -----------------------------------------------------------------------

    def _run_once(self):
        if not self._ls_on:
            return super()._run_once()
        try:
            self._ls_run_once()
        except BaseException:
            self._ls_stop()
            raise
        if self._stopping:
            self._ls_stop()

    def _ls_run_once(self):
        if not self._ls_running:
            self._ls_start()
        ctl = self._ls_ctl
        self._ls_tick += 1
        tick = self._ls_tick
        if ctl.keyframe_due(tick):
            # Ids in a snapshot must already be defined: encode what came before first.
            now = _mono()
            self._ls_encode(now)
            self._ls_buf.append((T_RAW, self._ls_state.keyframe_line(tick, now), None))
        else:
            # How many handles wait in the ready queue: the first that many run in this
            # tick, so their schedules need not be recorded one by one.
            self._ls_buf.append((T_TICK, tick, _mono(), len(self._ready)))
        if ctl.hold_at_tick:
            ctl.tick_boundary(tick)

        sched_count = len(self._scheduled)
        if (sched_count > _MIN_SCHEDULED_TIMER_HANDLES and
                self._timer_cancelled_count / sched_count > _MIN_CANCELLED_TIMER_HANDLES_FRACTION):
            new_scheduled = []
            for handle in self._scheduled:
                if handle._cancelled:
                    handle._scheduled = False
                else:
                    new_scheduled.append(handle)
            heapq.heapify(new_scheduled)
            self._scheduled = new_scheduled
            self._timer_cancelled_count = 0
        else:
            while self._scheduled and self._scheduled[0]._cancelled:
                self._timer_cancelled_count -= 1
                handle = heapq.heappop(self._scheduled)
                handle._scheduled = False

        timeout = None
        if self._ready or self._stopping:
            timeout = 0
        elif self._scheduled:
            timeout = min(max(0, self._scheduled[0]._when - self.time()), _MAXIMUM_SELECT_TIMEOUT)

        if timeout != 0:
            # The loop may sleep now: what it did must reach the host first, unless the
            # sleep is too short to matter and the host heard from us recently.
            now = _mono()
            if timeout is None or timeout >= FLUSH_IDLE_S or now - self._ls_flushed >= FLUSH_EVERY_S:
                self._ls_flush()
        self._ls_phase = PHASE_SELECT
        t_select = _mono()
        event_list = self._selector.select(timeout)
        t_woke = _mono()
        self._ls_phase = PHASE_RUN
        self._process_events(event_list)
        fds = [key.fd for key, _mask in event_list] if event_list else None
        self._ls_buf.append((T_SELECT, timeout, t_select, t_woke, fds))
        event_list = None
        if fds and ctl.break_fd_ready:
            ctl.fd_ready(fds)

        end_time = self.time() + self._clock_resolution
        buf = self._ls_buf
        while self._scheduled:
            handle = self._scheduled[0]
            if handle._when >= end_time:
                break
            handle = heapq.heappop(self._scheduled)
            handle._scheduled = False
            self._ready.append(handle)
            buf.append((T_DUE, handle, None))

        ready = self._ready
        n_ready = len(ready)
        append = buf.append
        rt = self._ls_rt
        tappend = rt.append
        state = self._ls_state
        hids = state.hids
        tasks_get = state.tasks.get
        for _ in range(n_ready):
            handle = ready.popleft()
            if handle._cancelled:
                append((T_SKIP, handle, _mono()))
                continue
            check = ctl.check_handles
            if check:
                ctl.before_handle(handle)
            at = len(buf)
            tappend(_mono())
            append(handle)
            if self._debug:
                try:
                    self._current_handle = handle
                    t0 = self.time()
                    handle._run()
                    dt = self.time() - t0
                    if dt >= self.slow_callback_duration:
                        # Looked up now, as asyncio does: tests patch the module's logger.
                        base_events.logger.warning("Executing %s took %.3f seconds", base_events._format_handle(handle), dt)
                finally:
                    self._current_handle = None
            else:
                handle._run()
            if check and ctl.check_handles:
                ctl.after_handle(handle, rt[-1] if rt else _mono())
            # Who holds the handle now: the buffer, this local and the argument (3), plus
            # `hids` when it has an id (4). Anything more is the program's. Bare asyncio
            # would free it here, and with it perhaps a failed task whose __del__ reports
            # "exception never retrieved": drop our reference now. (Only a hold, so only
            # with `check`, writes the buffer out while a handle runs.)
            rc = _getrefcount(handle)
            if rc <= 4 and (not check or (len(buf) > at and buf[at] is handle)):
                try:
                    if rc == 3:
                        owner = getattr(handle._callback, "__self__", None)
                        rec = tasks_get(id(owner))
                        if rec is not None and owner._state == "PENDING":
                            # The common case, a task step: its record is all the encoder
                            # needs, and whether it now waits on something new.
                            waiter = owner._fut_waiter
                            buf[at] = rec if waiter is None or id(waiter) == rec[2] else (T_STEP, rec)
                            waiter = None
                        else:
                            buf[at] = state.resolve(handle)
                        owner = rec = None
                    elif id(handle) in hids:
                        buf[at] = state.resolve(handle)
                except Exception:
                    # A hostile callback: left as it is; the encoder meets the same error
                    # and turns itself off with a notice.
                    owner = rec = None
        handle = None
        self._ls_phase = PHASE_IDLE
        now = _mono()
        append((T_TICK_END, tick, now))
        self._ls_encode(now)


def make_loop_class(base, name):
    cls = type(base.__name__, (InstrumentedLoopMixin, base), {"__module__": base.__module__})
    cls.__qualname__ = base.__qualname__
    return cls


def is_instrumented(loop):
    return isinstance(loop, InstrumentedLoopMixin)
