"""Run the user's script or module as `python3 script.py` / `python3 -m mod` would.

The script gets a fresh `__main__` module (not runpy's temporary one, so that atexit
handlers and pickling see the same `__main__` as without us), `sys.argv`, `sys.path[0]`
and `__file__` as CPython sets them. An uncaught exception is printed by `sys.excepthook`
with our own frames cut off the traceback, so stderr and the exit status match a bare run.
"""

import os
import signal
import sys
import types

_AGENT_DIR = os.path.dirname(os.path.abspath(__file__))
_LAUNCH_DIR = os.path.dirname(_AGENT_DIR)
_keep_alive = []
_interrupted = [False]


def _is_ours(filename):
    return (filename.startswith(_LAUNCH_DIR + os.sep) or filename == "<frozen runpy>"
            or os.path.basename(filename) == "runpy.py")


def _strip_tb(tb):
    while tb is not None and _is_ours(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    return tb


def _reraise_as_interrupt():
    # CPython ends a program killed by an uncaught KeyboardInterrupt with SIGINT, after
    # the atexit handlers; registered first, this runs last.
    if _interrupted[0]:
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        except Exception:
            pass


def _usage():
    sys.stderr.write("usage: loopscope_launch.py [--module] TARGET [ARGS...]\n")
    sys.exit(2)


def _run_script(path, args):
    import importlib.machinery

    sys.argv[:] = [path] + args
    real = os.path.realpath(path)
    sys.path[0] = os.path.dirname(real)
    main = types.ModuleType("__main__")
    file_attr = path if sys.version_info < (3, 9) else os.path.abspath(path)
    loader = importlib.machinery.SourceFileLoader("__main__", file_attr)
    main.__dict__.update({
        "__file__": file_attr, "__cached__": None, "__loader__": loader,
        "__package__": None, "__spec__": None, "__builtins__": __builtins__,
    })
    try:
        with open(path, "rb") as handle:
            source = handle.read()
    except OSError as exc:
        sys.stderr.write("%s: can't open file %r: [Errno %d] %s\n" % (
            sys.executable, os.path.abspath(path) if sys.version_info >= (3, 9) else path,
            exc.errno, exc.strerror))
        sys.exit(2)
    _keep_alive.append(sys.modules.get("__main__"))
    sys.modules["__main__"] = main
    code = compile(source, file_attr, "exec", dont_inherit=True)
    exec(code, main.__dict__)


def _run_module(name, args):
    import runpy

    sys.argv[:] = [name] + args
    sys.path[0] = os.getcwd()
    _keep_alive.append(sys.modules.get("__main__"))
    runpy._run_module_as_main(name, alter_argv=True)


def _missing_module_notice(name):
    """Says which interpreter lacks the module, after the program's own traceback: the
    usual cause is a package installed for another Python than the one that ran."""
    try:
        import time

        from . import hooks

        # The host reads the program's stderr and the events on two channels: a moment's
        # wait lets the traceback reach the console before the notice that explains it.
        sys.stderr.flush()
        time.sleep(0.03)
        hooks.notice(
            "This program imports %s, which %s (Python %s) cannot find. Install it for that "
            "interpreter, or choose one that has it: Run configuration \u2192 Python interpreter."
            % (name, sys.executable, ".".join(map(str, sys.version_info[:3]))), "warning",
            module=name, python=sys.executable)
    except Exception:
        pass


def main():
    import atexit

    atexit.register(_reraise_as_interrupt)
    args = sys.argv[1:]
    module = False
    if args and args[0] == "--module":
        module = True
        args = args[1:]
    if not args:
        _usage()
    target, rest = args[0], args[1:]
    script = None if module else os.path.abspath(target)

    from . import agent

    agent.install([target] + rest, script)
    try:
        if module:
            _run_module(target, rest)
        else:
            _run_script(target, rest)
    except SystemExit:
        raise
    except BaseException as exc:
        tb = _strip_tb(exc.__traceback__)
        sys.excepthook(type(exc), exc.with_traceback(tb), tb)
        if isinstance(exc, ModuleNotFoundError) and exc.name:
            _missing_module_notice(exc.name)
        if isinstance(exc, KeyboardInterrupt):
            _interrupted[0] = True
        sys.exit(1)
