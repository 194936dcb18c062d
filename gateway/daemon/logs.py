"""structlog for the daemon: one JSON object per line (``format = "json"``, for journald and log
shippers) or coloured key=value lines (``"console"``), on standard error, filtered by level.

Standard-library logging (bleak, httpx, dbus-fast) goes through the same renderer, at WARNING
or above unless the level is ``debug``. As a last line of defence, values of keys that name
credentials (``token``, ``authorization``, ``secret``, ``password``, ``assertion``) are masked
whatever logs them.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, Final, TextIO

import structlog

_SECRET_KEYS: Final = ("token", "authorization", "secret", "password", "assertion")
_LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}


def mask_secrets(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    for key in event:
        if any(word in key.lower() for word in _SECRET_KEYS):
            event[key] = "***"
    return event


class KnownNoise(logging.Filter):
    """Drops third-party warnings that say nothing to act on. bleak's "Could not determine
    BlueZ version" only means ``bluetoothctl`` is not installed (the test bus, a container):
    PHG talks to BlueZ over D-Bus and needs no ``bluetoothctl``."""

    MESSAGES: Final = ("Could not determine BlueZ version",)

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.MESSAGES)


def setup(fmt: str = "json", level: str = "info", stream: TextIO | None = None) -> None:
    """Configure structlog and standard logging for the process."""
    numeric = _LEVELS.get(level, logging.ERROR)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        mask_secrets,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=(stream or sys.stderr).isatty())
    )
    final: list[Any] = [structlog.processors.format_exc_info] if fmt == "json" else []
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *final,
                renderer,
            ],
        )
    )
    handler.addFilter(KnownNoise())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)
    if numeric > logging.DEBUG:
        for noisy in ("bleak", "httpx", "httpcore", "dbus_fast", "bleak_retry_connector"):
            logging.getLogger(noisy).setLevel(max(numeric, logging.WARNING))
