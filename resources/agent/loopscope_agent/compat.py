"""Compatibility shims for asyncio APIs that Python removed, so old notes run as written.

Each shim exists only on a Python that lacks the API, changes nothing a working program
does, and says once (a `notice`) that it was needed. LOOPSCOPE_COMPAT=0 turns them off.
"""

import asyncio
import collections.abc
import functools
import inspect
import sys
import threading
import types
from asyncio import coroutines, events, futures, tasks

from . import hooks

_announced = set()


def _announce(key, message):
    if key in _announced:
        return
    _announced.add(key)
    try:
        hooks.notice(message + " Loopscope supplied an equivalent so this program runs as written.")
    except Exception:
        pass


def _mark_coroutine_function(func):
    marker = getattr(coroutines, "_is_coroutine", None)
    if marker is not None:
        func._is_coroutine = marker
    mark = getattr(inspect, "markcoroutinefunction", None)
    if mark is not None:
        mark(func)
    return func


def _legacy_coroutine(func):
    """What @asyncio.coroutine did before Python 3.11 removed it."""
    _announce("coroutine", "asyncio.coroutine was removed in Python 3.11;")
    if inspect.iscoroutinefunction(func):
        return func
    if inspect.isgeneratorfunction(func):
        gen = func
    else:
        @functools.wraps(func)
        def gen(*args, **kwargs):
            res = func(*args, **kwargs)
            if futures.isfuture(res) or inspect.isgenerator(res):
                res = yield from res
            else:
                await_meth = getattr(res, "__await__", None)
                if await_meth is not None and isinstance(res, collections.abc.Awaitable):
                    res = yield from await_meth()
            return res

    gen = types.coroutine(gen)
    if sys.version_info < (3, 12):
        return _mark_coroutine_function(gen)

    # Since 3.12 a Task no longer accepts a generator, so each call returns a native
    # coroutine that drives the generator.
    @functools.wraps(func)
    async def wrapper(*args, **kwargs):
        return await gen(*args, **kwargs)

    return wrapper


def _install_wait(original):
    async def _wait_wrapping_coroutines(fs, timeout, return_when):
        fs = {tasks.ensure_future(f) for f in fs}
        return await original(fs, timeout=timeout, return_when=return_when)

    @functools.wraps(original)
    def wait(fs, *, timeout=None, return_when=asyncio.ALL_COMPLETED, **kwargs):
        if "loop" in kwargs and sys.version_info >= (3, 10):
            kwargs.pop("loop")
            _announce("wait-loop", "The loop= argument of asyncio.wait was removed in Python 3.10;")
        if kwargs:
            return original(fs, timeout=timeout, return_when=return_when, **kwargs)
        if (sys.version_info >= (3, 11) and isinstance(fs, (list, tuple, set, frozenset))
                and fs and any(coroutines.iscoroutine(f) for f in fs)):
            _announce("wait-coroutines", "asyncio.wait on bare coroutines was removed in Python 3.11;")
            return _wait_wrapping_coroutines(fs, timeout, return_when)
        return original(fs, timeout=timeout, return_when=return_when)

    _mark_coroutine_function(wait)
    asyncio.wait = tasks.wait = wait


def install_implicit_loop():
    """What asyncio.get_event_loop() did in the main thread before Python 3.14: with no loop
    running and none ever set there, make one and set it (3.12 and 3.13 warned about it;
    3.14 raises RuntimeError). Only that case changes: a loop set (even None, as asyncio.run
    does when it ends), another thread, or a policy of the program's own still raise."""
    original_get = events.get_event_loop
    original_set = events.set_event_loop
    get_policy = getattr(events, "_get_event_loop_policy", None) or events.get_event_loop_policy
    base = (getattr(events, "_BaseDefaultEventLoopPolicy", None)
            or getattr(events, "BaseDefaultEventLoopPolicy", None))
    state = {"set_called": False}

    @functools.wraps(original_set)
    def set_event_loop(loop):
        if threading.current_thread() is threading.main_thread():
            state["set_called"] = True
        return original_set(loop)

    @functools.wraps(original_get)
    def get_event_loop():
        try:
            return original_get()
        except RuntimeError:
            policy = get_policy()
            if (state["set_called"] or base is None or not isinstance(policy, base)
                    or threading.current_thread() is not threading.main_thread()):
                raise
        _announce("implicit-loop",
                  "asyncio.get_event_loop() stopped creating an event loop in Python 3.14;")
        loop = policy.new_event_loop()
        policy.set_event_loop(loop)
        return loop

    asyncio.get_event_loop = events.get_event_loop = get_event_loop
    asyncio.set_event_loop = events.set_event_loop = set_event_loop


def install():
    if not hasattr(asyncio, "coroutine"):
        asyncio.coroutine = coroutines.coroutine = _legacy_coroutine
    if not hasattr(asyncio, "async"):
        def _async(coro_or_future, *, loop=None):
            _announce("async", "asyncio.async was removed in Python 3.10 (it is asyncio.ensure_future);")
            return tasks.ensure_future(coro_or_future, loop=loop)

        setattr(asyncio, "async", _async)
    if sys.version_info >= (3, 10):
        # loop= went in 3.10 and bare coroutines in 3.11; other functions' loop= is not
        # shimmed: wrapping asyncio.sleep would put a frame on every program's hot path.
        _install_wait(tasks.wait)
    if sys.version_info >= (3, 14):
        install_implicit_loop()
