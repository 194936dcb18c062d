"""Which advertising devices are health devices, and which of them the gateway may connect to.

Pure code: :func:`classify` turns an :class:`Advertisement` into a :class:`Decision`. A device
is connected only when it is ALLOWED: its address or its advertised name is on the
:class:`Allowlist`. A device that advertises a health service but is not allowed is UNKNOWN: it
is reported (so an operator can add it) and never connected, so the gateway never "steals" a
neighbour's device.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from gateway.ble.uuids import HEALTH_SERVICES, short


def normalize_address(address: str) -> str:
    """``aa-bb-cc-dd-ee-ff`` / ``aa:bb:...`` -> ``AA:BB:CC:DD:EE:FF``."""
    return address.strip().upper().replace("-", ":")


@dataclass(frozen=True, slots=True)
class Allowlist:
    """Devices the gateway may connect to, by Bluetooth address or by exact advertised name.

    A plain value for now; the gateway configuration builds it later.
    """

    addresses: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()

    @classmethod
    def of(cls, addresses: Iterable[str] = (), names: Iterable[str] = ()) -> Allowlist:
        return cls(frozenset(map(normalize_address, addresses)), frozenset(names))

    def allows(self, address: str, name: str | None) -> bool:
        return normalize_address(address) in self.addresses or (
            name is not None and name in self.names
        )


@dataclass(frozen=True, slots=True)
class Advertisement:
    """One advertisement as the BLE layer sees it (independent of bleak's types)."""

    address: str
    name: str | None
    service_uuids: tuple[str, ...]
    rssi: int | None
    adapter: str
    manufacturer_data: dict[int, bytes] = field(default_factory=dict, compare=False)

    @property
    def health_services(self) -> tuple[int, ...]:
        """The advertised 16-bit health service UUIDs, in advertisement order."""
        found = (short(u) for u in self.service_uuids)
        return tuple(u for u in found if u is not None and u in HEALTH_SERVICES)


class Decision(enum.Enum):
    IGNORE = "ignore"
    """Neither a health device nor allowed: not reported."""
    UNKNOWN = "unknown"
    """Advertises a health service but is not allowed: reported, never connected."""
    ALLOWED = "allowed"
    """On the allowlist: the gateway may connect."""


def classify(adv: Advertisement, allowlist: Allowlist) -> Decision:
    """ALLOWED if the allowlist names the device (whatever it advertises: some devices omit
    their service UUIDs from advertisements), UNKNOWN if it advertises a health service,
    IGNORE otherwise."""
    if allowlist.allows(adv.address, adv.name):
        return Decision.ALLOWED
    if adv.health_services:
        return Decision.UNKNOWN
    return Decision.IGNORE
