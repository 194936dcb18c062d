"""Per health profile: which characteristics a session subscribes to, which it reads once per
connection, how it decodes them (given the features read), whether values come in several
packets to reassemble, and how it fetches stored records through RACP: each profile module's
``DEVICE_TYPE`` (:class:`profiles.registry_types.DeviceType`) plus the reassembler the gateway
registers for it by name.

Stored records (:class:`StoredRecords`):

- Glucose: incremental by sequence number (RACP filter type 1, ">= N"); a live record advances
  the high-water mark when it is the next number expected.
- Continuous glucose monitoring: incremental by time offset (minutes since the sensor session
  start; filter type 1 too), the time offset playing the sequence number's role. Offsets restart
  with every sensor session, so the mark is kept per session (its key names the CGM Session
  Start Time); without a readable session start every record is fetched and no mark kept. Time
  offsets are not consecutive, so live records never advance the mark (the next connection
  fetches them again, the FHIR side de-duplicates).
- Generic Health Sensor: incremental by record number (uint32, in GHS's RACP layout:
  ``StoredRecords.racp``), the mark kept under ``<device>#ghs``; live observations carry no
  record number and never advance it.
- Pulse oximeter: spot-check records have no sequence number and PLXS RACP has no filter (only
  "all records", and "delete"): every connection fetches all records and keeps no mark;
  duplicates are removed downstream by the FHIR conditional-create identifier. The gateway never
  deletes records from the device.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from gateway.ble.ghs_assembly import GhsObservationAssembler
from gateway.ble.reassembly import BodyCompositionAssembler, PacketAssembler
from profiles.registry import device_types
from profiles.registry_types import (
    AnyCharacteristic,
    Decoder,
    DeviceType,
    LiveControl,
    StoredRecords,
    plain_decoder,
)

__all__ = ["ASSEMBLERS", "BY_SERVICE", "PROFILES", "Decoder", "ProfileSpec", "StoredRecords"]

AssemblerFactory = Callable[[AnyCharacteristic, Mapping[str, object]], PacketAssembler]
"""Builds the reassembler of one subscribed characteristic, given the features read."""

ASSEMBLERS: Final[Mapping[str, AssemblerFactory]] = {
    "body-composition": BodyCompositionAssembler.for_characteristic,
    "generic-health-sensor": GhsObservationAssembler.for_characteristic,
}
"""Device type name -> the per-connection reassembler of its values sent in several packets
(one for each device type declared ``reassembled``; ``tests/contract`` checks it)."""


@dataclass(frozen=True, slots=True)
class ProfileSpec:
    """A :class:`~profiles.registry_types.DeviceType` as a session serves it (same fields), with
    ``assembler``: builds, per connection, the reassembler of values sent in several packets.
    ``sequence_of`` is the older spelling of ``StoredRecords(subscribe, key_of=...)``."""

    service: int
    name: str
    subscribe: tuple[AnyCharacteristic, ...]
    read: tuple[AnyCharacteristic, ...] = ()
    sequence_of: Callable[[object], int | None] | None = None
    decoder: Callable[[AnyCharacteristic, Mapping[str, object]], Decoder] = plain_decoder
    stored: StoredRecords | None = None
    assembler: AssemblerFactory | None = None
    deliver: tuple[AnyCharacteristic, ...] = ()
    live_control: LiveControl | None = None

    def __post_init__(self) -> None:
        if self.stored is None and self.sequence_of is not None:
            object.__setattr__(self, "stored", StoredRecords(self.subscribe, self.sequence_of))

    @classmethod
    def of(cls, device_type: DeviceType) -> ProfileSpec:
        return cls(
            device_type.service_uuid16,
            device_type.name,
            device_type.subscribe,
            device_type.read,
            decoder=device_type.decoder,
            stored=device_type.stored,
            assembler=ASSEMBLERS.get(device_type.name),
            deliver=device_type.deliver,
            live_control=device_type.live_control,
        )

    @property
    def uses_racp(self) -> bool:
        return self.stored is not None


PROFILES: Final = tuple(ProfileSpec.of(t) for t in device_types())
"""A device exposing two services with stored records (glucose and CGM) is served for the
first one only: both use the same RACP characteristic UUID, which the link addresses by UUID."""

BY_SERVICE: Final = {p.service: p for p in PROFILES}
