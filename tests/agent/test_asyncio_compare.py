"""CPython's own asyncio suite, bare and under the agent: the same tests must pass.

Slow (minutes per interpreter); runs only with LOOPSCOPE_SLOW=1.
"""

import os
import re
import subprocess
import sys
import threading
import unittest

from harness import LAUNCHER, _env

PYTHONS = ["/root/.pyenv/versions/%s/bin/python3" % v for v in ("3.11.7", "3.12.1", "3.13.0")]
if os.environ.get("LOOPSCOPE_PYTHONS"):
    PYTHONS = os.environ["LOOPSCOPE_PYTHONS"].split(os.pathsep)
RESULT_LINE = re.compile(r"^(test\.test_asyncio\.\S+|test_asyncio\.\S+)\s+(?:failed|skipped)", re.M)


def run_suite(python, traced):
    read_fd, write_fd = os.pipe()
    # With the compatibility shims on, test_wait_errors differs by design: it asserts that
    # asyncio.wait rejects bare coroutines, which is the removed API the shim restores.
    env = _env({"LOOPSCOPE_EVENT_FD": str(write_fd), "LOOPSCOPE_COMPAT": "0"} if traced else None)
    cmd = [python, LAUNCHER, "--module"] if traced else [python, "-m"]
    # No -j: worker processes would run the tests outside the agent.
    cmd += ["test", "test_asyncio"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                            pass_fds=(write_fd,), text=True)
    os.close(write_fd)
    # The trace is read (and dropped) as it comes: an unread pipe would block the agent.
    drain = threading.Thread(target=_drain, args=(read_fd,), daemon=True)
    drain.start()
    out, _ = proc.communicate(timeout=3600)
    drain.join(60)
    return proc.returncode, out


def _drain(fd):
    with os.fdopen(fd, "rb") as stream:
        while stream.read(1 << 16):
            pass


def failures(output):
    """Names listed under 'N tests failed:' / 'N tests skipped:' style summaries."""
    failed = set()
    block = re.search(r"\d+ tests? failed[^\n]*:\n((?:\s+\S.*\n)+)", output)
    if block:
        failed.update(block.group(1).split())
    return failed


@unittest.skipUnless(os.environ.get("LOOPSCOPE_SLOW") == "1", "slow suite: set LOOPSCOPE_SLOW=1")
class AsyncioSuiteUnderTheAgent(unittest.TestCase):
    def test_same_tests_pass_bare_and_traced(self):
        for python in PYTHONS:
            if not os.path.exists(python):
                continue
            with self.subTest(python=python):
                bare_code, bare_out = run_suite(python, traced=False)
                traced_code, traced_out = run_suite(python, traced=True)
                sys.stderr.write("\n%s bare: %s\n%s traced: %s\n" % (
                    python, bare_out.strip().splitlines()[-1], python, traced_out.strip().splitlines()[-1]))
                self.assertEqual(failures(traced_out), failures(bare_out), traced_out[-4000:])
                self.assertEqual(traced_code, bare_code, traced_out[-4000:])


if __name__ == "__main__":
    unittest.main()
