"""Python 3.14 changed three things the agent meets at once, and no 3.14 is installed here:
the current task moved into the thread state (tasks._current_tasks stays, empty), the
policy names went private (`asyncio.DefaultEventLoopPolicy` warns, the class is
`_DefaultEventLoopPolicy`), and get_event_loop() stopped making a loop. Each test gives an
older interpreter 3.14's shape before the agent loads (a sitecustomize on PYTHONPATH), so
what the agent does on 3.14 is checked on every interpreter there is."""

import os
import shutil
import tempfile
import textwrap
import unittest

from harness import run_traced
from test_trace_and_transparency import write_program

# asyncio keeps the running task elsewhere (current_task still finds it); the old map is
# still there and nothing fills it.
CURRENT_TASK_ELSEWHERE = """
import asyncio
from asyncio import events, tasks

_kept = tasks._current_tasks


def current_task(loop=None):
    return _kept.get(events.get_running_loop() if loop is None else loop)


tasks.current_task = asyncio.current_task = current_task
tasks._current_tasks = {}
"""

# The policy under its 3.14 names, the public one a warning module __getattr__; the policy
# made on first use from the private name; get_event_loop() with no loop set raises.
PRIVATE_POLICY_NAMES = """
import asyncio, threading, warnings
from asyncio import events, unix_events

unix_events._DefaultEventLoopPolicy = unix_events.DefaultEventLoopPolicy
del unix_events.DefaultEventLoopPolicy
del asyncio.DefaultEventLoopPolicy


def __getattr__(name):
    if name == "DefaultEventLoopPolicy":
        warnings.warn("asyncio.DefaultEventLoopPolicy is deprecated", DeprecationWarning, stacklevel=2)
        return unix_events._DefaultEventLoopPolicy
    raise AttributeError(name)


asyncio.__getattr__ = __getattr__


def _init_event_loop_policy():
    with events._lock:
        if events._event_loop_policy is None:
            from asyncio.unix_events import _DefaultEventLoopPolicy
            events._event_loop_policy = _DefaultEventLoopPolicy()


events._init_event_loop_policy = _init_event_loop_policy


def get_event_loop(self):
    if self._local._loop is None:
        raise RuntimeError("There is no current event loop in thread %r." % threading.current_thread().name)
    return self._local._loop


events.BaseDefaultEventLoopPolicy.get_event_loop = get_event_loop
"""


class Python314Shapes(unittest.TestCase):
    def shaped(self, *parts):
        folder = tempfile.mkdtemp(prefix="loopscope-314-")
        self.addCleanup(shutil.rmtree, folder, True)
        with open(os.path.join(folder, "sitecustomize.py"), "w") as f:
            f.write("\n".join(textwrap.dedent(p) for p in parts))
        return {"PYTHONPATH": folder}

    def test_parents_and_sleeps_are_seen_when_the_current_task_is_not_in_the_old_map(self):
        path = write_program("""
            import asyncio

            async def child():
                await asyncio.sleep(0.01)

            async def main():
                await asyncio.gather(asyncio.ensure_future(child()), asyncio.ensure_future(child()))
                print("done")

            asyncio.run(main())
        """)
        code, out, err, events = run_traced([path], env=self.shaped(CURRENT_TASK_ELSEWHERE))
        self.assertEqual((code, out), (0, b"done\n"), err)
        creates = [e for e in events if e["type"] == "task.create"]
        main_id = next(e["task"] for e in creates if e["coro"] == "main")
        children = [e for e in creates if e["coro"] == "child"]
        self.assertEqual([c["parent"] for c in children], [main_id, main_id])
        waits = [e for e in events if e["type"] == "task.state" and e.get("awaiting")
                 and e["task"] in {c["task"] for c in children}]
        self.assertTrue(waits, "no wait of the children was traced")
        self.assertEqual({w["awaiting"]["kind"] for w in waits}, {"sleep"})

    def test_a_program_using_the_old_loop_calls_runs_on_the_private_policy_names(self):
        # What every seed example does; on 3.14 the agent installs the get_event_loop shim
        # itself (compat.install), here the program asks for it, as the version is older.
        path = write_program("""
            import asyncio, threading, warnings
            from loopscope_agent import compat
            compat.install_implicit_loop()

            async def hello():
                await asyncio.sleep(0)
                print("hello")

            loop = asyncio.get_event_loop()
            print("same loop:", asyncio.get_event_loop() is loop)
            loop.run_until_complete(hello())

            # A thread's loop was never made for it, and a loop set to None stays unset.
            errors = []
            def other():
                try:
                    asyncio.get_event_loop()
                except RuntimeError as e:
                    errors.append(str(e))
            t = threading.Thread(target=other, name="side")
            t.start(); t.join()
            asyncio.set_event_loop(None)
            try:
                asyncio.get_event_loop()
            except RuntimeError as e:
                errors.append("unset")
            print(errors)
            loop.close()

            # The deprecated public name still warns: the agent did not shadow it.
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                asyncio.DefaultEventLoopPolicy
            print([w.category.__name__ for w in caught])
        """)
        code, out, err, events = run_traced([path], env=self.shaped(PRIVATE_POLICY_NAMES))
        self.assertEqual(code, 0, err)
        lines = out.decode().splitlines()
        self.assertEqual(lines[0], "same loop: True")
        self.assertEqual(lines[1], "hello")
        self.assertEqual(lines[2], "[\"There is no current event loop in thread 'side'.\", 'unset']")
        self.assertEqual(lines[3], "['DeprecationWarning']")
        # The loop the shim made is the agent's: its ticks and its task are in the trace.
        self.assertTrue(any(e["type"] == "tick.begin" for e in events))
        self.assertTrue(any(e["type"] == "task.create" and e["coro"] == "hello" for e in events))
        notices = [e["message"] for e in events if e["type"] == "notice"
                   and "get_event_loop" in e["message"]]
        self.assertEqual(len(notices), 1, notices)
        self.assertIn("Python 3.14", notices[0])

    def test_an_asyncio_the_agent_does_not_know_still_runs_the_program_and_says_why(self):
        # A later Python might move the classes again: the program must still run.
        unknown = """
            from asyncio import unix_events
            del unix_events.DefaultEventLoopPolicy
        """
        path = write_program("""
            import asyncio

            async def main():
                await asyncio.sleep(0)
                print("ok")

            asyncio.run(main())
        """)
        code, out, err, events = run_traced([path], env=self.shaped(unknown))
        self.assertEqual((code, out), (0, b"ok\n"), err)
        notices = [e["message"] for e in events if e["type"] == "notice"]
        self.assertTrue(any("cannot instrument the event loops of this Python" in m for m in notices), notices)


if __name__ == "__main__":
    unittest.main()
