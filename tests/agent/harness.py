"""Runs programs under the agent the way the host does: event pipe, command pipe, the
program's own stdin/stdout/stderr, and compares with the same program run bare."""

import json
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
AGENT_DIR = os.path.join(ROOT, "resources", "agent")
LAUNCHER = os.path.join(AGENT_DIR, "loopscope_launch.py")
EXAMPLES = os.path.join(ROOT, "resources", "examples")
PROGRAMS = os.path.join(HERE, "programs")
PYTHON = sys.executable

sys.path.insert(0, AGENT_DIR)
from loopscope_agent import events as agent_events  # noqa: E402

sys.path.remove(AGENT_DIR)


def program(name):
    return os.path.join(PROGRAMS, name)


def _env(extra):
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("LOOPSCOPE_"):
            del env[key]
    env.update(extra or {})
    env.setdefault("PYTHONHASHSEED", "0")
    return env


def run_bare(args, stdin=b"", env=None, cwd=None, timeout=60, python=PYTHON):
    proc = subprocess.run([python] + args, input=stdin, capture_output=True, env=_env(env),
                          cwd=cwd, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def run_traced(args, stdin=b"", env=None, cwd=None, timeout=60, python=PYTHON):
    """(exit code, stdout, stderr, events) of a run under the agent, to completion."""
    read_fd, write_fd = os.pipe()
    extra = {"LOOPSCOPE_EVENT_FD": str(write_fd)}
    extra.update(env or {})
    chunks = []

    def drain():
        with os.fdopen(read_fd, "rb") as stream:
            while True:
                data = stream.read(65536)
                if not data:
                    break
                chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        proc = subprocess.Popen([python, LAUNCHER] + args, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=_env(extra), cwd=cwd, pass_fds=(write_fd,))
    finally:
        os.close(write_fd)
    out, err = proc.communicate(stdin, timeout=timeout)
    reader.join(timeout)
    return proc.returncode, out, err, parse(b"".join(chunks))


def parse(data):
    return expand(json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip())


def expand(events):
    """The trace with every `batch` written out as the per-event objects it stands for
    (docs/trace-format.md; the TypeScript reader is src/shared/trace-model/batch.ts)."""
    out = []
    state = ExpandState()
    for event in events:
        expand_one(event, out, state)
    return out


class ExpandState:
    """What a reader remembers between batches: handles already announced (scheduled
    from another thread) and each loop's current tick."""

    def __init__(self):
        self.announced = set()
        self.ticks = {}


def expand_one(event, out, state):
    kind = event.get("type")
    if kind == "batch":
        expand_batch(event, out, state)
        return
    if kind == "handle.schedule":
        state.announced.add(event["handle"])
    elif kind == "tick.begin":
        state.ticks[event.get("loop")] = event.get("tick")
    out.append(event)


def expand_batch(batch, out, state):
    loop = batch["loop"]
    base = batch["t"]
    ops = batch["ops"]
    announced = state.announced
    cur = 0
    end = 0
    tick = state.ticks.get(loop)

    def at(us):
        return round(base + us / 1e6, 6)

    for i, op in enumerate(ops):
        if isinstance(op, dict):
            expand_one(op, out, state)
            tick = state.ticks.get(loop, tick)
            continue
        code = op[0]
        if code == 0:
            tick = op[1]
            cur += op[2]
            ready = op[4] if len(op) > 4 else _ready_prefix(ops, i + 1, op[3])
            for hid, cb, task in ready:
                if hid in announced:
                    announced.discard(hid)
                    continue
                out.append({"type": "handle.schedule", "t": at(cur), "loop": loop, "handle": hid, "cb": cb,
                            "task": task or None})
            state.ticks[loop] = tick
            out.append({"type": "tick.begin", "t": at(cur), "loop": loop, "tick": tick})
        elif code == 1:
            cur += op[1]
            end = cur + op[2]
            _push_run(out, at, loop, tick, cur, op[2], op[3], op[4], op[5])
        elif code == 10:
            cur, end = _expand_runs(op, cur, tick, loop, at, out)
        elif code == 2:
            cur += op[1]
            out.append({"type": "select", "t": at(cur), "loop": loop, "timeout": op[2], "waited": op[3] / 1e6,
                        "fds": op[4]})
        elif code == 3:
            out.append({"type": "timer.due", "t": at(cur), "loop": loop, "handle": op[1]})
        elif code in (4, 5):
            cur += op[1]
            out.append({"type": "timer.cancel", "t": at(cur), "loop": loop, "handle": op[2]})
        elif code == 6:
            _push_timer(out, at, loop, cur, op[1], op[2], op[3], op[4])
        elif code == 7:
            cur += op[1]
            out.append({"type": "tick.end", "t": at(cur), "loop": loop, "tick": op[2]})
        elif code == 8:
            _push_waiting(out, at(end), loop, op[1], _sleep_on(op[2]))
        elif code == 9:
            _push_waiting(out, at(end), loop, op[1], op[2])
        else:
            raise ValueError("unknown batch op %r" % (op,))


def run_columns(op):
    """[(handle, cb, task)] of a `runs` op, in order: handles named in `known`, the
    others numbered on from the op's first id."""
    known = dict(zip(op[5][0::2], op[5][1::2]))
    runs = []
    fresh = op[1]
    for i, (cb, task) in enumerate(zip(op[3], op[4])):
        hid = known.get(i)
        if hid is None:
            hid = fresh
            fresh += 1
        runs.append((hid, cb, task))
    return runs


def _expand_runs(op, cur, tick, loop, at, out):
    dts = op[2]
    count = len(dts)
    timers = {}
    for k in range(0, len(op[6]), 5):
        timers.setdefault(op[6][k], []).append(op[6][k + 1:k + 5])
    sleeps = dict(zip(op[7][0::2], op[7][1::2]))
    waits = dict(zip(op[8][0::2], op[8][1::2]))
    end = cur
    for i, (hid, cb, task) in enumerate(run_columns(op)):
        cur += dts[i]
        dur = dts[i + 1] if i + 1 < count else op[9]
        end = cur + dur
        _push_run(out, at, loop, tick, cur, dur, hid, cb, task)
        for timer, timer_cb, when, timer_task in timers.get(i, ()):
            _push_timer(out, at, loop, cur, timer, timer_cb, when, timer_task)
        if i in sleeps:
            _push_waiting(out, at(end), loop, task, _sleep_on(sleeps[i]))
        elif i in waits:
            _push_waiting(out, at(end), loop, task, waits[i])
    return cur, end


def _push_run(out, at, loop, tick, start, dur, hid, cb, task):
    out.append({"type": "handle.begin", "t": at(start), "loop": loop, "handle": hid, "cb": cb,
                "task": task or None, "tick": tick})
    out.append({"type": "handle.end", "t": at(start + dur), "loop": loop, "handle": hid, "dur": dur / 1e6})


def _push_timer(out, at, loop, now, hid, cb, when, task):
    out.append({"type": "timer.schedule", "t": at(now), "loop": loop, "handle": hid, "cb": cb,
                "when": at(now + when), "task": task or None})


def _sleep_on(timer):
    return {"kind": "sleep", "ref": timer, "label": "asyncio.sleep"}


def _push_waiting(out, t, loop, task, awaiting):
    out.append({"type": "task.state", "t": t, "loop": loop, "task": task, "state": "waiting", "awaiting": awaiting})


def _ready_prefix(ops, start, k):
    found = []
    for op in ops[start:]:
        if len(found) >= k or isinstance(op, dict):
            if len(found) >= k:
                break
            continue
        if op[0] == 1:
            found.append((op[3], op[4], op[5]))
        elif op[0] == 10:
            found.extend(run_columns(op)[:k - len(found)])
        elif op[0] == 4:
            found.append((op[2], op[3], op[4]))
        elif op[0] == 7:
            break
    return found


class Session:
    """A live run with both channels, for stepping tests."""

    def __init__(self, args, env=None, python=PYTHON):
        ev_r, ev_w = os.pipe()
        cmd_r, cmd_w = os.pipe()
        extra = {"LOOPSCOPE_EVENT_FD": str(ev_w), "LOOPSCOPE_CMD_FD": str(cmd_r)}
        extra.update(env or {})
        self.events = []
        self._expand = ExpandState()
        self.cond = threading.Condition()
        self.proc = subprocess.Popen([python, LAUNCHER] + args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=_env(extra), pass_fds=(ev_w, cmd_r))
        os.close(ev_w)
        os.close(cmd_r)
        self.cmd = os.fdopen(cmd_w, "wb", buffering=0)
        self.stdout_chunks = []
        threading.Thread(target=self._read_events, args=(ev_r,), daemon=True).start()
        threading.Thread(target=self._read_stdout, daemon=True).start()

    def _read_events(self, fd):
        pending = b""
        with os.fdopen(fd, "rb", buffering=0) as stream:
            while True:
                data = stream.read(65536)
                if not data:
                    break
                pending += data
                *lines, pending = pending.split(b"\n")
                with self.cond:
                    for line in lines:
                        if line.strip():
                            event = json.loads(line)
                            expand_one(event, self.events, self._expand)
                    self.cond.notify_all()

    def _read_stdout(self):
        for line in self.proc.stdout:
            with self.cond:
                self.stdout_chunks.append(line)
                self.cond.notify_all()

    @property
    def stdout(self):
        with self.cond:
            return b"".join(self.stdout_chunks)

    def send(self, **cmd):
        self.cmd.write((json.dumps(cmd) + "\n").encode())

    def wait_for(self, predicate, timeout=10.0, start=0):
        """The first event (from index `start`) matching predicate; its index too."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(start, len(self.events)):
                    if predicate(self.events[i]):
                        return i, self.events[i]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("no matching event within %.1fs; last: %r" % (
                        timeout, self.events[-5:]))
                self.cond.wait(left)

    def wait_stdout(self, text, timeout=10.0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while text not in b"".join(self.stdout_chunks):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("%r not printed; got %r" % (text, b"".join(self.stdout_chunks)))
                self.cond.wait(left)

    def snapshot(self):
        with self.cond:
            return list(self.events)

    def finish(self, timeout=20):
        try:
            self.cmd.close()
        except OSError:
            pass
        code = self.proc.wait(timeout)
        self.proc.stderr.read()
        self._close_pipes()
        return code

    def _close_pipes(self):
        for stream in (self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except Exception:
                pass

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        try:
            self.cmd.close()
        except OSError:
            pass
        self._close_pipes()
