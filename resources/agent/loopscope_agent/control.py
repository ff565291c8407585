"""Pause, step and breakpoints (docs/stepping.md).

Commands arrive on the command channel and are read by a thread of their own; holding
always happens in the loop's thread, at a tick boundary or between two handles, where the
loop's state is consistent. While held, the loop thread waits for the next command and
answers `stacks` itself. Held time is added to the loop's `_ls_paused`, which `time()`
subtracts: the loop's clock stands still while it is held.
"""

import json
import os
import threading
import time
import weakref

from . import events as ev
from .writer import dumps, get_writer


def render(items):
    from .encode import render as _render

    return _render(items)

_mono = time.monotonic
KEYFRAME_EVERY = 256


class _Registry:
    def __init__(self):
        self.lock = threading.Lock()
        self.loops = weakref.WeakSet()

    def add(self, loop):
        with self.lock:
            self.loops.add(loop)

    def discard(self, loop):
        with self.lock:
            self.loops.discard(loop)

    def all(self):
        with self.lock:
            return list(self.loops)

    def targets(self, loop_id):
        loops = self.all()
        if loop_id is None:
            return loops
        return [loop for loop in loops if loop._ls_id == loop_id]


registry = _Registry()
_checking_listeners = []


def on_checking(listener):
    """`listener(bool)` hears whether any loop has something to check between handles."""
    _checking_listeners.append(listener)


def _publish_checking():
    value = any(loop._ls.ctl.check_handles for loop in registry.all() if loop._ls.ctl is not None)
    for listener in _checking_listeners:
        listener(value)


class Settings:
    pause_at_start = False
    blocked_ms = 100.0
    breakpoints = {}
    channel_open = True


settings = Settings()


class LoopControl:
    def __init__(self, loop):
        self.loop_ref = weakref.ref(loop)
        self.cond = threading.Condition(threading.Lock())
        self.commands = []
        self.held = False
        self.pause_requested = False
        self.pause_at_start = False
        self.step_tick_from = None
        self.step_handles = 0
        self.stacks_requested = False
        self.force_keyframe = False
        self.hold_at_tick = False
        self.check_handles = False
        self.break_fd_ready = False
        self.refresh()

    # -- flags the hot path reads ------------------------------------------------------

    def refresh(self):
        bp = settings.breakpoints
        per_handle = bool(bp.get("taskStep") or bp.get("taskFailed") or bp.get("taskCancelled")
                          or bp.get("timerFires") or bp.get("blockedMs"))
        check = bool(self.pause_requested or self.step_handles or per_handle)
        changed = check != self.check_handles
        self.check_handles = check
        if changed or check:
            _publish_checking()
        self.hold_at_tick = bool(self.pause_requested or self.pause_at_start
                                 or self.step_tick_from is not None or self.stacks_requested)
        self.break_fd_ready = bool(bp.get("fdReady") or self.pause_requested)

    def keyframe_due(self, tick):
        if tick == 1 or tick % KEYFRAME_EVERY == 0 or self.force_keyframe:
            self.force_keyframe = False
            return True
        return False

    def on_loop_start(self):
        if settings.pause_at_start:
            settings.pause_at_start = False
            self.pause_at_start = True
            self.refresh()

    # -- requests from the command thread ------------------------------------------------

    def command(self, cmd):
        name = cmd.get("cmd")
        loop = self.loop_ref()
        if loop is None:
            return
        with self.cond:
            if self.held:
                self.commands.append(name)
                self.cond.notify()
                return
            if name in ("pause", "step-tick", "step-callback"):
                # Stepping a running loop first holds it; the next step then counts.
                self.pause_requested = True
            elif name == "stacks":
                self.stacks_requested = True
            elif name == "resume":
                self.pause_requested = False
            self.refresh()
        if name in ("pause", "step-tick", "step-callback", "stacks"):
            wake = getattr(loop, "_write_to_self", None)
            if wake is not None and loop.is_running():
                try:
                    wake()
                except Exception:
                    pass

    def release_all(self):
        """The host went away: never leave the program held with nobody to resume it."""
        with self.cond:
            self.pause_requested = False
            self.pause_at_start = False
            self.step_tick_from = None
            self.step_handles = 0
            self.refresh()
            if self.held:
                self.commands.append("resume")
                self.cond.notify()

    # -- hold points (loop thread) ---------------------------------------------------------

    def tick_boundary(self, tick):
        if self.stacks_requested:
            self.stacks_requested = False
            self.refresh()
            self._emit_stacks()
        if self.pause_at_start:
            self.pause_at_start = False
            self.hold("start", tick, None)
        elif self.step_tick_from is not None and tick > self.step_tick_from:
            self.hold("step", tick, "tick")
        elif self.pause_requested:
            self.hold("user", tick, None)

    def fd_ready(self, fds):
        loop = self.loop_ref()
        if self.pause_requested:
            self.hold("user", loop._ls_tick, None)
        elif settings.breakpoints.get("fdReady"):
            self.hold("breakpoint", loop._ls_tick, "fd ready: %s" % ", ".join(map(str, fds)))

    def before_handle(self, handle):
        loop = self.loop_ref()
        if self.pause_requested:
            self.hold("user", loop._ls_tick, None, handle)
            return
        bp = settings.breakpoints
        names = bp.get("taskStep")
        if names:
            task = _task_of(handle)
            if task is not None:
                name = task.get_name()
                if "*" in names or name in names:
                    self.hold("breakpoint", loop._ls_tick, "task %s starts a step" % name, handle)
                    return
        if bp.get("timerFires") and hasattr(handle, "_when"):
            from .describe import describe_handle

            self.hold("breakpoint", loop._ls_tick, "timer fires: %s" % describe_handle(handle), handle)

    def after_handle(self, handle, t0):
        loop = self.loop_ref()
        if self.step_handles:
            self.step_handles -= 1
            if not self.step_handles:
                self.hold("step", loop._ls_tick, "callback")
                return
        if self.pause_requested:
            self.hold("user", loop._ls_tick, None)
            return
        bp = settings.breakpoints
        limit = bp.get("blockedMs")
        if limit and (_mono() - t0) * 1000.0 >= limit:
            from .describe import describe_handle

            self.hold("breakpoint", loop._ls_tick, "blocked %.0f ms in %s" % (
                (_mono() - t0) * 1000.0, describe_handle(handle)))
            return
        if bp.get("taskFailed") or bp.get("taskCancelled"):
            task = _task_of(handle)
            if task is not None and task.done():
                state = task._state
                if state == "CANCELLED" and bp.get("taskCancelled"):
                    self.hold("breakpoint", loop._ls_tick, "task %s cancelled" % task.get_name())
                elif state == "FINISHED" and task._exception is not None and bp.get("taskFailed"):
                    self.hold("breakpoint", loop._ls_tick, "task %s failed" % task.get_name())

    def hold(self, reason, tick, detail, next_handle=None):
        """Holds the loop thread until resumed or stepped. `next_handle`: held between two
        handles, before this one (already taken from the ready queue), which the snapshot
        shows first, as it runs first."""
        loop = self.loop_ref()
        if loop is None or not settings.channel_open:
            return
        from .loop import PHASE_HELD

        now = _mono()
        # Held before the host hears of it, so a command sent in reply to `paused` is
        # queued for this hold instead of being taken for a request to a running loop.
        with self.cond:
            self.held = True
            self.pause_requested = False
            self.step_tick_from = None
            self.step_handles = 0
            self.refresh()
        loop._ls_emit()
        out = []
        t = now - loop._ls_paused
        event = {"type": ev.PAUSED, "t": round(t, 6), "loop": loop._ls_id, "tick": tick, "reason": reason}
        if detail:
            event["detail"] = detail
        try:
            event.update(loop._ls.snapshot(out, t, next_handle))
        except Exception:
            pass
        out.append(event)
        writer = get_writer()
        writer.push(render(out))
        writer.flush()
        # The views show every task's coroutine stack while held; a hold is rare, so the
        # stacks go with it instead of waiting for the host to ask.
        try:
            self._emit_stacks()
        except Exception:
            pass
        phase = loop._ls.phase
        loop._ls.phase = PHASE_HELD
        name = "resume"
        try:
            while True:
                with self.cond:
                    while not self.commands:
                        self.cond.wait()
                    name = self.commands.pop(0)
                if name == "stacks":
                    self._emit_stacks()
                    continue
                if name in ("resume", "step-tick", "step-callback"):
                    break
        finally:
            held_for = _mono() - now
            loop._ls_paused += held_for
            with self.cond:
                self.held = False
                if name == "step-tick":
                    self.step_tick_from = tick
                elif name == "step-callback":
                    self.step_handles = 1
                self.force_keyframe = True
                self.refresh()
            loop._ls.phase = phase
            loop._ls_raw('{"type":"resumed","t":%.6f,"loop":%d,"held":%.6f,"how":%s}\n'
                         % (now - (loop._ls_paused - held_for), loop._ls_id, held_for, dumps(name)))

    def _emit_stacks(self):
        import asyncio

        from .describe import task_stack

        loop = self.loop_ref()
        loop._ls_emit()
        out = []
        t = loop.time()
        entries = []
        for task in list(asyncio.all_tasks(loop)):
            rec = loop._ls.task_record(task, out, t)
            try:
                stack = task_stack(task)
            except Exception:
                stack = []
            entries.append({"task": rec[0], "stack": stack})
        out.append({"type": ev.STACKS, "t": round(t, 6), "loop": loop._ls_id, "tasks": entries})
        writer = get_writer()
        writer.push(render(out))
        writer.flush()


def _task_of(handle):
    from .describe import _TASK_TYPES

    owner = getattr(handle._callback, "__self__", None)
    if owner is not None and isinstance(owner, _TASK_TYPES):
        return owner
    return None


def dispatch(cmd):
    name = cmd.get("cmd")
    if name == "breakpoints":
        bp = cmd.get("breakpoints") or {}
        settings.breakpoints = bp if isinstance(bp, dict) else {}
        for loop in registry.all():
            with loop._ls_ctl.cond:
                loop._ls_ctl.refresh()
        return
    if name == "config":
        ms = cmd.get("blockedThresholdMs")
        if isinstance(ms, (int, float)) and ms > 0:
            settings.blocked_ms = float(ms)
        return
    if name in ("pause", "resume", "step-tick", "step-callback", "stacks"):
        for loop in registry.targets(cmd.get("loop")):
            loop._ls_ctl.command(cmd)


def _read_commands(fd):
    pending = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            break
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            if not line.strip():
                continue
            try:
                cmd = json.loads(line.decode("utf-8"))
                if isinstance(cmd, dict):
                    dispatch(cmd)
            except Exception:
                continue
    settings.channel_open = False
    for loop in registry.all():
        loop._ls_ctl.release_all()


def start_command_reader(fd):
    import _thread

    # A bare _thread thread: it does not show in threading.enumerate(), so the program's
    # own view of its threads is what it would be without Loopscope.
    _thread.start_new_thread(_read_commands, (fd,))
