# Start-up baseline: an empty program, run every way the workloads are run, so each
# mode's interpreter/agent/host start-up can be subtracted from its workload times.
import asyncio

from _bench_clock import timed


async def main():
    pass


timed(lambda: asyncio.run(main()))
