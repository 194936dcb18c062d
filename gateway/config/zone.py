"""The gateway's time zone: a configured IANA name, else the host's (``TZ``, then
``/etc/localtime``, named through its symbolic link or Debian's ``/etc/timezone``), else UTC.
Always a DST-aware ``ZoneInfo``, never a fixed offset, so a reading keeps the offset valid at
its own instant."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_LOCALTIME: Final = Path("/etc/localtime")
_TIMEZONE: Final = Path("/etc/timezone")
UTC: Final = ZoneInfo("UTC")


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ValueError with a clear message when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {name!r} (e.g. Europe/Berlin, UTC)") from None


def host_zone(environ: Mapping[str, str] | None = None, localtime: Path = _LOCALTIME) -> ZoneInfo:
    """The host's zone: ``TZ`` (an IANA name, ``:`` prefix allowed), ``/etc/localtime``, UTC."""
    env = os.environ if environ is None else environ
    tz = env.get("TZ", "").removeprefix(":")
    if tz:
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    key = _key_of(localtime)
    if key is None and localtime == _LOCALTIME:
        key = _named_in(_TIMEZONE)
    try:
        if key is not None:
            return ZoneInfo(key)
        with localtime.open("rb") as f:
            return ZoneInfo.from_file(f, key="localtime")
    except (OSError, ValueError, ZoneInfoNotFoundError):
        return UTC


def _named_in(path: Path) -> str | None:
    try:
        name = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return name or None


def _key_of(localtime: Path) -> str | None:
    """``Europe/Berlin`` from a ``/etc/localtime -> /usr/share/zoneinfo/Europe/Berlin`` link."""
    try:
        target = str(localtime.resolve())
    except OSError:
        return None
    _, found, key = target.partition("/zoneinfo/")
    return key if found and key else None
