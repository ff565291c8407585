# Timers: many tasks sleeping random short times, so the timer heap is large and every
# tick moves several due timers to the ready queue. Seeded, so every run does the same.
import asyncio
import os
import random

from _bench_clock import timed

SCALE = float(os.environ.get('BENCH_SCALE', '1'))
TASKS = max(1, int(2000 * SCALE))
SLEEPS = 20


async def worker(delays):
    for d in delays:
        await asyncio.sleep(d)


async def main():
    rng = random.Random(1234)
    plans = [[rng.uniform(0, 0.010) for _ in range(SLEEPS)] for _ in range(TASKS)]
    await asyncio.gather(*(worker(p) for p in plans))


timed(lambda: asyncio.run(main()))
