"""Which adapter to use for a device seen by several (pure).

A device pinned to an adapter (configuration) always uses it. Otherwise the adapter that heard
it best (highest RSSI) among sightings no older than ``window`` seconds wins, with a
``hysteresis`` in dB in favour of the adapter chosen last time so that a device at equal
distance from two adapters does not flip between them; ties go to the most recent sighting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from gateway.ble.allowlist import normalize_address
from gateway.ble.link import Sighting

_NO_RSSI = -127


@dataclass(slots=True)
class AdapterChooser:
    pinned: Mapping[str, str] = field(default_factory=dict)
    window: float = 30.0
    hysteresis: int = 6
    _sightings: dict[str, dict[str, Sighting]] = field(default_factory=dict)
    _chosen: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pinned = {normalize_address(a): adapter for a, adapter in self.pinned.items()}

    def add(self, sighting: Sighting) -> None:
        address = normalize_address(sighting.address)
        self._sightings.setdefault(address, {})[sighting.adapter] = sighting

    def best(self, address: str, now: float) -> Sighting | None:
        """The sighting to connect through, or None if no usable adapter heard the device."""
        address = normalize_address(address)
        per_adapter = self._sightings.get(address, {})
        pinned = self.pinned.get(address)
        if pinned is not None:
            return per_adapter.get(pinned)
        fresh = [s for s in per_adapter.values() if now - s.seen_at <= self.window]
        if not fresh:
            return max(per_adapter.values(), key=lambda s: s.seen_at, default=None)
        previous = self._chosen.get(address)

        def score(s: Sighting) -> tuple[int, float]:
            rssi = s.rssi if s.rssi is not None else _NO_RSSI
            bonus = self.hysteresis if s.adapter == previous else 0
            return (rssi + bonus, s.seen_at)

        choice = max(fresh, key=score)
        self._chosen[address] = choice.adapter
        return choice

    def addresses(self) -> list[str]:
        return sorted(self._sightings)
