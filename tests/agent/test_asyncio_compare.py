"""CPython's own asyncio suite, bare and under the agent: the same tests must pass.

Slow (2-3 minutes per interpreter), so it is a suite of its own: `npm test` runs it when
CI=true or LOOPSCOPE_SLOW=1 (scripts/test-all.mjs, stage "asyncio-compare"), and the
agent's per-interpreter unittest run never does.

    LOOPSCOPE_SLOW=1 python3 tests/agent/test_asyncio_compare.py [--summary FILE]

`LOOPSCOPE_PYTHONS=a:b` picks the interpreters (default: pyenv's 3.11, 3.12 and 3.13; one
that does not exist is skipped and said so). A test module that fails in one mode only is
run again, alone, in both modes (twice at most): a difference counts only if it stays, so
a timing-sensitive test that fails once at random in either mode does not fail the suite.
"""

import json
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
RETRIES = 2


def run_suite(python, traced, tests=("test_asyncio",)):
    read_fd, write_fd = os.pipe()
    # With the compatibility shims on, test_wait_errors differs by design: it asserts that
    # asyncio.wait rejects bare coroutines, which is the removed API the shim restores.
    env = _env({"LOOPSCOPE_EVENT_FD": str(write_fd), "LOOPSCOPE_COMPAT": "0"} if traced else None)
    cmd = [python, LAUNCHER, "--module"] if traced else [python, "-m"]
    # No -j: worker processes would run the tests outside the agent.
    cmd += ["test"] + list(tests)
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
    """Names listed under 'N tests failed:' style summaries."""
    failed = set()
    # The indented lines right under the heading; a blank line ends the block (with \s+ the
    # pattern ran on into "Total duration: …", which differs from run to run).
    block = re.search(r"\d+ tests? failed[^\n]*:\n((?:[ \t]+\S.*\n)+)", output)
    if block:
        failed.update(block.group(1).split())
    return failed


def last_line(output):
    lines = output.strip().splitlines()
    return lines[-1] if lines else "(no output)"


def compare(python, log=sys.stderr.write):
    """(same, message): whether the modules failing bare and traced are the same."""
    bare_code, bare_out = run_suite(python, traced=False)
    traced_code, traced_out = run_suite(python, traced=True)
    log("%s bare: %s\n%s traced: %s\n" % (python, last_line(bare_out), python, last_line(traced_out)))
    bare, traced = failures(bare_out), failures(traced_out)
    if bare == traced and (bare_code == 0) == (traced_code == 0):
        return True, ""
    differing = sorted(bare ^ traced)
    if not differing:
        return False, "exit codes differ (bare %d, traced %d) with the same failures:\n%s" % (
            bare_code, traced_code, traced_out[-4000:])
    for attempt in range(RETRIES):
        still = []
        for name in differing:
            b, _ = run_suite(python, traced=False, tests=(name,))
            t, out = run_suite(python, traced=True, tests=(name,))
            log("%s again (%d): %s bare %s, traced %s\n" % (
                python, attempt + 1, name, "ok" if b == 0 else "failed", "ok" if t == 0 else "failed"))
            if (b == 0) != (t == 0):
                still.append((name, out))
        if not still:
            return True, ""
        differing = [name for name, _ in still]
    return False, "differ bare vs traced, every time: %s\n%s" % (
        ", ".join(differing), still[-1][1][-4000:])


@unittest.skipUnless(os.environ.get("LOOPSCOPE_SLOW") == "1", "slow suite: set LOOPSCOPE_SLOW=1")
class AsyncioSuiteUnderTheAgent(unittest.TestCase):
    def test_same_tests_pass_bare_and_traced(self):
        for python in PYTHONS:
            if not os.path.exists(python):
                continue
            with self.subTest(python=python):
                same, message = compare(python)
                self.assertTrue(same, message)


def main(argv):
    """One result per interpreter, written as {"passed", "failed", "skipped"} for npm test."""
    summary = argv[argv.index("--summary") + 1] if "--summary" in argv else None
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for python in PYTHONS:
        if not os.path.exists(python):
            print("asyncio-compare: %s not found here, skipped" % python)
            counts["skipped"] += 1
            continue
        same, message = compare(python, log=lambda text: print(text, end="", flush=True))
        counts["passed" if same else "failed"] += 1
        print("asyncio-compare: %s %s" % (python, "same tests pass bare and traced" if same else "DIFFERS"))
        if not same:
            print(message)
    print("asyncio-compare: %(passed)d passed, %(failed)d failed, %(skipped)d skipped" % counts)
    if summary:
        os.makedirs(os.path.dirname(summary), exist_ok=True)
        with open(summary, "w") as handle:
            json.dump({"suite": "asyncio-compare", **counts}, handle)
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    if "--summary" in sys.argv or os.environ.get("LOOPSCOPE_SLOW") == "1":
        sys.exit(main(sys.argv))
    unittest.main()
