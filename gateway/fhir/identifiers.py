"""Device identifiers (EUI-64 System ID, Bluetooth EUI-48 address) and their text forms.

**Canonical System ID byte order.** The DIS System ID characteristic (0x2A23) is sent
little-endian: the 40-bit manufacturer-defined identifier first, then the 24-bit OUI, each least
significant byte first. PHG always writes the EUI-64 in its canonical, big-endian order: OUI first
(``00-1C-05-FF-FE-FF-E8-74`` for the air bytes ``74 E8 FF FE FF 05 1C 00``). The IG examples print
the air order instead; PHG never does, and this order must never change because the identifier
feeds conditional create and de-duplication on the server.

Text forms: ``Device.identifier.value`` is upper-case hex bytes joined by dashes; the device part
of an Observation identifier is the same without dashes.
"""

from __future__ import annotations

import re
from typing import Final

_HEX_SEPARATORS: Final = re.compile(r"[\s:\-.]")


class IdentifierError(ValueError):
    """A System ID or Bluetooth address that has the wrong length or is not hex."""


def parse_hex_bytes(text: str, size: int, what: str) -> bytes:
    """Bytes from hex text with optional ``:``/``-``/``.``/space separators."""
    cleaned = _HEX_SEPARATORS.sub("", text)
    try:
        raw = bytes.fromhex(cleaned)
    except ValueError:
        raise IdentifierError(f"{what}: not hex: {text!r}") from None
    if len(raw) != size:
        raise IdentifierError(f"{what}: {len(raw)} bytes, expected {size}: {text!r}")
    return raw


def dashed(raw: bytes) -> str:
    """``Device.identifier.value`` form: ``00-1C-05-FF-E8-74``."""
    return "-".join(f"{b:02X}" for b in raw)


def undashed(raw: bytes) -> str:
    """Observation-identifier form: ``001C05FFE874``."""
    return raw.hex().upper()


def eui64_from_dis_system_id(air: bytes) -> bytes:
    """The canonical EUI-64 of a DIS System ID value as received (little-endian on air)."""
    if len(air) != 8:
        raise IdentifierError(f"System ID: {len(air)} bytes, expected 8")
    return bytes(reversed(air))


def eui64_from_eui48(mac: bytes) -> bytes:
    """EUI-64 from an EUI-48 by inserting FF-FE after the OUI (how the IG's examples do it)."""
    if len(mac) != 6:
        raise IdentifierError(f"EUI-48: {len(mac)} bytes, expected 6")
    return mac[:3] + b"\xff\xfe" + mac[3:]
