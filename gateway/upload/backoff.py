"""Retry delays: exponential backoff with jitter, and the server's ``Retry-After``.

The n-th consecutive failure waits a random time in [d/2, d] with d = min(cap, base · 2ⁿ)
("equal jitter": never a hammering zero, gateways that failed together spread out). A
``Retry-After`` (seconds or an HTTP date) from a 429/503 is honoured as given (capped at
``max_retry_after``), never shortened by the jitter.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base: float = 1.0
    cap: float = 300.0
    max_retry_after: float = 3600.0
    random: Callable[[], float] = field(default=random.random, repr=False)
    failures: int = 0

    def next_delay(self, retry_after: float | None = None) -> float:
        """The wait after one more failure."""
        span = min(self.cap, self.base * 2.0**self.failures)
        self.failures += 1
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        return span / 2 + self.random() * span / 2

    def reset(self) -> None:
        self.failures = 0


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    current = now if now is not None else dt.datetime.now(dt.UTC)
    return max(0.0, (when - current).total_seconds())
