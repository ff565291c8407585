# Start-up baseline: an empty program, run every way the workloads are run, so each
# mode's interpreter/agent/host start-up can be subtracted from its workload times.
import asyncio


async def main():
    pass


asyncio.run(main())
