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
WORKLOADS = os.path.join(HERE, "workloads")
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
    return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]


class Session:
    """A live run with both channels, for stepping tests."""

    def __init__(self, args, env=None, python=PYTHON):
        ev_r, ev_w = os.pipe()
        cmd_r, cmd_w = os.pipe()
        extra = {"LOOPSCOPE_EVENT_FD": str(ev_w), "LOOPSCOPE_CMD_FD": str(cmd_r)}
        extra.update(env or {})
        self.events = []
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
                    self.events.extend(json.loads(line) for line in lines if line.strip())
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
