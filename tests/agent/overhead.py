"""Agent overhead, quick: each workload bare and traced, interleaved, median of N runs.

    python3 tests/agent/overhead.py [--runs 5] [--python python3] [churn timers echo mixed]

Traced = `loopscope_launch.py W.py` with LOOPSCOPE_EVENT_FD on a file ("file") or on a
pipe drained by `cat > /dev/null` ("pipe"). Three tables: the time each workload's event
loop ran, timed from inside (bench/workloads/_bench_clock.py, as `npm run bench` judges),
then whole runs' wall and CPU time with start-up (bench/workloads/empty.py, run the same
way) subtracted. glibc's malloc thresholds are pinned for all. `npm run bench` is the full
comparison; this is the agent engineer's loop.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAUNCH = os.path.join(ROOT, "resources", "agent", "loopscope_launch.py")
WORKLOADS = os.path.join(ROOT, "bench", "workloads")
# Above asyncio's 256 KiB socket read buffer, so neither side maps one per recv (see
# bench/lib/agent-overhead.mjs).
ENV = dict(os.environ, MALLOC_MMAP_THRESHOLD_="4194304", MALLOC_TRIM_THRESHOLD_="8388608")
ENV.pop("PYTHONASYNCIODEBUG", None)


def _run_cpu(argv, env, pass_fds=()):
    """Wall and CPU seconds (user + system) of one child: CPU time is steadier than wall
    time on a shared machine."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, pass_fds=pass_fds)
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit("%s failed (%d)" % (argv, proc.returncode))
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime


def _loop_seconds(path):
    """The workload's own time (written by bench/workloads/_bench_clock.py), or None."""
    try:
        with open(path) as f:
            return float(f.read())
    except (OSError, ValueError):
        return None


def run(python, mode, script, trace_path):
    """Wall, CPU and loop seconds of one run, and its trace's bytes and lines."""
    clock = trace_path + ".time"
    if os.path.exists(clock):
        os.remove(clock)
    result = _run_mode(python, mode, script, trace_path, dict(ENV, BENCH_TIME_FILE=clock))
    return result[:2] + (_loop_seconds(clock),) + result[2:]


def _run_mode(python, mode, script, trace_path, env):
    argv = [python, script] if mode == "bare" else [python, LAUNCH, script]
    if mode == "bare":
        return _run_cpu(argv, env) + (0, 0)
    if mode == "file":
        fd = os.open(trace_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        env["LOOPSCOPE_EVENT_FD"] = str(fd)
        wall, cpu = _run_cpu(argv, env, (fd,))
        os.close(fd)
        with open(trace_path, "rb") as f:
            data = f.read()
        return wall, cpu, len(data), data.count(b"\n")
    r, w = os.pipe()
    env["LOOPSCOPE_EVENT_FD"] = str(w)
    cat = subprocess.Popen(["cat"], stdin=r, stdout=subprocess.DEVNULL)
    os.close(r)
    wall, cpu = _run_cpu(argv, env, (w,))
    os.close(w)
    cat.wait()
    return wall, cpu, 0, 0


def _count_events(path):
    """Events the trace stands for, batches expanded (bytes/event is per those)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import json

    from harness import expand

    with open(path, "rb") as f:
        return len(expand(json.loads(line) for line in f if line.strip()))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--modes", default="bare,file,pipe")
    parser.add_argument("workloads", nargs="*", default=["churn", "timers", "echo", "mixed"])
    args = parser.parse_args()
    modes = args.modes.split(",")
    names = ["empty"] + args.workloads
    times = {}
    cpus = {}
    loops = {}
    sizes = {}
    trace_path = os.path.join(tempfile.gettempdir(), "ls-overhead-%d.ndjson" % os.getpid())
    for rnd in range(args.runs):
        for name in names:
            script = os.path.join(WORKLOADS, name + ".py")
            order = modes[rnd % len(modes):] + modes[:rnd % len(modes)]
            for mode in order:
                wall, cpu, loop, nbytes, lines = run(args.python, mode, script, trace_path)
                times.setdefault((mode, name), []).append(wall)
                if loop is not None:
                    loops.setdefault((mode, name), []).append(loop)
                cpus.setdefault((mode, name), []).append(cpu)
                if mode == "file" and name not in sizes:
                    sizes[name] = (nbytes, _count_events(trace_path))
    for path in (trace_path, trace_path + ".time"):
        if os.path.exists(path):
            os.remove(path)
    print("loop time, timed inside the workload, traced / bare (median of %d)" % args.runs)
    print("%-8s %8s %s" % ("workload", "bare s", " ".join("%8s" % m for m in modes if m != "bare")))
    for name in args.workloads:
        bare = statistics.median(loops[("bare", name)])
        cols = ["%7.2fx" % (statistics.median(loops[(m, name)]) / bare) for m in modes if m != "bare"]
        print("%-8s %8.3f %s" % (name, bare, " ".join(cols)))
    for label, samples in (("wall", times), ("cpu", cpus)):
        med = {key: statistics.median(v) for key, v in samples.items()}
        print("%s time, start-up subtracted, traced / bare (median of %d)" % (label, args.runs))
        print("%-8s %8s %s" % ("workload", "bare s", " ".join("%8s" % m for m in modes if m != "bare"))
              + "   events  bytes/event")
        for name in args.workloads:
            bare = med[("bare", name)] - med[("bare", "empty")]
            cols = []
            for mode in modes:
                if mode == "bare":
                    continue
                net = med[(mode, name)] - med[(mode, "empty")]
                cols.append("%7.2fx" % (net / bare))
            nbytes, events = sizes.get(name, (0, 0))
            print("%-8s %8.3f %s %8d %8.1f" % (name, bare, " ".join(cols), events, nbytes / max(events, 1)))

if __name__ == "__main__":
    main()
