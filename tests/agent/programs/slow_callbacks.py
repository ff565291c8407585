# Runs that take a little past the blocked threshold (100 ms): the watchdog, looking once
# per threshold, sees some of them while they run (`blocked`); the rest end unseen and are
# reported as `slow-callback` problems. Each kind of run: a plain callback, a task's step,
# a call_later timer.
import asyncio
import time


def plain():
    time.sleep(0.13)


async def stepper():
    await asyncio.sleep(0)
    time.sleep(0.14)
    await asyncio.sleep(0)


async def main():
    loop = asyncio.get_running_loop()
    loop.call_soon(plain)
    loop.call_later(0.01, time.sleep, 0.12)
    await asyncio.gather(stepper(), asyncio.sleep(0.2))
    print("done")


asyncio.run(main())
