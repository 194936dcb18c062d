"""Waiting for the first of several things, or for a stop that may cut a sleep short."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

Sleep = Callable[[float], Awaitable[Any]]


async def first_of(*waits: Awaitable[Any]) -> None:
    """Wait until the first of ``waits`` is done; the others are cancelled (and awaited)."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def stopped_during(stop: asyncio.Event, delay: float, sleep: Sleep = asyncio.sleep) -> bool:
    """Sleep ``delay`` seconds, less if ``stop`` is set meanwhile; True when it was."""
    await first_of(sleep(delay), stop.wait())
    return stop.is_set()
