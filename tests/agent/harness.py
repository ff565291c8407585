"""Runs programs under the agent the way the host does: event pipe, command pipe, the
program's own stdin/stdout/stderr, and compares with the same program run bare."""

import array
import base64
import json
import math
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


def run_traced(args, stdin=b"", env=None, cwd=None, timeout=60, python=PYTHON, read_late=None):
    """(exit code, stdout, stderr, events) of a run under the agent, to completion.
    `read_late`: the event channel is read only that many seconds after the program's first
    line of output (a host busy elsewhere)."""
    read_fd, write_fd = os.pipe()
    extra = {"LOOPSCOPE_EVENT_FD": str(write_fd)}
    extra.update(env or {})
    chunks = []
    first_line = threading.Event()

    def drain():
        if read_late is not None:
            first_line.wait(timeout)
            time.sleep(read_late)
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
    first = b""
    if read_late is not None:
        first = proc.stdout.readline()
        first_line.set()
    out, err = proc.communicate(stdin, timeout=timeout)
    reader.join(timeout)
    return proc.returncode, first + out, err, parse(b"".join(chunks))


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
    from another thread), each loop's current tick and each task's callback id."""

    def __init__(self):
        self.announced = set()
        self.ticks = {}
        self.task_cb = {}
        self.task_names = {}
        # Timers scheduled and not yet run, skipped or cancelled: handle id -> (cb, task).
        self.timers = {}


def expand_one(event, out, state):
    kind = event.get("type")
    if kind == "batch":
        if event.get("v") == 2:
            expand_packed(event, out, state)
        else:
            expand_batch(event, out, state)
        return
    if kind == "handle.schedule":
        state.announced.add(event["handle"])
    elif kind == "tick.begin":
        state.ticks[event.get("loop")] = event.get("tick")
    elif kind == "task.create":
        state.task_names[event["task"]] = event.get("name")
        if event.get("cb"):
            state.task_cb[event["task"]] = event["cb"]
    out.append(event)


# -- packed batches (version 2) ----------------------------------------------------------

def _floats(text):
    data = array.array("d", base64.b64decode(text))
    if sys.byteorder != "little":
        data.byteswap()
    return data


def _ints(text, wide):
    data = array.array("q" if wide else "i", base64.b64decode(text))
    if sys.byteorder != "little":
        data.byteswap()
    return data


# Operand counts of the packed ops (I is the int stream, i the first operand's index).
_OPERANDS = {
    20: lambda I, i: 2,
    21: lambda I, i: 2 + 3 * I[i + 1],
    22: lambda I, i: 1 + I[i],
    23: lambda I, i: 1 + I[i],
    25: lambda I, i: 3,
    26: lambda I, i: 1,
    27: lambda I, i: 3,
    28: lambda I, i: 1,
    29: lambda I, i: 0,
    30: lambda I, i: 2,
    31: lambda I, i: 2,
    32: lambda I, i: 1,
    33: lambda I, i: 1,
    34: lambda I, i: 6,
    35: lambda I, i: 2,
    36: lambda I, i: 2,
    37: lambda I, i: 2 + I[i + 1],
}
# Ops that carry a time (from `g`): the loop went on to something new.
_TIMED = (20, 21, 22, 25, 28, 29)


class _Packed:
    """Cursors over the streams of one packed batch."""

    def __init__(self, batch, state):
        wide = bool(batch.get("wide"))
        self.F = _floats(batch["f"])
        self.G = _floats(batch["g"])
        self.I = _ints(batch["i"], wide)
        self.S = _ints(batch["s"], wide)
        self.X = batch["x"]
        self.r = batch["r"]
        self.task_cb = state.task_cb
        self.timers = state.timers

    def run_ids(self, token, si, run, take):
        """(handle, cb, task) of a run token, and the new cursor in S. `take` forgets a
        timer once it ran (False while looking ahead)."""
        if token < 0:
            key = -token
            timer = self.timers.get(key)
            if timer is not None:
                if take:
                    del self.timers[key]
                return (key, timer[0], timer[1]), si
            return (self.r + run, self.task_cb.get(key, 0), key), si
        hid, cb, task = self.S[si], self.S[si + 1], self.S[si + 2]
        if not cb and task:
            cb = self.task_cb.get(task, 0)
        return (hid or self.r + run, cb, task), si + 3

    def skip_ids(self, hid, cb, task, take):
        timer = self.timers.get(hid)
        if timer is not None:
            if take:
                del self.timers[hid]
            if not cb:
                cb, task = timer
        return hid, cb, task

    def next_time(self, ii, fi, gi):
        """When the loop went on after the op before ii: the time of the next timed op."""
        I = self.I
        while ii < len(I):
            op = I[ii]
            if op <= 0:
                return self.F[fi]
            if op in _TIMED:
                return self.G[gi]
            if op in (27, 33, 34, 35):
                gi += 1
            ii += 1 + _OPERANDS[op](I, ii + 1)
        return None

    def ready_prefix(self, ii, si, run, k):
        """The first k runs or skips from ii on, within the tick."""
        I = self.I
        found = []
        while ii < len(I) and len(found) < k:
            op = I[ii]
            ii += 1
            if op <= 0:
                ids, si = self.run_ids(op, si, run, False)
                run += 1
                found.append(ids)
            elif op == 25:
                found.append(self.skip_ids(I[ii], I[ii + 1], I[ii + 2], False))
                ii += 3
            elif op == 28:
                break
            else:
                ii += _OPERANDS[op](I, ii)
        return found


def expand_packed(batch, out, state):
    loop = batch["loop"]
    off = batch["off"]
    sleep_cb = batch.get("sc", 0)
    pk = _Packed(batch, state)
    F, G, I, X = pk.F, pk.G, pk.I, pk.X
    wide = bool(batch.get("wide"))
    SL = _ints(batch.get("sl", ""), wide)
    SW = _floats(batch.get("sw", ""))
    fi = gi = ii = si = run = li = 0
    tick = state.ticks.get(loop)
    cur = end = batch["t"] + off

    def at(m):
        # As the TypeScript reader rounds (Math.round of microseconds).
        return math.floor((m - off) * 1e6 + 0.5) / 1e6

    # The sleep column, as (run index, handle) pairs: groups of (count, first handle, the
    # run index of each).
    sleep_list = []
    k = 0
    while k + 1 < len(SL):
        count, first = SL[k], SL[k + 1]
        sleep_list.extend((SL[k + 2 + j], first + j) for j in range(count))
        k += 2 + count
    last_task = [0]

    WA = _ints(batch.get("wa", ""), wide)
    wi = [0]

    def sleeps():
        # asyncio.sleep timers made in the run just expanded, and its task's wait on each;
        # then the waits on plain futures that began with its end.
        nonlocal li
        while li < len(sleep_list) and sleep_list[li][0] <= run:
            hid = sleep_list[li][1]
            state.timers[hid] = (sleep_cb, 0)
            out.append({"type": "timer.schedule", "t": at(cur), "loop": loop, "handle": hid, "cb": sleep_cb,
                        "when": at(SW[li]), "task": None})
            _push_waiting(out, at(end), loop, last_task[0], _sleep_on(hid))
            li += 1
        while wi[0] + 2 < len(WA) and WA[wi[0]] <= run:
            _push_waiting(out, at(end), loop, WA[wi[0] + 1], X[WA[wi[0] + 2]])
            wi[0] += 3

    sleeps()
    while ii < len(I):
        op = I[ii]
        ii += 1
        if op <= 0:
            start = F[fi]
            fi += 1
            stop = pk.next_time(ii, fi, gi)
            if stop is None:
                stop = start
            (hid, cb, task), si = pk.run_ids(op, si, run, True)
            last_task[0] = task
            run += 1
            out.append({"type": "handle.begin", "t": at(start), "loop": loop, "handle": hid, "cb": cb,
                        "task": task or None, "tick": tick})
            out.append({"type": "handle.end", "t": at(stop), "loop": loop, "handle": hid,
                        "dur": math.floor((stop - start) * 1e6 + 0.5) / 1e6})
            cur, end = start, stop
            sleeps()
        elif op in (20, 21):
            tick, k = I[ii], I[ii + 1]
            ii += 2
            if op == 21:
                ready = [tuple(I[ii + 3 * j:ii + 3 * j + 3]) for j in range(k)]
                ready = [(h, cb or pk.task_cb.get(task, 0), task) for h, cb, task in ready]
                ii += 3 * k
            else:
                ready = pk.ready_prefix(ii, si, run, k)
            cur = G[gi]
            gi += 1
            for hid, cb, task in ready:
                if hid in state.announced:
                    state.announced.discard(hid)
                    continue
                out.append({"type": "handle.schedule", "t": at(cur), "loop": loop, "handle": hid, "cb": cb,
                            "task": task or None})
            state.ticks[loop] = tick
            out.append({"type": "tick.begin", "t": at(cur), "loop": loop, "tick": tick})
        elif op == 22:
            nfds = I[ii]
            fds = list(I[ii + 1:ii + 1 + nfds])
            ii += 1 + nfds
            t_sel, cur, timeout = G[gi], G[gi + 1], G[gi + 2]
            gi += 3
            out.append({"type": "select", "t": at(cur), "loop": loop, "timeout": None if timeout < 0 else timeout,
                        "waited": math.floor((cur - t_sel) * 1e6 + 0.5) / 1e6, "fds": fds})
        elif op == 23:
            d = I[ii]
            for token in I[ii + 1:ii + 1 + d]:
                if token:
                    out.append({"type": "timer.due", "t": at(cur), "loop": loop, "handle": -token})
            ii += 1 + d
        elif op == 25:
            hid, cb, task = pk.skip_ids(I[ii], I[ii + 1], I[ii + 2], True)
            ii += 3
            cur = G[gi]
            gi += 1
            out.append({"type": "timer.cancel", "t": at(cur), "loop": loop, "handle": hid})
        elif op == 26:
            state.timers.pop(I[ii], None)
            out.append({"type": "timer.cancel", "t": at(cur), "loop": loop, "handle": I[ii]})
            ii += 1
        elif op in (27, 33):
            if op == 27:
                hid, cb, task = I[ii], I[ii + 1], I[ii + 2]
                ii += 3
            else:
                hid, cb, task = I[ii], sleep_cb, 0
                ii += 1
            state.timers[hid] = (cb, task)
            out.append({"type": "timer.schedule", "t": at(cur), "loop": loop, "handle": hid, "cb": cb,
                        "when": at(G[gi]), "task": task or None})
            gi += 1
        elif op == 28:
            tick_end = I[ii]
            ii += 1
            cur = G[gi]
            gi += 1
            out.append({"type": "tick.end", "t": at(cur), "loop": loop, "tick": tick_end})
        elif op == 29:
            gi += 1
        elif op == 30:
            _push_waiting(out, at(end), loop, I[ii], _sleep_on(I[ii + 1]))
            ii += 2
        elif op == 31:
            _push_waiting(out, at(end), loop, I[ii], X[I[ii + 1]])
            ii += 2
        elif op == 32:
            expand_one(X[I[ii]], out, state)
            ii += 1
            tick = state.ticks.get(loop, tick)
        elif op == 34:
            tid, cb, parent, name, coro, site = I[ii:ii + 6]
            ii += 6
            event = {"type": "task.create", "t": at(G[gi]), "loop": loop, "task": tid, "name": X[name],
                     "coro": X[coro], "cb": cb, "parent": parent or None, "site": None if site < 0 else X[site]}
            gi += 1
            expand_one(event, out, state)
        elif op == 35:
            out.append({"type": "task.state", "t": at(G[gi]), "loop": loop, "task": I[ii], "state": "done",
                        "result": X[I[ii + 1]]})
            gi += 1
            ii += 2
        elif op == 36:
            task, awaited = I[ii], I[ii + 1]
            ii += 2
            _push_waiting(out, at(end), loop, task, {"kind": "task", "ref": awaited,
                                                     "label": state.task_names.get(awaited, "Task")})
        elif op == 37:
            task, n = I[ii], I[ii + 1]
            refs = list(I[ii + 2:ii + 2 + n])
            ii += 2 + n
            _push_waiting(out, at(end), loop, task, {"kind": "gather", "ref": refs, "label": "gather of %d" % n})
        else:
            raise ValueError("unknown packed op %r" % (op,))


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
