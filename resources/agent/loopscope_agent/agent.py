"""Installing the agent: the event channel, the loop classes, the shims.

Every selector loop a program can make goes through one of three names: the default
policy's `_loop_factory`, `asyncio.SelectorEventLoop` and (3.13+) `asyncio.EventLoop`.
Replacing those with an instrumented subclass reaches `asyncio.run`, `Runner`,
`get_event_loop`, `new_event_loop` and code that names the class directly, in any thread,
and survives a program (or test suite) that resets the policy.
"""

import atexit
import datetime
import json
import os
import sys
import threading

from . import compat, control, hooks, watchdog
from .loop import is_instrumented, make_loop_class
from .writer import get_writer, open_writer, reset_in_child, header

ENV_EVENT_FD = "LOOPSCOPE_EVENT_FD"
ENV_CMD_FD = "LOOPSCOPE_CMD_FD"
ENV_PAUSE_AT_START = "LOOPSCOPE_PAUSE_AT_START"
ENV_BLOCKED_MS = "LOOPSCOPE_BLOCKED_MS"
ENV_COMPAT = "LOOPSCOPE_COMPAT"
ENV_BREAKPOINTS = "LOOPSCOPE_BREAKPOINTS"

_installed = False
loop_class = None


def _fd_from_env(name):
    value = os.environ.get(name)
    if not value:
        return None
    try:
        fd = int(value)
        os.fstat(fd)
    except (ValueError, OSError):
        return None
    try:
        # The program's own subprocesses must not inherit our channels.
        os.set_inheritable(fd, False)
    except OSError:
        pass
    return fd


def _patch_loop_classes():
    global loop_class
    import asyncio
    from asyncio import events as aio_events

    if sys.platform == "win32":
        from asyncio import windows_events as platform_events
    else:
        from asyncio import unix_events as platform_events

    base = platform_events.SelectorEventLoop
    loop_class = make_loop_class(base, _watch_task_registry())
    for module in (asyncio, platform_events):
        module.SelectorEventLoop = loop_class
        if hasattr(module, "EventLoop"):
            module.EventLoop = loop_class

    # 3.14 deprecates the policy names and keeps its own under a leading underscore
    # (`asyncio.DefaultEventLoopPolicy` is then a module __getattr__ that warns): read and
    # replace only what each module holds itself, so the program still gets its warning.
    def own(module, *names):
        for name in names:
            value = vars(module).get(name)
            if value is not None:
                return value
        return None

    policy_base = own(platform_events, "_DefaultEventLoopPolicy", "DefaultEventLoopPolicy")
    if sys.platform == "win32":
        policy_base = own(platform_events, "_WindowsSelectorEventLoopPolicy",
                          "WindowsSelectorEventLoopPolicy") or policy_base
    policy_class = type(policy_base.__name__, (policy_base,), {
        "_loop_factory": loop_class,
        "__module__": policy_base.__module__,
    })
    policy_class.__qualname__ = policy_base.__qualname__
    for module in (asyncio, platform_events, aio_events):
        for name in ("DefaultEventLoopPolicy", "_DefaultEventLoopPolicy"):
            if name in vars(module):
                setattr(module, name, policy_class)
    # A policy made before we ran (nothing in a fresh interpreter, but be sure).
    current = getattr(aio_events, "_event_loop_policy", None)
    if current is not None and type(current) is policy_base:
        aio_events._event_loop_policy = None
    _watch_foreign_policies(aio_events)


def _watch_task_registry():
    """Every task asyncio builds is added to a WeakSet (`_all_tasks` up to 3.11,
    `_scheduled_tasks` in 3.12 and 3.13, the same object in C and in Python). Giving that
    set a subclass whose `add` tells the agent shows tasks built directly, in their
    constructor, at no cost per step; and the set's own weak reference to each task tells
    the agent when the task is gone, so it needs no weak reference of its own. False where
    there is no such set (3.14 keeps tasks in C)."""
    import weakref
    from asyncio import tasks

    registry = getattr(tasks, "_scheduled_tasks", None)
    if registry is None:
        registry = getattr(tasks, "_all_tasks", None)
    if type(registry) is not weakref.WeakSet or not callable(getattr(registry, "_remove", None)):
        return False
    from .loop import task_gone, task_registered

    ref = weakref.ref
    removed = registry._remove

    def _remove(item):
        removed(item)
        task_gone(item)

    class _WatchedTaskSet(weakref.WeakSet):
        def add(self, item):
            # WeakSet.add, keeping the reference it makes.
            if self._pending_removals:
                self._commit_removals()
            item_ref = ref(item, self._remove)
            self.data.add(item_ref)
            task_registered(item, item_ref)

    _WatchedTaskSet.__name__ = _WatchedTaskSet.__qualname__ = "WeakSet"
    _WatchedTaskSet.__module__ = weakref.WeakSet.__module__
    try:
        registry._remove = _remove
        registry.__class__ = _WatchedTaskSet
    except TypeError:
        registry._remove = removed
        return False
    return True


def _watch_foreign_policies(aio_events):
    """Say so when a loop that is not ours (uvloop, a custom class) starts."""
    original = aio_events._set_running_loop

    def _set_running_loop(loop):
        if loop is not None and not is_instrumented(loop):
            key = type(loop)
            if key not in _foreign_seen:
                _foreign_seen.add(key)
                hooks.notice("This program runs its event loop on %s.%s, which Loopscope cannot "
                             "instrument: that loop cannot be drawn (its output and exit code are "
                             "still shown)." % (key.__module__, key.__qualname__), "warning")
        return original(loop)

    aio_events._set_running_loop = _set_running_loop
    import asyncio

    if getattr(asyncio, "_set_running_loop", None) is original:
        asyncio._set_running_loop = _set_running_loop


_foreign_seen = set()


def _install_exit_paths():
    writer = get_writer()

    def _at_exit():
        for loop in control.registry.all():
            try:
                loop._ls.emit()
            except Exception:
                pass
        get_writer().flush()
        get_writer().summary()

    atexit.register(_at_exit)
    real_exit = os._exit

    def _exit(status):
        try:
            for loop in control.registry.all():
                if loop._ls_thread is threading.current_thread():
                    loop._ls_emit()
            get_writer().flush()
            get_writer().summary()
        except Exception:
            pass
        real_exit(status)

    _exit.__wrapped__ = real_exit
    os._exit = _exit
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=reset_in_child)


def install(argv, script):
    global _installed
    if _installed:
        return
    _installed = True
    env = os.environ
    event_fd = _fd_from_env(ENV_EVENT_FD)
    cmd_fd = _fd_from_env(ENV_CMD_FD)
    writer = open_writer(event_fd)
    settings = control.settings
    settings.pause_at_start = env.get(ENV_PAUSE_AT_START) == "1" and cmd_fd is not None
    settings.channel_open = cmd_fd is not None
    try:
        settings.blocked_ms = float(env.get(ENV_BLOCKED_MS) or 100)
    except ValueError:
        settings.blocked_ms = 100.0
    use_compat = env.get(ENV_COMPAT, "1") != "0"
    # Breakpoints set before Run must hold from the first tick: a command sent after the
    # start could arrive after a short program already passed them.
    if cmd_fd is not None and env.get(ENV_BREAKPOINTS):
        try:
            control.dispatch({"cmd": "breakpoints", "breakpoints": json.loads(env[ENV_BREAKPOINTS])})
        except ValueError:
            pass
    # The program sees the environment it would have had without us.
    for name in (ENV_EVENT_FD, ENV_CMD_FD, ENV_PAUSE_AT_START, ENV_BLOCKED_MS, ENV_COMPAT, ENV_BREAKPOINTS):
        env.pop(name, None)

    writer.emit(header(
        argv=list(argv), script=script,
        started=datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z"),
        python=".".join(map(str, sys.version_info[:3])), pid=os.getpid(), cwd=os.getcwd(),
    ))
    try:
        _patch_loop_classes()
    except Exception as e:
        # An asyncio laid out in a way this agent does not know (a Python newer than it):
        # the program still runs, as it would without Loopscope, and the view says why it
        # stays empty.
        hooks.notice("Loopscope cannot instrument the event loops of this Python (%s: %s): the "
                     "program runs, but its loop cannot be drawn." % (type(e).__name__, e),
                     "warning")
    hooks.install_never_awaited_hook()
    if use_compat:
        compat.install()
    _install_exit_paths()
    if cmd_fd is not None:
        control.start_command_reader(cmd_fd)
    # Started now rather than with the first loop, so the program (and CPython's tests,
    # which count threads around each test) never sees the thread count change.
    watchdog.ensure_started()
