from __future__ import annotations

import pytest

from profiles.battery import BatteryLevel, decode_battery_level
from profiles.errors import DecodeError


def test_levels() -> None:
    assert decode_battery_level(b"\x00") == BatteryLevel(0)
    assert decode_battery_level(b"\x64") == BatteryLevel(100)


@pytest.mark.parametrize(
    ("data", "reason"), [(b"", "truncated"), (b"\x65", "101"), (b"\x10\x00", "overlong")]
)
def test_invalid(data: bytes, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode_battery_level(data)
