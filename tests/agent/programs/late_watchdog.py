# The watchdog's report held up until the loop has moved on: the blocked run is packed and
# several ticks later the watchdog commits its report. The trace must stay whole.
import asyncio
import sys
import threading
import time

moved_on = threading.Event()
watchdog = sys.modules.get("loopscope_agent.watchdog")
if watchdog is None:
    sys.exit("run this under Loopscope's agent: it holds up the agent's watchdog")
else:
    real_stack_of = watchdog._stack_of

    def held_up_stack_of(thread_id):
        # The stack is read while the loop is blocked; then this thread loses the race.
        stack = real_stack_of(thread_id)
        moved_on.wait(5)
        return stack

    watchdog._stack_of = held_up_stack_of


async def stepper(i):
    await asyncio.sleep(0)
    await asyncio.sleep(0)


async def blocker():
    await asyncio.sleep(0)
    time.sleep(0.35)  # the run the watchdog reports, after it ended
    print("unblocked", flush=True)


async def main():
    # Thirty runs before the blocking one in its tick, so its place in that tick is far
    # past the number of runs of the tick the late report lands in.
    await asyncio.gather(*(stepper(i) for i in range(30)), blocker())
    for _ in range(20):
        await asyncio.sleep(0)
    moved_on.set()
    # Ticks until the watchdog has filed its report (between two of them; however long a
    # busy machine takes to let its thread run), then a few more.
    trace = asyncio.get_running_loop()._ls
    start = time.monotonic()
    while trace.blocked_last is None and time.monotonic() - start < 10:
        await asyncio.sleep(0)
    for _ in range(20):
        await asyncio.sleep(0)
    print("done", flush=True)


asyncio.run(main())
