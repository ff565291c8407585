# Event-to-screen probe: every 100 ms a task named probe-N is created and prints its name,
# and the wall time of that moment is appended to the file named by BENCH_PROBE_LOG. The
# benchmark watches the page for the name and compares the two clocks (same machine).
import asyncio
import os
import time

COUNT = int(os.environ.get('BENCH_PROBE_COUNT', '30'))


async def probe(n, log):
    print(f'probe-{n}', flush=True)
    await asyncio.sleep(0.05)


async def main():
    with open(os.environ['BENCH_PROBE_LOG'], 'w') as log:
        tasks = []
        for n in range(COUNT):
            log.write(f'{n} {time.time():.6f}\n')
            log.flush()
            tasks.append(asyncio.create_task(probe(n, log), name=f'probe-{n}'))
            await asyncio.sleep(0.1)
        await asyncio.gather(*tasks)


asyncio.run(main())
