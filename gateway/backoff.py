"""Capped exponential backoff with jitter, for BLE reconnects and upload retries (pure; the
caller sleeps).

The n-th consecutive failure waits a random time in ``[d · (1 - jitter), d]`` with
``d = min(maximum, initial · factorⁿ)``: never a hammering zero, and sessions (or gateways) that
failed together do not retry in lock step. A server's ``Retry-After`` is honoured as given
(capped at ``max_retry_after``), never shortened by the jitter. ``reset()`` after a success
(the caller decides what counts as one: a connection that stayed up, a settled upload round).
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    initial: float = 1.0
    factor: float = 2.0
    maximum: float = 300.0
    jitter: float = 0.5
    random: Callable[[], float] = field(default=_random.random, repr=False)
    """Uniform in [0, 1): 1 gives the full delay, 0 the shortest."""
    failures: int = 0
    max_retry_after: float = 3600.0

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.factor < 1 or self.maximum < self.initial:
            raise ValueError("need 0 < initial <= maximum and factor >= 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be within 0..1")

    def peek(self) -> float:
        """The un-jittered delay the next call would be based on."""
        return min(self.maximum, self.initial * self.factor ** min(self.failures, 64))

    def next_delay(self, retry_after: float | None = None) -> float:
        """The wait after one more failure (``retry_after``: what the server asked for)."""
        base = self.peek()
        self.failures += 1
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        if self.jitter == 0:
            return base
        return base * (1 - self.jitter * (1 - self.random()))

    def reset(self) -> None:
        self.failures = 0
