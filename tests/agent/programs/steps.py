import asyncio


async def worker(name, n):
    for i in range(n):
        print(name, i, flush=True)
        await asyncio.sleep(0)
    return name


async def main():
    a = asyncio.create_task(worker("a", 3), name="worker-a")
    b = asyncio.create_task(worker("b", 3), name="worker-b")
    print(await asyncio.gather(a, b), flush=True)


asyncio.run(main())
