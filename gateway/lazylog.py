"""A structlog logger that imports structlog (and through it asyncio and ssl) on first use, for
modules that offline commands load (``phg map`` maps without ever logging)."""

from __future__ import annotations

from typing import Any


class LazyLogger:
    """``structlog.get_logger(name)``, looked up when a log method is first called."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, method: str) -> Any:
        import structlog

        return getattr(structlog.get_logger(self._name), method)


def get_logger(name: str) -> LazyLogger:
    return LazyLogger(name)
