"""A structlog logger that imports structlog (and through it asyncio and ssl) on first use, for
modules that offline commands load (``phg map`` maps without ever logging)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_setup: list[Callable[[], None]] = []


def when_loaded(setup: Callable[[], None]) -> None:
    """Run ``setup`` (e.g. ``structlog.configure``) once structlog is loaded: now if it is,
    else when a lazy logger first logs."""
    import sys

    if "structlog" in sys.modules:
        setup()
    else:
        _setup.append(setup)


class LazyLogger:
    """``structlog.get_logger(name)``, looked up when a log method is first called."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, method: str) -> Any:
        import structlog

        while _setup:
            _setup.pop(0)()

        return getattr(structlog.get_logger(self._name), method)


def get_logger(name: str) -> LazyLogger:
    return LazyLogger(name)
