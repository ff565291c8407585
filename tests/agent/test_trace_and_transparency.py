import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import unittest

from harness import EXAMPLES, LAUNCHER, PYTHON, agent_events, parse, program, run_bare, run_traced


def write_program(source):
    handle = tempfile.NamedTemporaryFile("w", suffix=".py", delete=False)
    handle.write(textwrap.dedent(source))
    handle.close()
    return handle.name


class TraceIsWellFormed(unittest.TestCase):
    def test_header_first_and_every_event_known_with_time(self):
        code, _out, _err, events = run_traced([program("steps.py")])
        self.assertEqual(code, 0)
        self.assertEqual(events[0]["type"], "header")
        self.assertEqual(events[0]["format"], "loopscope-trace")
        self.assertEqual(events[0]["pid"] > 0, True)
        for event in events[1:]:
            self.assertIn(event["type"], agent_events.ALL, event)
            self.assertIsInstance(event["t"], (int, float), event)
        types = {event["type"] for event in events}
        for needed in ("loop.start", "loop.stop", "loop.close", "tick.begin", "tick.end", "select",
                       "handle.schedule", "handle.begin", "handle.end", "task.create", "task.state",
                       "callback"):
            self.assertIn(needed, types)

    def test_every_handle_that_begins_ends_and_refers_to_a_defined_callback(self):
        _code, _out, _err, events = run_traced([program("steps.py")])
        callbacks = {e["cb"] for e in events if e["type"] == "callback"}
        begun = [e["handle"] for e in events if e["type"] == "handle.begin"]
        ended = [e["handle"] for e in events if e["type"] == "handle.end"]
        self.assertEqual(begun, ended)
        for event in events:
            if event["type"] in ("handle.begin", "handle.schedule", "timer.schedule"):
                self.assertIn(event["cb"], callbacks)

    def test_reader_and_writer_runs_name_their_callbacks_across_replace_and_remove(self):
        # A selector's handle is filed from its first run on (io_runs); the callbacks that
        # replace it, and plain handles that may take its freed address, keep their own names.
        path = write_program("""
            import asyncio, socket
            order = []
            def first(sock):
                order.append("first"); sock.recv(1)
            def second(sock):
                order.append("second"); sock.recv(1)
            def writable():
                order.append("writable")
            def plain():
                order.append("plain")
            async def main():
                loop = asyncio.get_running_loop()
                a, b = socket.socketpair()
                a.setblocking(False)
                for cb in (first, second, first):
                    loop.add_reader(a, cb, a)
                    for _ in range(3):
                        b.send(b"x")
                        await asyncio.sleep(0.005)
                    for _ in range(5):
                        loop.call_soon(plain)
                    await asyncio.sleep(0)
                loop.remove_reader(a)
                loop.add_writer(b, writable)
                await asyncio.sleep(0)
                loop.remove_writer(b)
                for _ in range(5):
                    loop.call_soon(plain)
                await asyncio.sleep(0.005)
                a.close(); b.close()
                print(" ".join(order))
            asyncio.run(main())
        """)
        code, out, err, events = run_traced([path])
        self.assertEqual(code, 0, err)
        labels = {e["cb"]: e["label"].split(".")[-1] for e in events if e["type"] == "callback"}
        ran = [labels[e["cb"]] for e in events if e["type"] == "handle.begin"]
        ran = [name for name in ran if name in ("first", "second", "writable", "plain")]
        self.assertEqual(" ".join(ran), out.decode().strip())
        self.assertEqual(ran.count("first"), 6)
        self.assertEqual(ran.count("second"), 3)

    def test_rebuilt_ready_queue_runs_in_fifo_order(self):
        # Schedules are derived from the next tick (batch op "tick"); replaying them must
        # give a FIFO queue whose head is always the handle that begins next.
        _code, _out, _err, events = run_traced([program("steps.py")])
        ready = []
        checked = 0
        for event in events:
            kind = event["type"]
            if kind == "handle.schedule":
                ready.append(event["handle"])
            elif kind == "timer.due":
                ready.append(event["handle"])
            elif kind == "tick.begin" and "ready" in event:
                ready = list(event["ready"])
            elif kind == "timer.cancel" and event["handle"] in ready:
                ready.remove(event["handle"])
            elif kind == "handle.begin" and event["handle"] in ready:
                self.assertEqual(ready[0], event["handle"], event)
                ready.pop(0)
                checked += 1
        self.assertGreater(checked, 10)

    def test_a_cancelled_task_names_the_task_that_cancelled_it(self):
        path = write_program("""
            import asyncio

            async def main():
                sleeper = asyncio.create_task(asyncio.sleep(10), name="sleeper")
                await asyncio.sleep(0)
                sleeper.cancel()
                try:
                    await sleeper
                except asyncio.CancelledError:
                    print("cancelled")

            asyncio.run(main())
        """)
        _code, out, _err, events = run_traced([path])
        self.assertEqual(out, b"cancelled\n")
        names = {e["name"]: e["task"] for e in events if e["type"] == "task.create"}
        ends = [e for e in events if e["type"] == "task.state" and e["task"] == names["sleeper"]
                and e["state"] == "cancelled"]
        self.assertEqual(len(ends), 1)
        self.assertEqual(ends[0]["cancelledBy"], names["Task-1"])

    def test_a_cancelled_task_keeps_the_message_it_was_cancelled_with(self):
        # asyncio ends a cancelled task with a bare Future.cancel(): the finished task has no
        # message left. It was written null for every task.cancel(msg) of a C Task.
        if sys.version_info < (3, 9):
            self.skipTest("cancel messages are Python 3.9+ (running %s)" % sys.version.split()[0])
        path = write_program("""
            import asyncio

            async def sleeper():
                await asyncio.sleep(10)

            async def catcher():
                try:
                    await asyncio.sleep(10)
                except asyncio.CancelledError:
                    pass
                await asyncio.sleep(10)

            async def main():
                loop = asyncio.get_running_loop()
                a = asyncio.ensure_future(sleeper())
                b = asyncio.ensure_future(sleeper())
                c = asyncio.ensure_future(catcher())
                d = asyncio.ensure_future(sleeper())
                py = asyncio.tasks._PyTask(sleeper())
                await asyncio.sleep(0)
                a.cancel("stop a")
                loop.call_soon(b.cancel, "stop b")
                c.cancel("caught")
                d.cancel()
                py.cancel("stop py")
                await asyncio.sleep(0.01)
                c.cancel()
                for t in (a, b, c, d, py):
                    try:
                        await t
                    except asyncio.CancelledError as e:
                        print(e.args)

            asyncio.run(main())
        """)
        bare = run_bare([path])
        code, out, err, events = run_traced([path])
        self.assertEqual((code, out, err), bare)
        self.assertEqual(len(out.splitlines()), 5)
        order = [e["task"] for e in events if e["type"] == "task.create" and e["coro"] in ("sleeper", "catcher")]
        msgs = {e["task"]: e["cancelMsg"] for e in events if e["type"] == "task.state" and e["state"] == "cancelled"}
        self.assertEqual([msgs[t] for t in order], ["stop a", "stop b", None, None, "stop py"])

    def test_a_task_built_directly_is_recorded_where_and_when_it_is_built(self):
        # asyncio.Task(coro), as three of the notes' examples write it, never goes through
        # create_task: its creation is seen when its first step is scheduled.
        path = write_program("""
            import asyncio

            async def child():
                await asyncio.sleep(0)

            async def main():
                first = asyncio.Task(child())
                second = asyncio.ensure_future(child())
                # A plain callback scheduled with a context is no task.
                loop.call_soon(print, "plain", context=contextvars.copy_context())
                await asyncio.gather(first, second)

            import contextvars
            loop = asyncio.new_event_loop()
            loop.run_until_complete(main())
            loop.close()
        """)
        _code, out, err, events = run_traced([path])
        self.assertEqual(out, b"plain\n", err)
        creates = [e for e in events if e["type"] == "task.create"]
        by_coro = {}
        for e in creates:
            by_coro.setdefault(e["coro"], []).append(e)
        main_id = by_coro["main"][0]["task"]
        children = by_coro["child"]
        self.assertEqual(len(children), 2)
        # The direct one: its line, its parent, and created before the ensure_future one.
        self.assertRegex(children[0]["site"], r"\.py:8$")
        self.assertRegex(children[1]["site"], r"\.py:9$")
        self.assertEqual([c["parent"] for c in children], [main_id, main_id])
        self.assertLess(children[0]["t"], children[1]["t"])
        # Each task once.
        self.assertEqual(len({e["task"] for e in creates}), len(creates))

    def test_tasks_made_one_after_another_keep_their_own_ids(self):
        # A finished task's memory is reused by the next one: its id() is the same, and the
        # agent must not take the new task for the old.
        path = write_program("""
            import asyncio

            async def child(i):
                await asyncio.sleep(0)
                return i

            async def main():
                for i in range(300):
                    await asyncio.create_task(child(i), name="c%d" % i)

            asyncio.run(main())
        """)
        _code, _out, err, events = run_traced([path])
        names = {e["task"]: e["name"] for e in events if e["type"] == "task.create"}
        self.assertEqual(len([n for n in names.values() if n.startswith("c")]), 300, err)
        ends = {e["task"]: e["result"] for e in events if e["type"] == "task.state" and e["state"] == "done"}
        steps = {}
        for e in events:
            if e["type"] == "handle.begin" and e["task"] in names:
                steps[e["task"]] = steps.get(e["task"], 0) + 1
        for task, name in names.items():
            if name.startswith("c"):
                self.assertEqual(ends[task], name[1:])
                self.assertEqual(steps[task], 2, name)

    def test_task_states_name_result_and_failure(self):
        _code, out, _err, events = run_traced([program("failing.py")])
        self.assertEqual(out, b"caught\n")
        names = {e["task"]: e["name"] for e in events if e["type"] == "task.create"}
        doomed = [k for k, v in names.items() if v == "doomed"][0]
        failed = [e for e in events if e["type"] == "task.state" and e["task"] == doomed and e["state"] == "failed"]
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed[0]["exc"]["type"], "RuntimeError")
        self.assertIn("boom", failed[0]["exc"]["traceback"])
        waiting = [e for e in events if e["type"] == "task.state" and e["task"] == doomed and e["state"] == "waiting"]
        self.assertEqual(waiting[0]["awaiting"]["kind"], "sleep")
        done = [e for e in events if e["type"] == "task.state" and e["state"] == "done"]
        self.assertTrue(done)


    def test_results_read_as_reprlib_gives_them_and_sites_name_the_programs_line(self):
        # The agent's shortcut for short ints, strings, floats and bools must say exactly
        # what reprlib says, and reprlib must still cut what is long.
        values = [0, -7, True, 2.5, 10 ** 39, 10 ** 45, "", "short", "a\nb", "x" * 199, "y" * 250, 1e300,
                  ("tuple", 1), None]
        path = write_program("""
            import asyncio

            VALUES = %r

            async def give(v):
                return v

            async def main():
                tasks = [asyncio.ensure_future(give(v)) for v in VALUES]
                await asyncio.gather(*tasks)
                await asyncio.ensure_future(give("second line"))

            asyncio.run(main())
        """ % (values,))
        try:
            code, _out, err, events = run_traced([path])
        finally:
            os.unlink(path)
        self.assertEqual(code, 0, err)
        import reprlib

        expected = reprlib.Repr()
        expected.maxstring = 200
        expected.maxother = 200
        gives = sorted((e for e in events if e["type"] == "task.create" and e["coro"] == "give"),
                       key=lambda e: e["task"])
        results = {e["task"]: e["result"] for e in events if e["type"] == "task.state" and e["state"] == "done"}
        self.assertEqual([results[e["task"]] for e in gives[:len(values)]],
                         [expected.repr(v) for v in values])
        self.assertTrue(all(e["site"].endswith(".py:10") for e in gives[:len(values)]), gives[0]["site"])
        self.assertTrue(gives[-1]["site"].endswith(".py:12"), gives[-1]["site"])


class ProgramBehavesAsWithoutLoopscope(unittest.TestCase):
    def assert_same(self, args, stdin=b"", cwd=None):
        bare = run_bare(args, stdin=stdin, cwd=cwd)
        traced = run_traced(args, stdin=stdin, cwd=cwd)
        self.assertEqual(traced[0], bare[0], traced[2])
        self.assertEqual(traced[1], bare[1])
        self.assertEqual(traced[2], bare[2])
        return traced

    def test_output_is_byte_identical(self):
        path = write_program("""
            import asyncio, sys
            async def talk(i):
                for j in range(50):
                    print("out", i, j)
                    sys.stderr.write("err %d %d\\n" % (i, j))
                    sys.stdout.buffer.write(bytes([j, 255, 0]))
                    await asyncio.sleep(0)
            async def main():
                await asyncio.gather(*(talk(i) for i in range(5)))
            asyncio.run(main())
        """)
        self.assert_same([path])

    def test_sys_exit_code_is_kept(self):
        self.assert_same([write_program("import sys, asyncio\nasyncio.run(asyncio.sleep(0))\nsys.exit(3)\n")])

    def test_uncaught_exception_exits_1_with_the_same_traceback(self):
        traced = self.assert_same([write_program("""
            import asyncio
            async def boom():
                raise ValueError("bad value")
            asyncio.run(boom())
        """)])
        self.assertEqual(traced[0], 1)
        self.assertIn(b"ValueError: bad value", traced[2])

    def test_a_missing_module_fails_as_bare_and_a_notice_names_the_interpreter(self):
        # The traceback is Python's own; the notice (on the event channel, not in the program's
        # output) says which interpreter lacks the module, the usual cause being another one.
        traced = self.assert_same([write_program("import asyncio\nimport loopscope_no_such_module\n")])
        self.assertEqual(traced[0], 1)
        self.assertIn(b"No module named 'loopscope_no_such_module'", traced[2])
        notices = [e["message"] for e in traced[3] if e["type"] == "notice"]
        self.assertEqual(len(notices), 1, notices)
        self.assertIn("loopscope_no_such_module", notices[0])
        self.assertIn(PYTHON, notices[0])

    def test_os_exit_code_is_kept_and_trace_flushed(self):
        traced = self.assert_same([write_program("""
            import asyncio, os
            async def main():
                print("bye", flush=True)
                os._exit(7)
            asyncio.run(main())
        """)])
        self.assertEqual(traced[0], 7)
        self.assertIn("handle.begin", {e["type"] for e in traced[3]})

    def test_stdin_argv_file_and_path_are_as_python_sets_them(self):
        path = write_program("""
            import sys, os, asyncio
            data = sys.stdin.read()
            async def main():
                print(repr(data), sys.argv, __file__, sys.path[0] == os.path.dirname(os.path.realpath(__file__)))
                print(any(p.endswith(os.path.join("resources", "agent")) for p in sys.path))
                print(sorted(k for k in os.environ if k.startswith("LOOPSCOPE")))
            asyncio.run(main())
        """)
        traced = self.assert_same([path, "one", "two words"], stdin=b"typed input\n")
        self.assertIn(b"'typed input\\n'", traced[1])
        self.assertIn(b"False\n[]", traced[1])

    def test_module_mode_runs_like_python_dash_m(self):
        folder = tempfile.mkdtemp()
        with open(os.path.join(folder, "modprog.py"), "w") as handle:
            handle.write("import sys, asyncio\nprint(__name__, sys.argv, sys.path[0])\nasyncio.run(asyncio.sleep(0))\n")
        bare = run_bare(["-m", "modprog", "x"], cwd=folder)
        traced = run_traced(["--module", "modprog", "x"], cwd=folder)
        self.assertEqual((traced[0], traced[1], traced[2]), bare)

    def test_syntax_error_reports_like_python(self):
        self.assert_same([write_program("def broken(:\n    pass\n")])


class EveryLoopIsInstrumented(unittest.TestCase):
    def test_each_way_of_making_a_loop(self):
        path = write_program("""
            import asyncio, sys, threading
            async def hello(tag):
                await asyncio.sleep(0)
                print(tag)
            asyncio.run(hello("run"))
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            loop.run_until_complete(hello("new_event_loop"))
            loop.close()
            loop = asyncio.SelectorEventLoop()
            loop.run_until_complete(hello("SelectorEventLoop"))
            loop.close()
            asyncio.set_event_loop_policy(None)
            loop = asyncio.new_event_loop()
            loop.call_soon(loop.stop)
            loop.run_forever()
            loop.close()
            print("run_forever")
            if sys.version_info >= (3, 11):
                with asyncio.Runner() as runner:
                    runner.run(hello("Runner"))
            else:
                print("Runner")
            t = threading.Thread(target=lambda: asyncio.run(hello("thread")), name="worker-thread")
            t.start(); t.join()
        """)
        code, out, err, events = run_traced([path])
        self.assertEqual(code, 0, err)
        self.assertEqual(out.split(), [b"run", b"new_event_loop", b"SelectorEventLoop", b"run_forever", b"Runner", b"thread"])
        starts = [e for e in events if e["type"] == "loop.start"]
        self.assertEqual(len({e["loop"] for e in starts}), 6 if sys.version_info >= (3, 11) else 5)
        self.assertTrue(all(e["instrumented"] for e in starts))
        self.assertIn("worker-thread", {e["threadName"] for e in starts})

    def test_a_foreign_loop_class_is_announced(self):
        path = write_program("""
            import asyncio, selectors
            from asyncio import base_events
            class Custom(asyncio.AbstractEventLoop.__mro__[0]):
                pass
            import asyncio.selector_events as se
            loop = se.BaseSelectorEventLoop(selectors.DefaultSelector())
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()
            print("ok")
        """)
        code, out, err, events = run_traced([path])
        self.assertEqual(out, b"ok\n", err)
        notices = [e["message"] for e in events if e["type"] == "notice"]
        self.assertTrue(any("cannot be drawn" in m for m in notices), notices)


class AgentFailuresNeverBreakTheProgram(unittest.TestCase):
    def test_a_failing_hook_is_disabled_with_a_notice(self):
        path = write_program("""
            import asyncio
            class Evil:
                def __call__(self):
                    print("called")
                def __getattribute__(self, name):
                    if name in ("__call__", "__class__"):
                        return object.__getattribute__(self, name)
                    raise RuntimeError("hostile attribute")
            async def main():
                asyncio.get_running_loop().call_soon(Evil())
                await asyncio.sleep(0.01)
                print("still running")
            asyncio.run(main())
        """)
        bare = run_bare([path])
        code, out, err, events = run_traced([path])
        self.assertEqual((code, out, err), bare)
        notices = [e for e in events if e["type"] == "notice"]
        self.assertTrue(any("turned off" in n["message"] for n in notices), notices)


def _wmem(name):
    try:
        with open("/proc/sys/net/core/" + name) as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


class TheEventChannelHoldsABatch(unittest.TestCase):
    """The host (Node) hands the agent a socket pair, not a pipe, and a socket's default send
    buffer (208 KiB on Linux) is less than one of the agent's batches: each write then waited
    for the host to read. The agent asks for a send buffer of 1 MiB."""

    @unittest.skipUnless(hasattr(socket, "socketpair") and sys.platform.startswith("linux"),
                         "Linux socket pairs: the channel Node gives its children here")
    def test_a_program_writing_half_a_megabyte_of_events_never_waits_for_the_reader(self):
        most = _wmem("wmem_max")
        if most is not None and most < (1 << 20):
            self.skipTest("net.core.wmem_max is %d: the kernel caps a socket below 1 MiB here" % most)
        path = write_program("""
            import asyncio
            async def spin(n):
                for _ in range(n):
                    await asyncio.sleep(0)
            async def main():
                await asyncio.gather(*(spin(600) for _ in range(50)))
            asyncio.run(main())
            print("done")
        """)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith("LOOPSCOPE_")}
            env["LOOPSCOPE_EVENT_FD"] = str(theirs.fileno())
            proc = subprocess.Popen([PYTHON, LAUNCHER, path], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, env=env, pass_fds=(theirs.fileno(),))
            theirs.close()
            try:
                # Nothing reads the channel until the program has exited: with the default
                # send buffer its writes would wait for ever.
                out, err = proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                self.fail("the program waited on its event channel: the agent did not widen it")
            self.assertEqual((proc.returncode, out), (0, b"done\n"), err)
            chunks = []
            while True:
                data = ours.recv(1 << 16)
                if not data:
                    break
                chunks.append(data)
        finally:
            ours.close()
            theirs.close()  # a no-op when closed already
        data = b"".join(chunks)
        # More than the default buffer held, so the test shows what it claims.
        self.assertGreater(len(data), 2 * (_wmem("wmem_default") or 212992))
        types = [e["type"] for e in parse(data)]
        self.assertEqual(types[0], agent_events.HEADER)
        self.assertIn(agent_events.LOOP_CLOSE, types)


class BackpressureIsSaid(unittest.TestCase):
    """The agent never drops an event: when its reader is behind, the program waits. It says
    so, once the waits add up, and how long in all at the end."""

    @staticmethod
    def spinning(tasks, switches):
        """A program that says it has started, then switches tasks `tasks` × `switches` times."""
        return write_program("""
            import asyncio
            async def spin(n):
                for _ in range(n):
                    await asyncio.sleep(0)
            async def main():
                print("started", flush=True)
                await asyncio.gather(*(spin(%d) for _ in range(%d)))
            asyncio.run(main())
            print("done")
        """ % (switches, tasks))

    def test_a_program_held_back_by_a_slow_reader_is_told_and_loses_nothing(self):
        # About 5 MB of events, more than the 1 MiB pipe holds while nobody reads it.
        code, out, err, events = run_traced([self.spinning(100, 1000)], read_late=2.0)
        self.assertEqual((code, out), (0, b"started\ndone\n"), err)
        notices = [e for e in events if e["type"] == "notice"]
        held = [e for e in notices if "not keeping up" in e["message"]]
        self.assertEqual(len(held), 1, notices)
        self.assertEqual(held[0]["level"], "warning")
        total = [e for e in notices if "in all for Loopscope" in e["message"]]
        self.assertEqual(len(total), 1, notices)
        waited = float(total[0]["message"].split("waited ")[1].split(" s")[0])
        self.assertGreater(waited, 0.5)
        types = [e["type"] for e in events]
        self.assertEqual(types.count("handle.begin"), types.count("handle.end"))
        self.assertGreaterEqual(types.count("handle.begin"), 100 * 1000)
        self.assertIn(agent_events.LOOP_CLOSE, types)

    def test_a_reader_that_keeps_up_hears_nothing_of_it(self):
        code, out, _err, events = run_traced([self.spinning(50, 200)], read_late=0)
        self.assertEqual((code, out), (0, b"started\ndone\n"))
        self.assertFalse([e for e in events if e["type"] == "notice"])

if __name__ == "__main__":
    unittest.main()
