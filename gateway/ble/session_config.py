"""A device session's settings (:class:`SessionConfig`) and its counters (:class:`SessionStats`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gateway.backoff import Backoff
from gateway.ble.clock import ClockPolicy


def reconnect_backoff() -> Backoff:
    """A session's reconnect delays: from half a second up to a minute."""
    return Backoff(initial=0.5, maximum=60.0)


@dataclass(frozen=True, slots=True)
class SessionConfig:
    step_timeout: float = 10.0
    """Bound on every single GATT read, write and subscription."""
    connect_timeout: float = 60.0
    """Bound on one connect, all of bleak-retry-connector's attempts included."""
    racp_idle_timeout: float = 15.0
    """A stored-record transfer ends with TIMEOUT after this long without any value."""
    racp_late_records_timeout: float = 5.0
    """After the device's RACP success response, how long to wait (since the last record) for
    records it counted that have not arrived yet (a stack may send the response before queued
    notifications); those still missing then are fetched again on the next connection."""
    clock: ClockPolicy = field(default_factory=ClockPolicy)
    backoff: Callable[[], Backoff] = reconnect_backoff
    stable_after: float = 10.0
    """A connection that lasted this long (or completed a transfer) resets the backoff."""
    fresh_sighting: float = 15.0
    """After a failed connect, retry on a sighting at most this old (else wait for a new one)."""
    device_key: str | None = None
    """High-water store key; the normalized address by default."""
    bonded_only: bool = False
    """Connect only when ``bond_check`` says the device is bonded (real BlueZ only)."""
    pairing_retry: float = 600.0
    """After the device refused for lack of pairing, or a pairing failed (a wrong passkey),
    wait this long before the next attempt instead of the backoff: retrying a wrong passkey
    every few seconds only piles up failed pairings on the device."""
    out_of_slots_retry: float = 4.0
    """After the adapter had no free connection slot, wait at least this long before the next
    attempt: the controller needs the time to release a connection."""
    drain_timeout: float = 30.0
    """After a disconnect, how long the consumer may take for the values already received."""
    announced_value_grace: float = 2.0
    """After a complete transfer, how long to wait for values a record announced (a glucose
    context) that have not arrived yet; a device sends them before its RACP response, but a
    stack may deliver different characteristics out of order."""


@dataclass(slots=True)
class SessionStats:
    connections: int = 0
    connect_failures: int = 0
    disconnects: int = 0
    notifications: int = 0
    delivered: int = 0
    decode_errors: int = 0
    consumer_errors: int = 0
    step_failures: int = 0
    records_fetched: int = 0
    clock_writes: int = 0
    incomplete_measurements: int = 0
    echoes_dropped: int = 0
