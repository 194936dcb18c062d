"""The descriptor every profile module publishes for each characteristic it decodes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from profiles._bytes import ByteString

T = TypeVar("T")

BLUETOOTH_BASE_UUID_SUFFIX = "-0000-1000-8000-00805f9b34fb"


def uuid16_to_uuid(uuid16: int) -> str:
    """The full 128-bit UUID string of a 16-bit Bluetooth SIG UUID."""
    return f"0000{uuid16:04x}{BLUETOOTH_BASE_UUID_SUFFIX}"


@dataclass(frozen=True, slots=True)
class Characteristic(Generic[T]):
    """One GATT characteristic: its 16-bit UUID, registry name, value type and codec.

    ``decode`` turns a characteristic value into an immutable ``measurement_type`` object or
    raises :class:`profiles.DecodeError`; ``encode`` is its inverse
    (``decode(encode(m)) == m`` for every valid ``m``).
    """

    uuid16: int
    name: str
    measurement_type: type[T]
    decode: Callable[[ByteString], T]
    encode: Callable[[T], bytes]

    @property
    def uuid(self) -> str:
        return uuid16_to_uuid(self.uuid16)

    @property
    def title(self) -> str:
        return self.name.replace("-", " ").title()


AnyCharacteristic = Characteristic[Any]
