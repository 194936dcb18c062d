"""The async wait helpers: the first of several waits, a sleep that a stop cuts short."""

from __future__ import annotations

import asyncio

from gateway.waits import first_of, stopped_during, unless_stopped


def test_first_of_returns_on_the_first_and_cancels_the_others() -> None:
    async def scenario() -> tuple[bool, bool]:
        quick = asyncio.Event()
        slow = asyncio.ensure_future(asyncio.sleep(60))
        quick.set()
        await first_of(quick.wait(), slow)
        return slow.cancelled(), quick.is_set()

    assert asyncio.run(scenario()) == (True, True)


def test_stopped_during_sleeps_the_whole_delay_without_a_stop() -> None:
    async def scenario() -> bool:
        return await stopped_during(asyncio.Event(), 0.01)

    assert asyncio.run(scenario()) is False


def test_a_stop_cuts_the_sleep_short() -> None:
    async def endless_sleep(_delay: float) -> None:
        await asyncio.Event().wait()  # never ends by itself: only the stop can end the wait

    async def scenario() -> bool:
        stop = asyncio.Event()
        asyncio.get_running_loop().call_soon(stop.set)
        return await stopped_during(stop, 60, endless_sleep)

    assert asyncio.run(asyncio.wait_for(scenario(), 30)) is True


def test_unless_stopped_gives_the_result_when_no_stop_comes() -> None:
    async def answer() -> int:
        return 42

    async def scenario() -> int | None:
        return await unless_stopped(asyncio.Event(), answer())

    assert asyncio.run(scenario()) == 42


def test_unless_stopped_cancels_the_wait_when_the_stop_comes_first() -> None:
    async def scenario() -> tuple[int | None, bool]:
        stop = asyncio.Event()
        never = asyncio.ensure_future(asyncio.Event().wait())
        asyncio.get_running_loop().call_soon(stop.set)
        result = await unless_stopped(stop, never)
        return result, never.cancelled()

    assert asyncio.run(scenario()) == (None, True)
