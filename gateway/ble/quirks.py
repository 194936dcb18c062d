"""Device quirks: small, named adjustments to a session's behaviour or decoding, keyed by the
Device Information manufacturer name and model number, each with the public source that
reported it. :func:`match` gives the quirks of a device; :class:`Behaviour` merges them.

A quirk only ever changes what a standard-conforming device would not notice: raw payload
fix-ups run before the profile decoder (and only when the payload has the quirky shape), RACP
and clock changes only narrow what the session does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final

from profiles.device_information import DeviceInformation

PayloadFixup = Callable[[bytes], bytes]
Matcher = Callable[[str, str], bool]
"""(lower-cased manufacturer, lower-cased model) -> does the quirk apply."""


@dataclass(frozen=True, slots=True)
class Quirk:
    name: str
    description: str
    source: str
    matches: Matcher
    payload_fixups: Mapping[int, PayloadFixup] = field(default_factory=dict)
    racp_all_records_as_ge_zero: bool = False
    clock_write_on_first_notification_only: bool = False
    clock_write_min_offset: dt.timedelta | None = None


@dataclass(frozen=True, slots=True)
class Behaviour:
    """The merged effect of a device's quirks on one session."""

    quirks: tuple[str, ...] = ()
    payload_fixups: Mapping[int, tuple[PayloadFixup, ...]] = field(default_factory=dict)
    racp_all_records_as_ge_zero: bool = False
    clock_write_on_first_notification_only: bool = False
    clock_write_min_offset: dt.timedelta | None = None

    def fix_payload(self, uuid16: int, data: bytes) -> bytes:
        for fixup in self.payload_fixups.get(uuid16, ()):
            data = fixup(data)
        return data


# --- Beurer BM85 ---------------------------------------------------------------------------

_BP_TIME_STAMP: Final = 0x02
_BP_PULSE: Final = 0x04
_BP_USER: Final = 0x08
_BP_STATUS: Final = 0x10


def beurer_bp_fixup(data: bytes) -> bytes:
    """Blood Pressure Measurement / Intermediate Cuff Pressure as the BM85 sends them: pulse
    rate (SFLOAT) and measurement status (uint16) big-endian, and a user id byte even when flag
    bit 3 is clear. Returns the standard little-endian layout with bit 3 set; a payload that
    does not have that shape is returned unchanged for the decoder to judge."""
    if not data:
        return data
    flags = data[0]
    size = 7 + (7 if flags & _BP_TIME_STAMP else 0)
    pulse_at = size if flags & _BP_PULSE else None
    size += 2 if flags & _BP_PULSE else 0
    has_user = bool(flags & _BP_USER)
    if not has_user and len(data) == size + 1 + (2 if flags & _BP_STATUS else 0):
        has_user = True  # the unflagged user id byte is there
    size += 1 if has_user else 0
    status_at = size if flags & _BP_STATUS else None
    size += 2 if flags & _BP_STATUS else 0
    if len(data) != size:
        return data
    out = bytearray(data)
    if has_user:
        out[0] |= _BP_USER
    for at in (pulse_at, status_at):
        if at is not None:
            out[at], out[at + 1] = out[at + 1], out[at]
    return bytes(out)


QUIRKS: Final = (
    Quirk(
        "beurer-bm85-byte-order",
        "Beurer BM85: pulse rate and measurement status are big-endian, and a user id byte is "
        "always sent without setting its flag",
        "derdilla/blood-pressure-monitor-fl pull requests #735 (pulse and status bytes "
        "swapped on the BM85, following Beurer's own app) and #737 (status test recorded from "
        "a BM85); the unflagged user-id byte is from the PHG issue tracker, not yet confirmed "
        "by a public capture",
        lambda manufacturer, model: "beurer" in manufacturer and "bm85" in model.replace(" ", ""),
        payload_fixups={0x2A35: beurer_bp_fixup, 0x2A36: beurer_bp_fixup},
    ),
    Quirk(
        "omron-clock-write",
        "Omron: a Current Time write is accepted only on the first notification of a "
        "connection, and only when the device clock is off by more than 10 minutes",
        "weliem/blessed-android:app/src/main/java/com/welie/blessedexample/"
        "BluetoothHandler.java (via shared/research/peers.md)",
        lambda manufacturer, _model: manufacturer.startswith("omron"),
        clock_write_on_first_notification_only=True,
        clock_write_min_offset=dt.timedelta(minutes=10),
    ),
    Quirk(
        "contour-racp-all-records",
        "Contour glucose meters drop the link on RACP 'all records': ask '>= sequence 0'",
        "NightscoutFoundation/xDrip:app/src/main/java/com/eveningoutpost/dexdrip/glucosemeter/"
        "RecordsCmdTx.java and the note cited in shared/research/peers.md (xDrip+ section)",
        lambda manufacturer, model: (
            "contour" in model
            or "ascensia" in manufacturer
            or ("bayer" in manufacturer and "contour" in model)
        ),
        racp_all_records_as_ge_zero=True,
    ),
)


def match(info: DeviceInformation, quirks: tuple[Quirk, ...] = QUIRKS) -> Behaviour:
    """The merged behaviour of every quirk that applies to the device."""
    manufacturer = (info.manufacturer or "").strip().lower()
    model = (info.model or "").strip().lower()
    found = [q for q in quirks if q.matches(manufacturer, model)]
    fixups: dict[int, tuple[PayloadFixup, ...]] = {}
    offsets = [q.clock_write_min_offset for q in found if q.clock_write_min_offset is not None]
    for q in found:
        for uuid16, fixup in q.payload_fixups.items():
            fixups[uuid16] = (*fixups.get(uuid16, ()), fixup)
    return Behaviour(
        quirks=tuple(q.name for q in found),
        payload_fixups=fixups,
        racp_all_records_as_ge_zero=any(q.racp_all_records_as_ge_zero for q in found),
        clock_write_on_first_notification_only=any(
            q.clock_write_on_first_notification_only for q in found
        ),
        clock_write_min_offset=max(offsets) if offsets else None,
    )
