"""Which hosts are this machine: loopback addresses (127.0.0.0/8, ::1) and ``localhost``.

Credentials may travel over plain ``http://`` only to these, and the status server may listen
without a token only on these (:mod:`gateway.config.settings`).
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ::1 (brackets allowed); False for anything
    else, including the wildcard addresses ``0.0.0.0`` and ``::`` and names."""
    name = host.strip().removeprefix("[").removesuffix("]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def plain_http_to_remote(url: str) -> bool:
    """True when ``url`` is ``http://`` to a host that is not loopback."""
    parts = urlsplit(url)
    return parts.scheme == "http" and not is_loopback(parts.hostname or "")
