"""The workload's own clock: how long its event loop ran, from inside the process.

The bench subtracts start-up from a whole run's wall time too, but on a shared VM an empty
asyncio program varies by a tenth of a second or more between runs, as much as a small
workload's whole net time; a workload timed from inside needs nothing subtracted. Written
to the file BENCH_TIME_FILE names, when set (by bench/lib/agent-overhead.mjs)."""

import os
import time


def timed(run):
    """Calls `run()` (the workload's `asyncio.run(main())`) and records its wall time."""
    started = time.perf_counter()
    try:
        return run()
    finally:
        elapsed = time.perf_counter() - started
        path = os.environ.get("BENCH_TIME_FILE")
        if path:
            with open(path, "w") as f:
                f.write(repr(elapsed))
