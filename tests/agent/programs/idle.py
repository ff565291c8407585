import asyncio


async def waiter(event):
    await event.wait()


async def sleeper():
    await asyncio.sleep(30)


async def main():
    event = asyncio.Event()
    asyncio.create_task(waiter(event), name="event-waiter")
    asyncio.create_task(sleeper(), name="sleeper")
    await asyncio.sleep(0)
    print("idle", flush=True)
    await asyncio.sleep(30)


asyncio.run(main())
