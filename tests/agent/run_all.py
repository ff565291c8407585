"""Runs the agent's unittest suite under every Python here; prints one summary line.

    python3 tests/agent/run_all.py            # every interpreter that exists

CPython's test_asyncio comparison is a suite of its own (test_asyncio_compare.py, run by
`npm test` in CI or with LOOPSCOPE_SLOW=1), never run here once per interpreter.

Writes test-results/summary/agent.json: {"suite":"agent","passed":N,"failed":N,"skipped":N}.
"""

import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
INTERPRETERS = ["python3", "/usr/bin/python3"] + [
    "/root/.pyenv/versions/%s/bin/python3" % v
    for v in ("3.8.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0")
]
RESULT_RE = re.compile(r"^AGENT-RESULT (\{.*\})$", re.M)

_CHILD = r"""
import json, sys, unittest
sys.path.insert(0, %(here)r)
suite = unittest.defaultTestLoader.discover(%(here)r, pattern="test_*.py", top_level_dir=%(here)r)
result = unittest.TextTestRunner(verbosity=1).run(suite)
print("AGENT-RESULT " + json.dumps({"run": result.testsRun, "failed": len(result.failures) + len(result.errors),
      "skipped": len(result.skipped)}))
"""


def resolve(python):
    if os.sep in python:
        return python if os.access(python, os.X_OK) else None
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(folder, python)
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def run_one(path):
    env = dict(os.environ)
    env.pop("LOOPSCOPE_SLOW", None)
    proc = subprocess.run([path, "-c", _CHILD % {"here": HERE}], capture_output=True, text=True,
                          cwd=ROOT, timeout=900, env=env)
    version = subprocess.run([path, "-c", "import sys;print(sys.version.split()[0])"],
                             capture_output=True, text=True).stdout.strip()
    return path, version, proc


def main():
    from concurrent.futures import ThreadPoolExecutor

    totals = {"passed": 0, "failed": 0, "skipped": 0}
    seen = set()
    paths = []
    for name in INTERPRETERS:
        path = resolve(name)
        if path is None:
            print("agent: %s not found here, skipped" % name)
            totals["skipped"] += 1
            continue
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            paths.append(path)
    # Most agent tests wait on real time (held loops, blocked callbacks), so interpreters
    # run side by side.
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(run_one, paths))
    for path, version, proc in results:
        match = RESULT_RE.search(proc.stdout)
        if match is None:
            print("agent: %s (%s) crashed:\n%s\n%s" % (path, version, proc.stdout[-3000:], proc.stderr[-3000:]))
            totals["failed"] += 1
            continue
        counts = json.loads(match.group(1))
        passed = counts["run"] - counts["failed"] - counts["skipped"]
        totals["passed"] += passed
        totals["failed"] += counts["failed"]
        totals["skipped"] += counts["skipped"]
        print("agent: %-40s %-8s %d passed, %d failed, %d skipped" % (
            path, version, passed, counts["failed"], counts["skipped"]))
        if counts["failed"]:
            print(proc.stderr[-6000:])
    out_dir = os.path.join(ROOT, "test-results", "summary")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "agent.json"), "w") as handle:
        json.dump({"suite": "agent", **totals}, handle)
    print("agent: %(passed)d passed, %(failed)d failed, %(skipped)d skipped" % totals)
    return 1 if totals["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
