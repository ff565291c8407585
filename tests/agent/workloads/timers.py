"""Overhead workload: 2,000 tasks, each sleeping 20 times for 0-10 ms (seeded)."""
import asyncio
import random
import sys

TASKS = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
SLEEPS = int(sys.argv[2]) if len(sys.argv) > 2 else 20


async def worker(rng):
    for _ in range(SLEEPS):
        await asyncio.sleep(rng.uniform(0, 0.010))


async def main():
    rng = random.Random(1234)
    await asyncio.gather(*(worker(random.Random(rng.random())) for _ in range(TASKS)))


asyncio.run(main())
