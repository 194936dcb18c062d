"""Capped exponential backoff with full jitter for reconnects (pure; the caller sleeps)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    """``next_delay()`` grows ``initial * factor**n`` up to ``maximum``; with ``jitter`` the
    delay is drawn uniformly from ``[delay * (1 - jitter), delay]`` so that many sessions that
    lost their adapter at once do not reconnect in lock step. ``reset()`` after a connection
    that stayed up (the session decides what counts as "stayed up")."""

    initial: float = 0.5
    factor: float = 2.0
    maximum: float = 60.0
    jitter: float = 0.5
    rng: random.Random = field(default_factory=random.Random, repr=False)
    attempts: int = 0

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.factor < 1 or self.maximum < self.initial:
            raise ValueError("need 0 < initial <= maximum and factor >= 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be within 0..1")

    def peek(self) -> float:
        """The un-jittered delay the next call would be based on."""
        return min(self.maximum, self.initial * self.factor ** min(self.attempts, 64))

    def next_delay(self) -> float:
        base = self.peek()
        self.attempts += 1
        if self.jitter == 0:
            return base
        return base * (1 - self.jitter * self.rng.random())

    def reset(self) -> None:
        self.attempts = 0
