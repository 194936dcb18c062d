"""The typed events the BLE layer hands to its async consumer.

A :class:`MeasurementEvent` carries one decoded characteristic value together with the
:class:`ConnectionFacts` of the connection it arrived on (device information as
:class:`profiles.device_information.DeviceInformation`, battery, the
device clock against the gateway clock, adapter and address), so the FHIR mapping needs nothing
else. For a :class:`MeasurementEvent` the consumer's return is the acknowledgement that the
value is durably stored: stored-record high-water marks advance only after it (see
:mod:`gateway.ble.session`).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from gateway.ble.allowlist import Advertisement, Decision
from profiles.device_information import DeviceInformation
from profiles.elapsed_time import CurrentElapsedTime


@dataclass(frozen=True, slots=True)
class ClockReading:
    """The device's Current Time as read, against the gateway's clock at the same moment.

    ``gateway_time`` is the gateway's aware local time at the middle of the read;
    ``device_time`` the device's naive wall-clock time (None if it was unknown or unreadable);
    ``offset`` = device - gateway wall clock. ``set_to`` is the time written when the gateway
    set the device clock during this connection (after the reading), else None. ``elapsed``:
    the Current Elapsed Time read when the device's clock is an Elapsed Time Service one (a
    Generic Health Sensor), whose flags say what kind of clock it is.
    """

    gateway_time: dt.datetime
    device_time: dt.datetime | None
    offset: dt.timedelta | None
    set_to: dt.datetime | None = None
    elapsed: CurrentElapsedTime | None = None


@dataclass(frozen=True, slots=True)
class ConnectionFacts:
    """What the gateway knows about one connection, shared by all its events.

    ``services``: the 16-bit UUIDs of the SIG services the device exposes. ``features``: the
    decoded values of the characteristics read once per connection, by registry name (feature
    characteristics, the thermometer's Temperature Type, the CGM Session Start Time; see
    :mod:`gateway.ble.profile_table`).
    """

    address: str
    adapter: str
    name: str | None
    connection_number: int
    connected_at: dt.datetime
    device_information: DeviceInformation = field(default_factory=DeviceInformation)
    battery_percent: int | None = None
    clock: ClockReading | None = None
    features: Mapping[str, object] = field(default_factory=dict)
    quirks: tuple[str, ...] = ()
    services: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class MeasurementEvent:
    """One decoded characteristic value. ``stored`` is True for records fetched from the
    device's memory through RACP, False for live notifications and indications (and for the
    values read at connect that a mapping needs as data, the CGM Session Start Time).

    ``sequence_number`` is the record's key in the device's record store: the sequence number
    of a glucose record, the highest time offset (minutes) of the records of a CGM value; None
    otherwise. For a measurement reassembled from several packets (body composition),
    ``raw`` is the packets joined in arrival order (each is a complete characteristic value).
    """

    characteristic: str
    uuid16: int
    value: object
    raw: bytes
    received_at: dt.datetime
    stored: bool
    sequence_number: int | None
    connection: ConnectionFacts


@dataclass(frozen=True, slots=True)
class DecodeFailureEvent:
    """A value that did not decode; the session logs, counts and reports it, and goes on.

    Also reports an incomplete multiple-packet measurement (body composition) that a
    disconnect or an inconsistent packet ended: then ``packets`` holds its packets in arrival
    order (``raw`` is them joined), ``partial`` the fields they carried (a
    ``BodyCompositionMeasurement`` with ``multiple_packet`` True) and ``error`` says why it is
    incomplete. ``packets`` is empty and ``partial`` None for a plain decode failure.
    """

    characteristic: str
    uuid16: int
    raw: bytes
    error: str
    received_at: dt.datetime
    connection: ConnectionFacts
    packets: tuple[bytes, ...] = ()
    partial: object | None = None


@dataclass(frozen=True, slots=True)
class DeviceSeenEvent:
    """A health device (or an allowed one) advertised; UNKNOWN devices are never connected."""

    advertisement: Advertisement
    decision: Decision


class SessionState(enum.Enum):
    WAITING = "waiting"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class SessionStateEvent:
    address: str
    state: SessionState
    detail: str = ""
    adapter: str | None = None


@dataclass(frozen=True, slots=True)
class RecordTransferEvent:
    """The end of one stored-record transfer (RACP) and the high-water mark it left."""

    address: str
    outcome: str
    records: int
    requested_from: int | None
    next_sequence: int | None


BleEvent = (
    MeasurementEvent
    | DecodeFailureEvent
    | DeviceSeenEvent
    | SessionStateEvent
    | RecordTransferEvent
)

EventConsumer = Callable[[BleEvent], Awaitable[None]]
"""Receives every event. For a MeasurementEvent, returning is the acknowledgement that it is
durably stored; raising means it is not (records are fetched again on a later connection)."""
