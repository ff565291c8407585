# Loopback TCP echo: clients each send messages one at a time and wait for the echo,
# so every message is a selector wake-up, a read callback and a write.
import asyncio
import os

from _bench_clock import timed

SCALE = float(os.environ.get('BENCH_SCALE', '1'))
CLIENTS = 50
MESSAGES = max(1, int(200 * SCALE))
PAYLOAD = b'x' * 63 + b'\n'


async def handle(reader, writer):
    while True:
        line = await reader.readline()
        if not line:
            break
        writer.write(line)
        await writer.drain()
    writer.close()
    await writer.wait_closed()


async def client(port):
    reader, writer = await asyncio.open_connection('127.0.0.1', port)
    for _ in range(MESSAGES):
        writer.write(PAYLOAD)
        await writer.drain()
        echoed = await reader.readline()
        if echoed != PAYLOAD:
            raise RuntimeError('echo mismatch')
    writer.close()
    await writer.wait_closed()


async def main():
    server = await asyncio.start_server(handle, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        await asyncio.gather(*(client(port) for _ in range(CLIENTS)))


timed(lambda: asyncio.run(main()))
