"""The event channel: NDJSON lines written to a file descriptor of our own.

Writes block when the reader is slow, which is the backpressure the format promises: no
event is ever dropped to keep up. If the channel breaks (the host went away) the writer
turns itself off and counts what it could not write; the program goes on.
"""

import json
import os
import sys
import threading
import time

from . import events

# Large enough that a busy loop makes few system calls, small enough that a live view
# never waits long behind a batch.
BATCH_CHARS = 1 << 18
# A write that took this long waited for the reader: the program was held back.
SLOW_WRITE_S = 0.02
# Once the program has waited this long in all, it is told (once), and again at its end.
ANNOUNCE_WAITED_S = 0.25

_perf = time.perf_counter

_dumps = json.JSONEncoder(separators=(",", ":"), default=repr).encode


class EventWriter:
    def __init__(self, fd):
        self.fd = fd
        self.enabled = fd is not None
        self.lock = threading.Lock()
        self.dropped = 0
        self.written = 0
        self.pending = []
        self.pending_chars = 0
        # Time the program spent waiting for the reader (backpressure), in writes that
        # waited, and whether it has been said.
        self.waited = 0.0
        self.slow_writes = 0
        self.announced = False

    def push(self, text):
        """Queue complete lines (each ending in a newline); written in batches."""
        if text:
            self.push_bytes(text.encode("utf-8", "backslashreplace"))

    def push_bytes(self, data):
        """The same for lines already encoded as UTF-8."""
        if not self.enabled or not data:
            return
        with self.lock:
            self.pending.append(data)
            self.pending_chars += len(data)
            if self.pending_chars >= BATCH_CHARS:
                self._write_pending()

    def flush(self):
        if self.pending:
            with self.lock:
                self._write_pending()

    def write_text(self, text):
        self.push(text)
        self.flush()

    def _write_pending(self):
        if not self.pending:
            return
        data = b"".join(self.pending)
        self.pending = []
        self.pending_chars = 0
        if not self.enabled:
            return
        view = memoryview(data)
        started = _perf()
        try:
            while view:
                n = os.write(self.fd, view)
                view = view[n:]
            self.written += len(data)
        except OSError:
            # The host closed the channel: nothing can be said any more, and the
            # program must not notice.
            self.enabled = False
            self.dropped += data.count(b"\n")
            return
        waited = _perf() - started
        if waited >= SLOW_WRITE_S:
            self._held_back(waited)

    def _held_back(self, waited):
        """A write waited for the reader (the lock is held): counted, and said once it adds up."""
        self.waited += waited
        self.slow_writes += 1
        if not self.announced and self.waited >= ANNOUNCE_WAITED_S:
            self.announced = True
            # Queued, not written: this runs inside a write, and its line goes with the next.
            line = (_dumps(_notice(
                "Loopscope is not keeping up with this program's events. So that none is lost, "
                "the program waits for Loopscope to take them (%.2f s so far), which slows it "
                "down." % self.waited)) + "\n").encode("utf-8")
            self.pending.append(line)
            self.pending_chars += len(line)

    def summary(self):
        """At the program's end: how long it waited for the reader in all, if it was said."""
        if self.announced and self.enabled:
            self.emit(_notice(
                "The program waited %.2f s in all for Loopscope to take its events (%d %s held "
                "back); no event was lost." % (self.waited, self.slow_writes,
                                               "write" if self.slow_writes == 1 else "writes")))

    def emit(self, obj):
        """Write one event now, after everything queued before it."""
        self.write_text(_dumps(obj) + "\n")

    def disable(self):
        self.enabled = False


def dumps(obj):
    return _dumps(obj)


def _notice(message):
    """A warning notice of the writer's own, at the running loop's time where it has one
    (hooks' clock; imported here, when first needed, as hooks imports this module)."""
    from .hooks import _loop_time

    return {"type": events.NOTICE, "level": "warning", "message": message, "t": round(_loop_time()[1], 6)}


_writer = EventWriter(None)


def get_writer():
    return _writer


# Linux lets a pipe hold up to /proc/sys/fs/pipe-max-size (1 MiB by default) instead of
# 64 KiB: a batch then fits without the program waiting for the host to read part of it.
# The host (Node) hands its children socket pairs, not pipes: a socket's send buffer is
# asked for the same room (Linux caps it at net.core.wmem_max, 4 MiB here; its default,
# 208 KiB, is less than one batch, so each batch's write waited for the host to read).
CHANNEL_BYTES = 1 << 20
_F_SETPIPE_SZ = 1031


def _widen_channel(fd):
    if fd is None:
        return
    try:
        import stat

        mode = os.fstat(fd).st_mode
        if stat.S_ISFIFO(mode) and sys.platform.startswith("linux"):
            import fcntl

            fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", _F_SETPIPE_SZ), CHANNEL_BYTES)
        elif stat.S_ISSOCK(mode):
            import socket

            # fromfd duplicates the descriptor; the option belongs to the socket both share.
            sock = socket.fromfd(fd, socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                if sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) < CHANNEL_BYTES:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, CHANNEL_BYTES)
            finally:
                sock.close()
    except (OSError, ImportError, ValueError, AttributeError):
        pass


def open_writer(fd):
    global _writer
    _widen_channel(fd)
    _writer = EventWriter(fd)
    return _writer


def reset_in_child():
    """A forked child shares our descriptor; its lines would interleave with ours."""
    _writer.disable()
    _writer.pending = []
    # The parent may have held the lock at the moment of the fork.
    _writer.lock = threading.Lock()


def header(argv, script, started, python, pid, cwd):
    return {
        "type": events.HEADER,
        "format": events.FORMAT,
        "version": events.VERSION,
        "python": python,
        "pid": pid,
        "argv": argv,
        "script": script,
        "cwd": cwd,
        "started": started,
    }
