"""Small helpers the loop and the shims share: where a task was made, which task is
current, and how Loopscope speaks (`notice`, `problem`) without touching the program's
own output."""

import sys
import time
import types
import warnings
from asyncio import events as aio_events, tasks

from . import events as ev
from .describe import _LIBRARY, is_library_code
from .writer import dumps, get_writer

_current_task = tasks.current_task
_disabled = set()


def current_task(loop):
    try:
        return _current_task(loop)
    except RuntimeError:
        return None


# (id(code), instruction) -> (code, "file:line"): keyed by id (hashing a code object hashes
# its whole body) and checked to be the same code, which the value keeps alive so its id is
# not reused.
_sites = {}


def creation_site():
    """file:line of the first frame outside asyncio and the agent (one string per place,
    shared by every call from there)."""
    frame = sys._getframe(2)
    depth = 0
    while frame is not None and depth < 40:
        code = frame.f_code
        # describe's map read here first, as classify_by_frame does: a call per frame costs
        # more than the rest of a known frame.
        mark = _LIBRARY.get(id(code))
        if mark is code or (mark is None and not is_library_code(code)):
            key = (id(code), frame.f_lasti)
            site = _sites.get(key)
            if site is not None and site[0] is code:
                return site[1]
            if len(_sites) > 65536:
                _sites.clear()
            site = "%s:%d" % (code.co_filename, frame.f_lineno)
            _sites[key] = (code, site)
            return site
        frame = frame.f_back
        depth += 1
    return None


def _loop_time():
    loop = aio_events._get_running_loop()
    if loop is not None and hasattr(loop, "_ls"):
        return loop, loop.time()
    return None, time.monotonic()


def emit(event):
    """Write one of Loopscope's own events, in order with the running loop's events."""
    loop, t = _loop_time()
    event.setdefault("t", round(t, 6))
    line = dumps(event) + "\n"
    if loop is not None and loop._ls_on:
        loop._ls_raw(line)
    else:
        get_writer().write_text(line)


def notice(message, level="info", **fields):
    event = {"type": ev.NOTICE, "level": level, "message": message}
    event.update(fields)
    emit(event)


def problem(kind, message, **fields):
    event = {"type": ev.PROBLEM, "kind": kind, "message": message}
    event.update(fields)
    emit(event)


def disable_hook(name, exc):
    """trio's rule: an instrument that fails is switched off and the program goes on."""
    if name in _disabled:
        return
    _disabled.add(name)
    try:
        notice("Loopscope turned off its %s after an internal error (%s: %s); the program "
               "continues unaffected." % (name, type(exc).__name__, exc), "warning")
    except Exception:
        pass


def report_exception_context(loop, context):
    message = context.get("message") or "exception in the event loop"
    if "never retrieved" in message:
        kind = "never-retrieved"
    else:
        kind = "other"
    fields = {"loop": loop._ls_id}
    exc = context.get("exception")
    if exc is not None:
        message = "%s: %s: %s" % (message, type(exc).__name__, exc)
    problem(kind, message, **fields)


def install_never_awaited_hook():
    """CPython calls warnings._warn_unawaited_coroutine when a coroutine dies unawaited.

    Our hook reports a problem and then runs a copy of the original whose `warn` looks
    two frames further up, so the warning names the same line as without Loopscope.
    """
    original = getattr(warnings, "_warn_unawaited_coroutine", None)
    if original is None:
        return

    def _warn_past_us(*args, stacklevel=1, **kwargs):
        return warnings.warn(*args, stacklevel=stacklevel + 2, **kwargs)

    namespace = dict(vars(warnings))
    namespace["warn"] = _warn_past_us
    original_copy = types.FunctionType(original.__code__, namespace, original.__name__,
                                       original.__defaults__, original.__closure__)

    def _warn_unawaited_coroutine(coro):
        try:
            if "never-awaited" not in _disabled:
                name = getattr(coro, "__qualname__", None) or type(coro).__name__
                problem("never-awaited", "coroutine '%s' was never awaited" % name)
        except Exception as exc:
            _disabled.add("never-awaited")
            disable_hook("never-awaited report", exc)
        return original_copy(coro)

    _warn_unawaited_coroutine.__wrapped__ = original
    warnings._warn_unawaited_coroutine = _warn_unawaited_coroutine
