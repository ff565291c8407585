"""Welcome to Loopscope: a small asyncio program with a bit of everything.

A producer fills a queue, two consumers drain it, a ticker wakes on a timer and a
gather waits for them all. Press Run (F5) and watch each task get its own swimlane.
"""
import asyncio
import random


async def producer(queue: asyncio.Queue, n: int) -> None:
    for i in range(n):
        await asyncio.sleep(random.uniform(0.05, 0.2))
        await queue.put(i)
        print(f"produced item {i}")
    for _ in range(2):
        await queue.put(None)


async def consumer(name: str, queue: asyncio.Queue) -> int:
    handled = 0
    while True:
        item = await queue.get()
        if item is None:
            print(f"{name} done after {handled} items")
            return handled
        await asyncio.sleep(random.uniform(0.1, 0.3))
        handled += 1
        print(f"{name} handled item {item}")


async def ticker(stop: asyncio.Event) -> None:
    beats = 0
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=0.5)
        except asyncio.TimeoutError:
            beats += 1
            print(f"tick {beats}")


async def main() -> None:
    queue: asyncio.Queue = asyncio.Queue(maxsize=3)
    stop = asyncio.Event()
    tick_task = asyncio.create_task(ticker(stop), name="ticker")
    _, handled_1, handled_2 = await asyncio.gather(
        producer(queue, 12),
        consumer("consumer-1", queue),
        consumer("consumer-2", queue),
    )
    stop.set()
    await tick_task
    print(f"all done: {handled_1 + handled_2} items handled")


if __name__ == "__main__":
    asyncio.run(main())
