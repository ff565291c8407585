# sleep(0) churn: many tasks that do nothing but yield to the loop. Every switch is a
# handle run through the loop, so this is the per-handle cost of the agent laid bare.
import asyncio
import os

from _bench_clock import timed

SCALE = float(os.environ.get('BENCH_SCALE', '1'))
TASKS = 100
SWITCHES = max(1, int(2000 * SCALE))


async def worker():
    for _ in range(SWITCHES):
        await asyncio.sleep(0)


async def main():
    await asyncio.gather(*(worker() for _ in range(TASKS)))


timed(lambda: asyncio.run(main()))
