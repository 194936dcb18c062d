"""How many connections one adapter sets up at once (:class:`SetupSlots`).

Setting up a connection (connect, read Device Information, subscribe, fetch stored records)
is a burst of GATT requests. When many devices appear together (a care home's meters after a
power cut, twenty simulators on one test bus) and every session sets up at once, the adapter
and bluetoothd serve all the requests interleaved: each step takes as long as all of them
together, steps time out, each session then ends its link and asks again, and the retries pile
up on the requests still queued. Work that takes seconds in turn takes minutes, or never ends.

A session therefore takes one of its adapter's set-up slots before it connects and gives it
back when the set-up is over (or the link dropped, or ``hold_limit`` passed, so that a long
stored-record transfer does not keep a device that advertises only briefly waiting). Sessions
waiting for a slot are served in the order they asked. A connected device that only delivers
live values holds no slot.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


@dataclass(slots=True)
class SetupSlot:
    """One held slot; :meth:`release` gives it back (again is a no-op)."""

    _semaphore: asyncio.Semaphore
    _timer: asyncio.TimerHandle | None = None
    _released: bool = False

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        if self._timer is not None:
            self._timer.cancel()
        self._semaphore.release()


@dataclass(slots=True)
class SetupSlots:
    """At most ``per_adapter`` connection set-ups at a time on each adapter, shared by every
    session of one gateway (and of one event loop)."""

    per_adapter: int = 2
    hold_limit: float = 60.0
    """Seconds after which a slot is given back even if its set-up is still going."""
    _semaphores: dict[str, asyncio.Semaphore] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.per_adapter < 1:
            raise ValueError(f"per_adapter must be at least 1, not {self.per_adapter}")
        if self.hold_limit <= 0:
            raise ValueError(f"hold_limit must be positive, not {self.hold_limit}")

    async def acquire(self, adapter: str) -> SetupSlot:
        """Wait for a free slot on ``adapter``; it is given back by its :meth:`~SetupSlot.release`
        or ``hold_limit`` seconds from now, whichever comes first."""
        semaphore = self._semaphores.get(adapter)
        if semaphore is None:
            semaphore = self._semaphores[adapter] = asyncio.Semaphore(self.per_adapter)
        await semaphore.acquire()
        slot = SetupSlot(semaphore)
        slot._timer = asyncio.get_running_loop().call_later(self.hold_limit, slot.release)
        return slot
