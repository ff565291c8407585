"""The instrumented event loop.

The seams are the ones CPython gives a subclass: `_run_once` (the one place callbacks
run, so the one place ticks exist), `call_soon` / `call_at` / `_timer_handle_cancelled`
(the ready queue and the timer heap), `create_task`, the selector loop's reader/writer
registration and `call_exception_handler`.

Everything Loopscope keeps about a loop lives in one object, `self._ls`
(`encode.LoopTrace`): CPython shares an instance's attribute keys with its class only up
to 30 names, and a loop already has 24 of its own; more would slow every `self._ready` in
asyncio itself (measured: 8 % of a bare `sleep(0)` switch).

The hot path of a run appends the run's start time to an `array('d')` and, after the run,
one integer to `who`: the id of the task it stepped, or 0 with the handle's (id, callback,
task) in `s`. Nothing of the handle is kept, so it is freed exactly when bare asyncio frees
it. Everything else is a small tuple in `ev` that records how many runs had started before
it (`len(rt)`: during run j that is j + 1, between runs j - 1 and j it is j);
at the end of the tick `LoopTrace.encode` turns all of it into one packed `batch`
(docs/trace-format.md), mostly with C-level copies.
"""

import collections
import heapq
import itertools
import sys
import threading
import time
from asyncio import base_events, events as aio_events, tasks as aio_tasks

from . import control, encode, hooks, watchdog
from .control import LoopControl, registry, settings as _settings
from .encode import (OP_SELECT, OP_TICK, OP_TICK_END, T_CANCEL, T_CANCELLED_BY, T_CREATE, T_DUE, T_EVENTS,
                     T_EXEC_SUBMIT, T_IO, T_RAW, T_SELECT, T_SKIP, T_TICK, T_TICK_END, T_TIMER, T_WAIT, new_id)
from .writer import get_writer

_mono = time.monotonic
_islice = itertools.islice
_TimerHandle = aio_events.TimerHandle
_heappush = heapq.heappush
_SLEEP_CALLBACK = encode._SLEEP_CALLBACK
_Future = encode._Future


def _current_task_getter():
    """How to ask which task a loop runs now: straight from asyncio's own map where asyncio
    keeps it there (3.8-3.13: the C module's dict; without the C module, the Python one),
    else asyncio.current_task. 3.14 keeps the current task in the thread state and leaves
    tasks._current_tasks an empty dict that nothing fills: read there, every task would have
    no parent and no sleep would be seen."""
    mapping = getattr(aio_tasks, "_current_tasks", None)
    try:
        import _asyncio
    except ImportError:
        _asyncio = None
    if isinstance(mapping, dict) and (
            _asyncio is None
            or getattr(_asyncio, "_current_tasks", None) is mapping
            or getattr(aio_tasks, "_enter_task", None) is not getattr(_asyncio, "_enter_task", None)):
        return mapping.get
    return hooks.current_task


_current_tasks_get = _current_task_getter()
# call_at refuses `when=None` from 3.11 on.
_WHEN_CHECKED = sys.version_info >= (3, 11)
_MIN_SCHEDULED_TIMER_HANDLES = base_events._MIN_SCHEDULED_TIMER_HANDLES
_MIN_CANCELLED_TIMER_HANDLES_FRACTION = base_events._MIN_CANCELLED_TIMER_HANDLES_FRACTION
_MAXIMUM_SELECT_TIMEOUT = base_events.MAXIMUM_SELECT_TIMEOUT
# The loop may sleep briefly without writing what it has; never longer than this.
FLUSH_IDLE_S = 0.002
FLUSH_EVERY_S = 0.05
# Pending ops are written as one `batch` when they hold about this many integers.
BATCH_INTS = 1 << 15
# Whether call_soon looks for tasks built directly (where `task_registered` cannot).
WATCH_STEPS = True
# True while some loop has a hold or breakpoint to check between handles: one global
# read per handle in the fast loop, which then asks its own loop's control.
CHECKING = False


def _set_checking(value):
    global CHECKING
    CHECKING = value


control.on_checking(_set_checking)

PHASE_IDLE = 0
PHASE_SELECT = 1
PHASE_RUN = 2
PHASE_AGENT = 3
PHASE_HELD = 4

_AGENT_FILE = __file__
_ZERO3 = (0, 0, 0)


def _strip_agent_frame(source_traceback):
    # In debug mode asyncio records where a handle or task was made; our override adds
    # one frame that bare asyncio would not have.
    if source_traceback and source_traceback[-1][0] == _AGENT_FILE:
        del source_traceback[-1]


class InstrumentedLoopMixin:
    _ls_on = True

    def __init__(self, *args, **kwargs):
        self._ls_paused = 0.0
        self._ls = encode.LoopTrace(self)
        self._ls.ctl = LoopControl(self)
        super().__init__(*args, **kwargs)
        registry.add(self)

    # Names other modules read (control, watchdog, hooks, tests).
    @property
    def _ls_id(self):
        return self._ls.id

    @property
    def _ls_tick(self):
        return self._ls.tick

    @property
    def _ls_ctl(self):
        return self._ls.ctl

    @property
    def _ls_thread(self):
        return self._ls.thread

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
            # A wake-up for a cancelled future: remember who cancelled (`cancelledBy`).
            # (getattr with a default: a missing attribute raises nothing, which a try
            # would, at ~1 us, for every call_soon(f, x) of a program's own.)
            if getattr(args[0], "_state", None) == "CANCELLED" and self._ls_on:
                st = self._ls
                st.ev.append((T_CANCELLED_BY, len(st.rt), callback, args[0], hooks.current_task(self)))
        elif WATCH_STEPS and context is not None and id(getattr(callback, "__self__", None)) not in self._ls.tasks:
            # Where the task registry cannot be watched (3.14+, `task_registered`): a step
            # of a task we have not recorded is, unless create_task is making it, the first
            # step of a task built directly (`asyncio.Task(coro)`), scheduled from its
            # constructor. That lookup costs about 100 ns per task step.
            st = self._ls
            task = getattr(callback, "__self__", None)
            if not st.creating and self._ls_on and isinstance(task, encode._TASK_TYPES):
                st.direct_task(task)
        return handle

    def call_soon_threadsafe(self, callback, *args, context=None):
        self._check_closed()
        if self._debug:
            self._check_callback(callback, "call_soon_threadsafe")
        handle = self._call_soon(callback, args, context)
        if handle._source_traceback:
            del handle._source_traceback[-1]
        if self._ls_on:
            # Recorded before the wake-up: once woken, the loop may run it and stop.
            self._ls.threadsafe.append((handle, _mono(), threading.current_thread().name))
        self._write_to_self()
        return handle

    def call_at(self, when, callback, *args, context=None):
        # asyncio's own body (no extra frame, no super() call: one per timer).
        if when is None and _WHEN_CHECKED:
            raise TypeError("when cannot be None")
        self._check_closed()
        if self._debug:
            self._check_thread()
            self._check_callback(callback, "call_at")
        timer = _TimerHandle(when, callback, args, self, context)
        if timer._source_traceback:
            del timer._source_traceback[-1]
        _heappush(self._scheduled, timer)
        timer._scheduled = True
        if self._ls_on:
            st = self._ls
            if callback is _SLEEP_CALLBACK and args:
                # asyncio.sleep: the current task will wait on this timer's future. Recorded
                # as that wait now, so the step's end finds nothing new to record.
                rec = st.tasks.get(id(_current_tasks_get(self)))
                if rec is not None:
                    rec[2] = id(args[0])
                    # Flat, not a tuple per timer: nothing new for the garbage collector to
                    # track. The task is the one whose step runs now (the trace names it).
                    st.sl += (len(st.rt), timer)
                    return timer
            st.ev.append((T_TIMER, len(st.rt), timer))
        return timer

    def _timer_handle_cancelled(self, handle):
        # asyncio's own body. Only a timer still on the heap is recorded: asyncio.sleep
        # cancels its timer after it fired, and one already moved to the ready queue is
        # recorded when asyncio skips it.
        if handle._scheduled:
            self._timer_cancelled_count += 1
            if self._ls_on:
                st = self._ls
                st.ev.append((T_CANCEL, len(st.rt), handle))

    def create_task(self, coro, **kwargs):
        if not self._ls_on:
            return super().create_task(coro, **kwargs)
        # Recorded before the task exists: a 3.12 eager task takes its first step inside
        # create_task, and its creation must come first in the trace.
        st = self._ls
        cr = st.cr
        at = len(cr)
        # Flat (no tuple, no cell per task): pos, task (set below), coro, parent, site, time.
        cr += (len(st.rt), None, coro, _current_tasks_get(self), hooks.creation_site(), _mono())
        st.creating += 1
        try:
            task = super().create_task(coro, **kwargs)
        finally:
            st.creating -= 1
        if self._debug:
            _strip_agent_frame(getattr(task, "_source_traceback", None))
        if len(cr) > at and cr[at + 2] is coro:
            cr[at + 1] = task
        return task

    # -- I/O watchers -------------------------------------------------------------------

    def _ls_io(self, op, fd, direction, callback):
        st = self._ls
        st.ev.append((T_IO, len(st.rt), op, fd, direction, callback, _mono()))

    def _ls_selector_handle(self, fd, which):
        """The handle the selector holds for fd's reader (0) or writer (1), or None."""
        try:
            return self._selector.get_key(fd).data[which]
        except Exception:
            return None

    def _ls_add_io(self, fd, which, callback, args):
        old = self._ls_selector_handle(fd, which) if self._ls_on else None
        add = super()._add_writer if which else super()._add_reader
        result = add(fd, callback, *args)
        if self._ls_on:
            st = self._ls
            if old is not None:
                st.io_dropped(old)
            new = self._ls_selector_handle(fd, which)
            if new is not None:
                st.io_watched(new)
            self._ls_io("add", fd, "write" if which else "read", callback)
        return result

    def _ls_remove_io(self, fd, which):
        old = self._ls_selector_handle(fd, which) if self._ls_on else None
        result = (super()._remove_writer if which else super()._remove_reader)(fd)
        if self._ls_on:
            if old is not None:
                self._ls.io_dropped(old)
            if result:
                self._ls_io("remove", fd, "write" if which else "read", None)
        return result

    def _add_reader(self, fd, callback, *args):
        return self._ls_add_io(fd, 0, callback, args)

    def _remove_reader(self, fd):
        return self._ls_remove_io(fd, 0)

    def _add_writer(self, fd, callback, *args):
        return self._ls_add_io(fd, 1, callback, args)

    def _remove_writer(self, fd):
        return self._ls_remove_io(fd, 1)

    # -- executor -----------------------------------------------------------------------

    def run_in_executor(self, executor, func, *args):
        submitted = _mono()
        fut = super().run_in_executor(executor, func, *args)
        if self._ls_on:
            st = self._ls
            try:
                job = st.exec_job(fut, func, submitted)
            except Exception as exc:
                hooks.disable_hook("executor jobs", exc)
            else:
                st.ev.append((T_EXEC_SUBMIT, len(st.rt), job, hooks.current_task(self)))
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
            self._ls.clear()
            registry.discard(self)

    # -- writing ------------------------------------------------------------------------

    def _ls_raw(self, line):
        """Queue a pre-encoded line in order with the loop's other events."""
        st = self._ls
        st.ev.append((T_RAW, len(st.rt), line))

    def _ls_encode(self, end_mono):
        """Resolve what the tick recorded into the loop's pending batch (written when it is
        large, or by `_ls_emit`)."""
        st = self._ls
        if not (st.ev or st.who or st.threadsafe or st.cr):
            return
        phase = st.phase
        st.phase = PHASE_AGENT
        try:
            st.encode(end_mono)
        except Exception as exc:
            self._ls_on = False
            st.drop_capture()
            hooks.disable_hook("event encoding", exc)
        st.phase = phase

    def _ls_emit(self):
        """Everything recorded so far, in order, into the writer's queue."""
        self._ls_encode(_mono())
        try:
            self._ls.emit()
        except Exception as exc:
            self._ls_on = False
            hooks.disable_hook("event encoding", exc)

    def _ls_flush(self):
        self._ls_emit()
        get_writer().flush()
        self._ls.flushed = _mono()

    def _ls_start(self):
        st = self._ls
        st.running = True
        st.thread = threading.current_thread()
        self._ls_raw(encode.loop_start(self))
        st.ctl.on_loop_start()
        watchdog.ensure_started()

    def _ls_stop(self):
        self._ls.running = False
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
        st = self._ls
        if not st.running:
            self._ls_start()
        ctl = st.ctl
        ev = st.ev
        if ev or st.cr or st.sl:
            # Recorded outside any tick (a timer made before the loop ran): resolved first,
            # so the runs of this tick find the ids they need.
            self._ls_encode(_mono())
        st.tick += 1
        tick = st.tick
        ready = self._ready
        checked = False
        t_tick = _mono()
        # How many handles wait in the ready queue: the first that many run in this tick,
        # so their schedules need not be recorded one by one.
        k = len(ready)
        # The tick's own record (begin, select, end) goes to the encoder whole at its end,
        # unless something writes the tick out before that: then it goes into `ev`.
        framed = True
        if tick == 1 or not tick & 255 or ctl.force_keyframe:
            # A keyframe names every ready handle: this tick's runs must use those ids.
            ctl.force_keyframe = False
            self._ls_encode(t_tick)
            ev.append((T_RAW, 0, st.keyframe_line(tick, t_tick)))
            checked = True
            framed = False
        if ctl.hold_at_tick:
            # A hold here writes this tick's start before its runs: they keep the ids the
            # hold's snapshot names.
            if framed:
                ev.append((T_TICK, 0, tick, t_tick, k))
                framed = False
            ctl.tick_boundary(tick)
            checked = True

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
        if ready or self._stopping:
            timeout = 0
        elif self._scheduled:
            timeout = min(max(0, self._scheduled[0]._when - self.time()), _MAXIMUM_SELECT_TIMEOUT)

        if timeout != 0:
            # The loop may sleep now: what it did must reach the host first, unless the
            # sleep is too short to matter and the host heard from us recently.
            now = _mono()
            if timeout is None or timeout >= FLUSH_IDLE_S or now - st.flushed >= FLUSH_EVERY_S:
                if framed:
                    ev.append((T_TICK, 0, tick, t_tick, k))
                    framed = False
                self._ls_flush()
        st.phase = PHASE_SELECT
        t_select = _mono()
        event_list = self._selector.select(timeout)
        t_woke = _mono()
        st.phase = PHASE_RUN
        self._process_events(event_list)
        fds = [key.fd for key, _mask in event_list] if event_list else None
        event_list = None
        if not framed:
            ev.append((T_SELECT, 0, timeout, t_select, t_woke, fds))
        if fds and ctl.break_fd_ready:
            if framed:
                ev.append((T_TICK, 0, tick, t_tick, k))
                ev.append((T_SELECT, 0, timeout, t_select, t_woke, fds))
                framed = False
            ctl.fd_ready(fds)
            checked = True

        end_time = self.time() + self._clock_resolution
        n_io = len(ready)
        scheduled = self._scheduled
        while scheduled:
            handle = scheduled[0]
            if handle._when >= end_time:
                break
            handle = heapq.heappop(scheduled)
            handle._scheduled = False
            ready.append(handle)
        n_ready = len(ready)
        if n_ready > n_io:
            # The due timers are the last of this tick's handles; their ids are found
            # from their addresses when the tick is encoded.
            ev.append((T_DUE, 0, list(map(id, _islice(ready, n_io, n_ready)))))
        if st.threadsafe:
            st.threadsafe_schedules()
            checked = True
        if framed:
            # Anything that writes this tick out before its end (a hold between handles)
            # puts this first (LoopTrace.encode).
            st.frame = (tick, t_tick, k, timeout, t_select, t_woke, fds)
        first = len(st.rt)
        paused = self._ls_paused
        if checked or ctl.check_handles or self._debug:
            self._ls_run_checked(n_io, n_ready - n_io)
        else:
            if st.fast_ready is not ready:
                st.fast_ready = ready
                st.fast_locals = (ctl, ready.popleft, st.rt, st.rt.append, st.who.append, st.ev.append,
                                  st.tasks.get, st.other_run, st.wl.extend, st.io_runs.get, st.s.extend, st.named)
            self._ls_run_fast(st, n_io, n_ready - n_io)
        now = _mono()
        if (now - t_woke) * 1000.0 >= _settings.blocked_ms and self._ls_paused == paused and len(st.rt) > first:
            # A tick this long may hold a run that was (one test per tick, not per run); a
            # tick held by a pause or a step is long for that reason.
            try:
                st.slow_runs(first, now, _settings.blocked_ms / 1000.0)
            except Exception as exc:
                hooks.disable_hook("slow callback reports", exc)
        frame = st.frame
        if frame is None:
            ev.append((T_TICK_END, len(st.rt), tick, now))
        else:
            st.frame = None
            if not ev and not st.cr and not st.sl and not st.threadsafe and not st.blocked:
                # A tick that only ran handles (the common case), packed here and now: its
                # ops, the runs' tokens and times as they are (LoopTrace.encode's first case).
                I = st.I
                I += (OP_TICK, tick, k, OP_SELECT, len(fds)) if fds else (OP_TICK, tick, k, OP_SELECT, 0)
                if fds:
                    I += fds
                who = st.who
                I += who
                if st.wl:
                    st.enc_base = st.nruns
                    st.waits(None)
                I += (OP_TICK_END, tick)
                st.G += (t_tick, t_select, t_woke, -1.0 if timeout is None else timeout, now)
                rt = st.rt
                st.F += rt
                if st.s:
                    st.S += st.s
                    del st.s[:]
                st.nruns += len(who)
                st.nev += 3
                del who[:]
                del rt[:]
                if len(I) >= BATCH_INTS:
                    self._ls_emit()
                return
        try:
            st.encode(now, frame)
        except Exception as exc:
            self._ls_on = False
            st.drop_capture()
            hooks.disable_hook("event encoding", exc)
        if len(st.I) >= BATCH_INTS:
            self._ls_emit()

    def _ls_run_fast(self, st, n_plain, n_timers):
        """The handles of a tick with nothing to check between them: for each, its start
        time before it runs and, after, the task it stepped (or its ids in `s`)."""
        # The bound methods and lists this uses, made once per loop (a tick that runs one
        # handle would otherwise spend more on setting these up than on the handle).
        ctl, popleft, rt, tappend, wappend, evappend, tasks_get, other, wlext, io_get, sext, named = st.fast_locals
        handle = owner = waiter = None
        try:
            for left in range(n_plain, 0, -1):
                if CHECKING and ctl.check_handles:
                    # A pause (or a step) asked for while this tick runs: the rest one by one.
                    handle = None
                    self._ls_run_checked(left, n_timers)
                    return
                handle = popleft()
                if handle._cancelled:
                    evappend((T_SKIP, len(rt), handle, _mono()))
                    continue
                tappend(_mono())
                handle._run()
                try:
                    owner = getattr(handle._callback, "__self__", None)
                    rec = tasks_get(id(owner))
                    if rec is None:
                        # A selector's handle run before is filed as it was then.
                        ids = io_get(id(handle))
                        if ids is None or named:
                            other(handle, owner, None)
                        else:
                            wappend(0)
                            sext(ids)
                    else:
                        waiter = owner._fut_waiter
                        if waiter is not None:
                            # Waiting, so pending.
                            wappend(rec[4])
                            wid = id(waiter)
                            if wid != rec[2]:
                                # It waits on something new: what, is worked out at the tick's end.
                                rec[2] = wid
                                if type(waiter) is _Future:
                                    wlext((len(rt), rec, wid, owner))
                                else:
                                    evappend((T_WAIT, len(rt), rec, wid, owner))
                        elif owner._state == "PENDING":
                            wappend(rec[4])
                        else:
                            other(handle, owner, rec)
                            owner = None
                except Exception as exc:
                    owner = None
                    st.fail(exc)
            if n_timers:
                # The due timers: each is filed as the token its schedule gave it.
                tok_get = st.timer_tok.get
                for left in range(n_timers, 0, -1):
                    if CHECKING and ctl.check_handles:
                        handle = None
                        self._ls_run_checked(0, left)
                        return
                    handle = popleft()
                    if handle._cancelled:
                        evappend((T_SKIP, len(rt), tok_get(id(handle)) or handle, _mono()))
                        continue
                    tappend(_mono())
                    handle._run()
                    tok = tok_get(id(handle))
                    if tok is None:
                        st.unknown_timer(handle)
                    else:
                        wappend(tok)
        except BaseException:
            # KeyboardInterrupt or SystemExit from a callback: it still ran.
            if handle is not None and len(st.who) < len(rt):
                st.file_interrupted(handle)
            raise
        finally:
            # What the last run held is released as bare asyncio releases it.
            handle = owner = waiter = None

    def _ls_run_checked(self, n_plain, n_timers):
        """The same, one handle at a time: hold points and breakpoints between handles,
        asyncio's debug-mode timing, and handles named before they run (a keyframe, a
        schedule from another thread) keeping their ids."""
        st = self._ls
        ctl = st.ctl
        ready = self._ready
        who = st.who
        rt = st.rt
        tok_get = st.timer_tok.get
        named = st.named
        tasks_get = st.tasks.get
        evappend = st.ev.append
        handle = None
        try:
            for index in range(n_plain + n_timers):
                timer = index >= n_plain
                handle = ready.popleft()
                if handle._cancelled:
                    evappend((T_SKIP, len(rt), (tok_get(id(handle)) if timer else None) or handle, _mono()))
                    continue
                check = ctl.check_handles
                if check:
                    ctl.before_handle(handle)
                ids = tok_get(id(handle)) if timer else named.pop(id(handle), None)
                rt.append(_mono())
                if self._debug:
                    try:
                        self._current_handle = handle
                        t0 = self.time()
                        handle._run()
                        dt = self.time() - t0
                        if dt >= self.slow_callback_duration:
                            # Looked up now, as asyncio does: tests patch the module's logger.
                            base_events.logger.warning("Executing %s took %.3f seconds",
                                                       base_events._format_handle(handle), dt)
                    finally:
                        self._current_handle = None
                else:
                    handle._run()
                try:
                    if timer:
                        if ids is None:
                            st.unknown_timer(handle)
                        else:
                            who.append(ids)
                    else:
                        owner = getattr(handle._callback, "__self__", None)
                        rec = tasks_get(id(owner))
                        if ids is not None:
                            who.append(0)
                            st.s.extend(ids)
                            if rec is not None:
                                st.after_step(rec, owner)
                        elif rec is not None and owner._state == "PENDING":
                            who.append(rec[4])
                            st.after_step(rec, owner)
                        else:
                            st.other_run(handle, owner, rec)
                        owner = rec = None
                except Exception as exc:
                    owner = rec = None
                    st.fail(exc)
                if check and ctl.check_handles:
                    ctl.after_handle(handle, rt[-1])
        except BaseException:
            if handle is not None and len(who) < len(rt):
                st.file_interrupted(handle)
            raise
        finally:
            handle = None


def make_loop_class(base, watches_registry):
    """The instrumented subclass of `base`. Where the task registry is watched
    (`task_registered`), tasks built directly are seen there, and call_soon need not
    look up every task step."""
    global WATCH_STEPS
    WATCH_STEPS = not watches_registry
    cls = type(base.__name__, (InstrumentedLoopMixin, base), {"__module__": base.__module__})
    cls.__qualname__ = base.__qualname__
    return cls


def task_registered(task, task_ref):
    """asyncio registers every task it builds (agent._watch_task_registry). The registry's
    weak reference is kept for the task's record; a task that create_task is not making is
    a task built directly (`asyncio.Task(coro)`), recorded here, inside its constructor."""
    try:
        loop = task._loop
        st = getattr(loop, "_ls", None)
        if type(st) is not encode.LoopTrace or not loop._ls_on:
            return
        st.task_refs[id(task)] = task_ref
        if not st.creating:
            st.direct_task(task)
    except Exception as exc:
        hooks.disable_hook("task registry watch", exc)


def task_gone(task_ref):
    """A registered task was freed: its record goes (its id() may be reused)."""
    try:
        encode.forget_task(task_ref)
    except Exception as exc:
        hooks.disable_hook("task registry watch", exc)


def is_instrumented(loop):
    return isinstance(loop, InstrumentedLoopMixin)
