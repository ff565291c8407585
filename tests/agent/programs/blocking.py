import asyncio
import time


async def heartbeat():
    for _ in range(6):
        await asyncio.sleep(0.05)


async def blocker():
    await asyncio.sleep(0.1)
    print("blocking", flush=True)
    time.sleep(1.2)  # the line the watchdog must name
    print("unblocked", flush=True)


async def main():
    await asyncio.gather(heartbeat(), blocker())


asyncio.run(main())
