import asyncio


async def fails():
    await asyncio.sleep(0.01)
    raise RuntimeError("boom")


async def main():
    task = asyncio.create_task(fails(), name="doomed")
    try:
        await task
    except RuntimeError:
        print("caught", flush=True)


asyncio.run(main())
