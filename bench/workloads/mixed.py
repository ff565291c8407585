# A realistic mixed service: producers and consumers on a bounded queue, a lock-guarded
# shared counter, periodic timers, an in-process TCP service the consumers call, a
# CPU-bound step pushed to a thread pool, wait_for timeouts and a gather of results.
import asyncio
import hashlib
import json
import os
import random

from _bench_clock import timed

SCALE = float(os.environ.get('BENCH_SCALE', '1'))
PRODUCERS = 8
CONSUMERS = 8
ITEMS = max(1, int(3000 * SCALE))
rng = random.Random(42)


def digest(blob):
    return hashlib.sha256(blob).hexdigest()


async def lookup_server(reader, writer):
    while True:
        line = await reader.readline()
        if not line:
            break
        request = json.loads(line)
        writer.write((json.dumps({'key': request['key'], 'value': len(request['key']) * 7}) + '\n').encode())
        await writer.drain()
    writer.close()


async def producer(queue, pid):
    for i in range(ITEMS):
        await queue.put({'producer': pid, 'seq': i, 'key': f'k{pid}-{i % 37}'})
        if i % 50 == 0:
            await asyncio.sleep(rng.uniform(0, 0.002))


async def consumer(queue, port, stats, lock):
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    loop = asyncio.get_running_loop()
    try:
        while True:
            item = await queue.get()
            if item is None:
                queue.task_done()
                break
            if item['seq'] % 10 == 0:
                writer.write((json.dumps({'key': item['key']}) + '\n').encode())
                await writer.drain()
                reply = json.loads(await asyncio.wait_for(reader.readline(), 5))
                item['value'] = reply['value']
            if item['seq'] % 100 == 0:
                item['digest'] = await loop.run_in_executor(None, digest, json.dumps(item).encode() * 200)
            async with lock:
                stats['done'] += 1
            queue.task_done()
    finally:
        writer.close()


async def heartbeat(stop, stats):
    beats = 0
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), 0.005)
        except asyncio.TimeoutError:
            beats += 1
    stats['beats'] = beats


async def main():
    server = await asyncio.start_server(lookup_server, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    queue = asyncio.Queue(maxsize=64)
    stats = {'done': 0}
    lock = asyncio.Lock()
    stop = asyncio.Event()
    beat = asyncio.create_task(heartbeat(stop, stats), name='heartbeat')
    consumers = [asyncio.create_task(consumer(queue, port, stats, lock), name=f'consumer-{c}') for c in range(CONSUMERS)]
    await asyncio.gather(*(producer(queue, p) for p in range(PRODUCERS)))
    for _ in consumers:
        await queue.put(None)
    await asyncio.gather(*consumers)
    stop.set()
    await beat
    server.close()
    await server.wait_closed()
    if stats['done'] != PRODUCERS * ITEMS:
        raise RuntimeError(f"lost items: {stats['done']}")


timed(lambda: asyncio.run(main()))
