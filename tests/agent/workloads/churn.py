"""Overhead workload: 100 tasks, each switching 2,000 times with sleep(0)."""
import asyncio
import sys

TASKS = int(sys.argv[1]) if len(sys.argv) > 1 else 100
SWITCHES = int(sys.argv[2]) if len(sys.argv) > 2 else 2000


async def worker():
    for _ in range(SWITCHES):
        await asyncio.sleep(0)


async def main():
    await asyncio.gather(*(worker() for _ in range(TASKS)))


asyncio.run(main())
