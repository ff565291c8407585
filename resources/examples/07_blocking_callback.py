"""A loop blocked by a synchronous call: Loopscope reports who blocks and where.

`time.sleep` inside a coroutine stops every other task; the heartbeat's gaps and the
"loop blocked" problem show it.
"""
import asyncio
import time


async def heartbeat() -> None:
    for i in range(8):
        print(f"heartbeat {i}")
        await asyncio.sleep(0.1)


async def slow_handler() -> None:
    await asyncio.sleep(0.25)
    print("slow_handler: calling time.sleep(0.6) — the loop stops here")
    time.sleep(0.6)
    print("slow_handler: back")


async def main() -> None:
    await asyncio.gather(heartbeat(), slow_handler())


asyncio.run(main())
