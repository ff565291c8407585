import re
import time
import unittest

from harness import Session, program


def of_type(kind, **fields):
    return lambda e: e["type"] == kind and all(e.get(k) == v for k, v in fields.items())


class Stepping(unittest.TestCase):
    def setUp(self):
        self.sessions = []

    def tearDown(self):
        for session in self.sessions:
            session.kill()

    def session(self, name, **env):
        s = Session([program(name)], env=env)
        self.sessions.append(s)
        return s

    def test_loop_time_is_frozen_while_held(self):
        s = self.session("frozen_time.py")
        s.wait_stdout(b"scheduled")
        s.send(cmd="pause")
        s.wait_for(of_type("paused"))
        time.sleep(3)
        s.send(cmd="resume")
        s.wait_stdout(b"wall")
        loop_s, wall_s = map(float, re.search(rb"loop ([\d.]+) wall ([\d.]+)", s.stdout).groups())
        self.assertGreaterEqual(loop_s, 1.0)
        self.assertLess(loop_s, 1.3)
        self.assertGreater(wall_s, 3.5)
        self.assertEqual(s.finish(), 0)

    def test_start_held_shows_the_first_ready_queue(self):
        s = self.session("steps.py", LOOPSCOPE_PAUSE_AT_START="1")
        _i, paused = s.wait_for(of_type("paused", reason="start"))
        self.assertEqual(paused["tick"], 1)
        self.assertEqual(len(paused["ready"]), 1)
        self.assertEqual(s.stdout, b"")
        s.send(cmd="resume")
        self.assertEqual(s.finish(), 0)

    def test_step_tick_runs_exactly_one_loop_iteration(self):
        s = self.session("steps.py", LOOPSCOPE_PAUSE_AT_START="1")
        i, first = s.wait_for(of_type("paused"))
        for expected_tick in (2, 3, 4):
            s.send(cmd="step-tick")
            j, paused = s.wait_for(of_type("paused"), start=i + 1)
            between = s.snapshot()[i + 1:j]
            self.assertEqual(paused["reason"], "step")
            self.assertEqual(paused["tick"], expected_tick)
            self.assertEqual([e["tick"] for e in between if e["type"] == "tick.end"], [expected_tick - 1])
            ran = [e["handle"] for e in between if e["type"] == "handle.begin"]
            self.assertEqual(ran, first["ready"] if expected_tick == 2 else ran)
            if expected_tick > 2:
                self.assertEqual(sorted(ran), sorted(prev_ready))
            prev_ready = paused["ready"]
            i, first = j, paused
        s.send(cmd="resume")
        self.assertEqual(s.finish(), 0)

    def test_step_callback_runs_exactly_one_handle(self):
        s = self.session("steps.py", LOOPSCOPE_PAUSE_AT_START="1")
        i, _ = s.wait_for(of_type("paused"))
        s.send(cmd="step-tick")
        i, held = s.wait_for(of_type("paused"), start=i + 1)
        self.assertEqual(len(held["ready"]), 2)
        s.send(cmd="step-callback")
        j, paused = s.wait_for(of_type("paused"), start=i + 1)
        between = s.snapshot()[i + 1:j]
        self.assertEqual([e["handle"] for e in between if e["type"] == "handle.begin"], held["ready"][:1])
        self.assertEqual(paused["detail"], "callback")
        self.assertEqual(paused["ready"][0], held["ready"][1])
        s.wait_stdout(b"a 0\n")
        self.assertEqual(s.stdout, b"a 0\n")
        s.send(cmd="resume")
        self.assertEqual(s.finish(), 0)

    def test_a_hold_between_handles_names_the_callback_and_task_of_each_ready_handle(self):
        s = self.session("steps.py", LOOPSCOPE_PAUSE_AT_START="1")
        i, _ = s.wait_for(of_type("paused"))
        s.send(cmd="step-tick")
        i, _ = s.wait_for(of_type("paused"), start=i + 1)
        s.send(cmd="step-callback")
        j, paused = s.wait_for(of_type("paused", detail="callback"), start=i + 1)
        # The queue as it is between the two handles: the one left, and the step the first
        # handle's task scheduled for the next tick, each with its callback and task.
        self.assertEqual(len(paused["ready"]), 2)
        self.assertEqual(len(paused["readyCb"]), 2)
        events = s.snapshot()[:j]
        tasks = {e["task"]: e for e in events if e["type"] == "task.create"}
        callbacks = {e["cb"] for e in events if e["type"] == "callback"}
        for cb, task in zip(paused["readyCb"], paused["readyTask"]):
            self.assertIn(cb, callbacks)
            self.assertEqual(tasks[task]["coro"], "worker")
        s.send(cmd="resume")
        self.assertEqual(s.finish(), 0)

    def test_pause_during_a_blocking_callback_holds_right_after_it_returns(self):
        s = self.session("blocking.py")
        s.wait_stdout(b"blocking")
        s.send(cmd="pause")
        j, paused = s.wait_for(of_type("paused"))
        events = s.snapshot()[:j]
        ends = [e for e in events if e["type"] == "handle.end"]
        self.assertGreater(ends[-1]["dur"], 1.0)
        self.assertNotEqual(events[-1]["type"], "handle.begin")
        last_end = max(k for k, e in enumerate(events) if e["type"] == "handle.end")
        self.assertFalse([e for e in events[last_end:] if e["type"] == "handle.begin"])
        s.wait_stdout(b"unblocked\n")
        self.assertEqual(s.stdout, b"blocking\nunblocked\n")
        s.send(cmd="resume")
        self.assertEqual(s.finish(), 0)

    def test_breakpoint_on_a_named_task_step(self):
        s = self.session("steps.py", LOOPSCOPE_PAUSE_AT_START="1")
        s.wait_for(of_type("paused", reason="start"))
        s.send(cmd="breakpoints", breakpoints={"taskStep": ["worker-b"]})
        s.send(cmd="resume")
        i, paused = s.wait_for(of_type("paused", reason="breakpoint"))
        self.assertIn("worker-b", paused["detail"])
        # Held before worker-b's step, which has left the loop's deque already: the snapshot
        # shows it at the queue's head, and it is the handle that runs next.
        tasks = {e["task"]: e["name"] for e in s.snapshot()[:i] if e["type"] == "task.create"}
        self.assertEqual(tasks[paused["readyTask"][0]], "worker-b")
        s.send(cmd="breakpoints", breakpoints={})
        s.send(cmd="resume")
        self.assertEqual(s.finish(), 0)
        ran = [e["handle"] for e in s.snapshot()[i + 1:] if e["type"] == "handle.begin"]
        self.assertEqual(ran[0], paused["ready"][0])

    def test_breakpoints_given_at_start_hold_from_the_first_tick(self):
        # No pause at start and no command: the breakpoint must already be in force when
        # the short program's task fails.
        s = self.session("failing.py", LOOPSCOPE_BREAKPOINTS='{"taskFailed": true}')
        _i, paused = s.wait_for(of_type("paused", reason="breakpoint"))
        self.assertIn("doomed failed", paused["detail"])
        s.send(cmd="breakpoints", breakpoints={})
        s.send(cmd="resume")
        self.assertEqual(s.finish(), 0)

    def test_breakpoints_on_failure_and_timer(self):
        s = self.session("failing.py", LOOPSCOPE_PAUSE_AT_START="1")
        s.wait_for(of_type("paused", reason="start"))
        s.send(cmd="breakpoints", breakpoints={"taskFailed": True})
        s.send(cmd="resume")
        _i, paused = s.wait_for(of_type("paused", reason="breakpoint"))
        self.assertIn("doomed failed", paused["detail"])
        s.send(cmd="breakpoints", breakpoints={})
        s.send(cmd="resume")
        self.assertEqual(s.finish(), 0)
        s = self.session("frozen_time.py", LOOPSCOPE_PAUSE_AT_START="1")
        s.wait_for(of_type("paused", reason="start"))
        s.send(cmd="breakpoints", breakpoints={"timerFires": True})
        s.send(cmd="resume")
        _i, paused = s.wait_for(of_type("paused", reason="breakpoint"))
        self.assertIn("timer fires", paused["detail"])
        self.assertNotIn(b"loop", s.stdout)
        s.send(cmd="breakpoints", breakpoints={})
        s.send(cmd="resume")
        self.assertEqual(s.finish(), 0)

    def test_a_hold_reports_every_tasks_stack_unasked(self):
        s = self.session("idle.py")
        s.wait_stdout(b"idle")
        s.send(cmd="pause")
        i, _ = s.wait_for(of_type("paused"))
        _j, stacks = s.wait_for(of_type("stacks"), start=i)
        funcs = {frame["func"] for entry in stacks["tasks"] for frame in entry["stack"]}
        self.assertTrue({"main", "waiter", "sleeper"} <= funcs, funcs)
        s.kill()

    def test_stacks_while_held_name_every_task_frame(self):
        s = self.session("idle.py")
        s.wait_stdout(b"idle")
        s.send(cmd="pause")
        i, _ = s.wait_for(of_type("paused"))
        s.send(cmd="stacks")
        _j, stacks = s.wait_for(of_type("stacks"), start=i)
        funcs = {frame["func"] for entry in stacks["tasks"] for frame in entry["stack"]}
        self.assertTrue({"main", "waiter", "sleeper"} <= funcs, funcs)
        s.kill()


if __name__ == "__main__":
    unittest.main()
