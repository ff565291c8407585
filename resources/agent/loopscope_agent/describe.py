"""How Loopscope names what it sees: callback labels and keys, coroutine names and stacks,
what a task awaits, exceptions. All of it reads objects without side effects (never
`task.exception()`, which would silence "exception was never retrieved")."""

import asyncio
import functools
import os
import reprlib
import sys
import traceback
import types
from asyncio import base_events, tasks

_CoroutineType = types.CoroutineType
_GeneratorType = types.GeneratorType

_TASK_TYPES = tuple({tasks.Task, getattr(tasks, "_PyTask", tasks.Task)})
_GATHERING = getattr(tasks, "_GatheringFuture", ())
_ASYNCIO_DIR = os.path.dirname(asyncio.__file__) + os.sep
_AGENT_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_format_handle = base_events._format_handle

_repr = reprlib.Repr()
_repr.maxstring = 200
_repr.maxother = 200

_LOCK_KINDS = {
    "Lock": "lock",
    "Event": "event",
    "Condition": "condition",
    "Semaphore": "semaphore",
    "BoundedSemaphore": "semaphore",
}
_FILE_KINDS = {
    "queues.py": "queue",
    "streams.py": "io",
    "selector_events.py": "io",
    "sslproto.py": "io",
    "base_events.py": "io",
    "subprocess.py": "subprocess",
    "base_subprocess.py": "subprocess",
    "unix_events.py": "subprocess",
}
FUTURE = {"kind": "future", "ref": None, "label": "future"}
# What classify_by_frame says of a task suspended in asyncio.wait's own coroutine (`_wait`,
# in every version): the encoder names the futures it was given (`waited_in_wait`).
WAIT_MANY = {"kind": "future", "ref": None, "label": "asyncio.wait"}
_WAIT_CODE = getattr(getattr(tasks, "_wait", None), "__code__", None)


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


def coro_code(coro):
    return getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)


def code_site(code):
    return None if code is None else "%s:%d" % (code.co_filename, code.co_firstlineno)


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


# id(code) -> code of the program's own (asyncio's and the agent's are not). Keyed by id:
# hashing a code object hashes its whole body. The value keeps the code alive, so its id
# is never reused while the entry exists.
_LIBRARY = {}


def is_library_code(code):
    """Is this code asyncio's or the agent's (not the program's)?"""
    found = _LIBRARY.get(id(code))
    if found is not None:
        return found is not code
    name = code.co_filename
    lib = name.startswith(_ASYNCIO_DIR) or name.startswith(_AGENT_DIR)
    if len(_LIBRARY) > 65536:
        _LIBRARY.clear()
    # The program's code maps to itself, a library's to a marker that holds it.
    _LIBRARY[id(code)] = (code,) if lib else code
    return lib


def classify_by_frame(task, cache):
    """What a task awaits, from the innermost coroutine of its await chain (a queue's, a
    lock's, a stream's…) and the innermost of the program's own. One label per
    (innermost code, program code, instruction) is cached: most waits repeat.

    The chain is walked by code objects (`cr_code`): asking a coroutine for its frame makes
    a frame object, one more allocation for every short-lived inner coroutine. Only the
    program's coroutine (long-lived, so made once) is asked for its frame, for the line."""
    coro = getattr(task, "_coro", None)
    inner = None
    where = None
    library = _LIBRARY.get
    seen = 0
    while seen < 64:
        seen += 1
        kind = type(coro)
        if kind is _CoroutineType:
            code = coro.cr_code
            nxt = coro.cr_await
        elif kind is _GeneratorType:
            code = coro.gi_code
            nxt = coro.gi_yieldfrom
        else:
            break  # a future (or a coroutine of another kind): the end of the chain
        inner = coro
        mark = library(id(code))
        if mark is code or (mark is None and not is_library_code(code)):
            where = coro
        coro = nxt
    if inner is None:
        return FUTURE
    code = inner.cr_code if type(inner) is _CoroutineType else inner.gi_code
    if code is _WAIT_CODE:
        return WAIT_MANY
    outer = None
    if where is None:
        # No frame of the program's on the chain (a task made of a library coroutine, as
        # wait_for's of `event.wait()` before 3.12): named by that coroutine, not by a line
        # of asyncio's. Its code is part of the cache key, in the place of the program's.
        where = inner
        outer = getattr(task, "_coro", None)
    frame = where.cr_frame if type(where) is _CoroutineType else where.gi_frame
    if frame is None:
        return FUTURE
    wcode = frame.f_code if outer is None else (outer.cr_code if type(outer) is _CoroutineType else outer.gi_code)
    # Keyed by ids and the instruction (hashing code objects, or asking a frame for its
    # line number, costs more than the rest of this); a hit is checked to be the same code.
    key = (id(code), id(wcode), frame.f_lasti)
    found = cache.get(key)
    if found is not None and found[0] is code and found[1] is wcode:
        return found[2]
    if len(cache) > 4096:
        cache.clear()
    filename = code.co_filename
    base = os.path.basename(filename)
    kind = "future"
    if filename.startswith(_ASYNCIO_DIR):
        if base == "locks.py":
            owner = None
            try:
                inner_frame = inner.cr_frame if type(inner) is _CoroutineType else inner.gi_frame
                owner = inner_frame.f_locals.get("self")
            except Exception:
                pass
            kind = "lock"
            for klass in type(owner).__mro__ if owner is not None else ():
                if klass.__name__ in _LOCK_KINDS:
                    kind = _LOCK_KINDS[klass.__name__]
                    break
        elif base == "tasks.py" and code.co_name in ("sleep", "_sleep"):
            kind = "sleep"
        else:
            kind = _FILE_KINDS.get(base, "future")
    by_code = True
    if outer is None:
        label = "%s (%s:%d)" % (code.co_name, os.path.basename(wcode.co_filename), frame.f_lineno)
    else:
        label, by_code = library_name(outer, wcode)
    result = {"kind": kind, "ref": None, "label": label}
    if by_code and kind not in ("lock", "event", "condition", "semaphore"):
        # A lock's kind depends on the object, not only on the code: not cached.
        cache[key] = (code, wcode, result)
    return result


def library_name(coro, code):
    """A library coroutine's qualified name ("Event.wait"), and whether its code alone says
    it. Before 3.11 code objects have no `co_qualname`: a method's is made of the class of
    the `self` it was called on."""
    name = getattr(code, "co_qualname", None)
    if name:
        return name, True
    name = code.co_name
    if code.co_argcount and code.co_varnames[0] == "self":
        try:
            frame = coro.cr_frame if type(coro) is _CoroutineType else coro.gi_frame
            owner = frame.f_locals.get("self") if frame is not None else None
        except Exception:
            owner = None
        if owner is not None:
            return "%s.%s" % (type(owner).__name__, name), False
    return name, True


def waited_in_wait(task):
    """(futures, return_when) of the asyncio.wait a task is suspended in, read off its
    innermost coroutine's frame, or None."""
    frames = coro_stack(getattr(task, "_coro", None))
    frame = frames[-1] if frames else None
    if frame is None or frame.f_code is not _WAIT_CODE:
        return None
    names = frame.f_locals
    fs = names.get("fs")
    return (fs, names.get("return_when")) if fs is not None else None


# Exact types whose repr reprlib gives unchanged while it is this short (its `maxlong`, and
# `maxstring` / `maxother`): returned without reprlib's dispatch, about 1.5 us a task.
_SHORT_REPR = {int: 40, bool: 200, float: 200, str: 200}


def result_repr(value):
    if value is None:
        return "None"
    try:
        kind = type(value)
        limit = _SHORT_REPR.get(kind)
        if limit is not None and (kind is not str or len(value) <= limit):
            text = repr(value)
            if len(text) <= limit:
                return text
        return _repr.repr(value)
    except Exception:
        return "<unrepresentable>"


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


_HANDLE_RUN = getattr(asyncio.Handle._run, "__code__", None)


def running_handle(frame):
    """The handle whose `_run` is on this stack (innermost first), or None."""
    while frame is not None:
        if frame.f_code is _HANDLE_RUN:
            try:
                return frame.f_locals.get("self")
            except Exception:
                return None
        frame = frame.f_back
    return None


def describe_handle(handle):
    try:
        return _format_handle(handle)
    except Exception:
        return type(handle).__name__
