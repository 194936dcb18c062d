"""Waiting for the first of several things, or for a stop that may cut a sleep short."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

Sleep = Callable[[float], Awaitable[Any]]
_T = TypeVar("_T")


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


async def unless_stopped(stop: asyncio.Event, awaitable: Awaitable[_T]) -> _T | None:
    """Await ``awaitable`` unless ``stop`` is set first (then it is cancelled, and None)."""
    task = asyncio.ensure_future(awaitable)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((task, stopper), return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return None
