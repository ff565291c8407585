"""Loopscope's agent: an instrumented asyncio event loop, installed before the user's
script runs, that writes what the loop does to a channel of its own."""
