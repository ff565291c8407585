import asyncio
import time


async def main():
    loop = asyncio.get_running_loop()
    fired = loop.create_future()
    t0, w0 = loop.time(), time.monotonic()
    loop.call_later(1.0, lambda: fired.set_result((loop.time(), time.monotonic())))
    print("scheduled", flush=True)
    lt, wt = await fired
    print("loop %.3f wall %.3f" % (lt - t0, wt - w0), flush=True)


asyncio.run(main())
