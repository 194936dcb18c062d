"""Mapping the measurements of one PHD connection: patient binding, time, the shared frame.

:class:`ConnectionMapper` is what the session layer holds per connection. ``map`` returns
a :data:`MappingResult` for each decoded measurement:

- :class:`Mapped`: Bundle entries for the Observations, plus the participants they refer to;
- :class:`HeldBack`: a reading whose Bluetooth user index is not bound to a Patient (it must be
  kept, not attributed, until a binding exists), or one waiting for data the mapper does not
  hold (a glucose context whose measurement it does not remember, CGM records before the
  session start time): the mapper keeps nothing of it; its holder maps it again once that data
  was mapped (the daemon keeps it durably and joins it against what is stored,
  :mod:`gateway.daemon.record_join`);
- :class:`Discarded`: a stamp the IG says to drop (clock neither current nor synchronised);
- :class:`Skipped`: data not uploaded on purpose (transient values).

:meth:`ConnectionMapper.bundle` then builds the transaction Bundle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from gateway.fhir.bundle import transaction_bundle
from gateway.fhir.coincident import coincident_time_stamp
from gateway.fhir.device_info import PhdDeviceInfo
from gateway.fhir.elements import JsonDict
from gateway.fhir.entries import (
    BundleEntry,
    KnownIds,
    Participant,
    participant,
    urn_uuid,
    with_upload_identifier,
)
from gateway.fhir.mapper_types import AnyProfileMapper, JoinMemory, Wait
from gateway.fhir.observation import ObservationContext
from gateway.fhir.patient import Patient, PatientBinding
from gateway.fhir.phd_device import observation_device_key, phd_device, search_identifier
from gateway.fhir.phg_device import PhgConfig, phg_device
from gateway.fhir.registry import mapper_for
from gateway.fhir.timeline import DeviceClock, Discarded, map_time


@dataclass(frozen=True, slots=True)
class Mapped:
    entries: list[BundleEntry]
    participants: list[Participant]


@dataclass(frozen=True, slots=True)
class HeldBack:
    """Not mapped now. ``waiting``: the reading waits for data of its own record that the
    connection's join memory does not hold (a glucose context for its measurement): map it
    again after that data; otherwise it waits for a Patient binding of ``user_index``."""

    user_index: int | None
    reason: str
    waiting: bool = False


@dataclass(frozen=True, slots=True)
class Skipped:
    reason: str


MappingResult = Mapped | HeldBack | Discarded | Skipped


@dataclass
class ConnectionMapper:
    """Maps the measurements of one connection to one PHD.

    ``zone`` is the gateway's time zone (a ``zoneinfo.ZoneInfo``); ``clock`` what is known of the
    PHD clock (None: not read, which is a time fault for stamped data); ``known`` the server ids
    learnt from earlier responses (``"system|value"`` → ``"Device/123"``), whose resources are
    then referenced instead of sent again.
    """

    phg: PhgConfig
    phd: PhdDeviceInfo
    patients: PatientBinding
    zone: dt.tzinfo
    clock: DeviceClock | None = None
    known: KnownIds = field(default_factory=lambda: MappingProxyType({}))
    _specializations: set[str] = field(default_factory=set, init=False, repr=False)
    _participants: dict[object, Participant] = field(default_factory=dict, init=False, repr=False)
    _memory: JoinMemory = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._device_key = observation_device_key(self.phd)
        self._gateway = participant(phg_device(self.phg), *self.phg.search_identifier, self.known)

    # --- participants ---------------------------------------------------------------------
    def phd_participant(self) -> Participant:
        found = self._participants.get("phd")
        if found is None:
            system, value = search_identifier(self.phd)
            found = participant(
                phd_device(self.phd, self._specializations), system, value, self.known
            )
            self._participants["phd"] = found
        return found

    def _patient_participant(self, patient: Patient) -> Participant:
        found = self._participants.get(patient)
        if found is None:
            found = patient.participant(self.known)
            self._participants[patient] = found
        return found

    def coincident(self, fault: str | None = None) -> BundleEntry:
        """The connection's coincident time stamp Observation (conditional create on its
        upload identifier, so a re-sent one is matched, never duplicated), or with ``fault``
        its time-fault stamp (no value: the device flagged its time as wrong)."""
        entry = self._coincident_participant(fault).entry
        assert entry is not None
        return entry

    def _coincident_participant(self, fault: str | None) -> Participant:
        clock = self.clock
        if clock is None:
            raise ValueError("no PHD clock state for this connection")
        key = "coincident" if fault is None else f"coincident-fault|{fault}"
        found = self._participants.get(key)
        if found is None:
            full_url = urn_uuid(f"{key}|{self._device_key}|{clock.read_at.isoformat()}")
            resource = coincident_time_stamp(
                clock, self.phd_participant().reference, self._gateway.reference, self.zone, fault
            )
            found = Participant(full_url, with_upload_identifier(full_url, resource))
            self._participants[key] = found
        return found

    # --- mapping ----------------------------------------------------------------------------
    def map(self, measurement: object, received_at: dt.datetime) -> MappingResult:
        """Map one decoded measurement received at ``received_at`` (aware, gateway clock)."""
        mapper = mapper_for(measurement)
        if mapper.join is None:
            return self._map_one(measurement, mapper, received_at)
        joined = mapper.join(measurement, self._memory)
        if isinstance(joined, Wait):
            return HeldBack(None, joined.reason, waiting=True)
        if not joined:
            return Skipped(mapper.skip_reason or "nothing to map")
        results = [self._map_one(item, mapper_for(item), received_at) for item in joined]
        mapped = [r for r in results if isinstance(r, Mapped)]
        if not mapped:
            return results[0]
        used: dict[str, Participant] = {}
        for r in mapped:
            for p in r.participants:
                used.setdefault(p.reference, p)
        return Mapped([e for r in mapped for e in r.entries], list(used.values()))

    def _map_one(
        self, measurement: object, mapper: AnyProfileMapper, received_at: dt.datetime
    ) -> MappingResult:
        if mapper.join is not None:
            raise TypeError(f"joined reading {type(measurement).__name__} has a join itself")
        if mapper.skip_reason is not None:
            return Skipped(mapper.skip_reason)
        found = set(() if mapper.specializations is None else mapper.specializations(measurement))
        if mapper.specialization is not None:
            found.add(mapper.specialization)
        if not found <= self._specializations:
            self._specializations |= found
            self._participants.pop("phd", None)
            for key in [k for k in self._participants if str(k).startswith("coincident")]:
                del self._participants[key]
        patient: Patient | None
        if mapper.user_index is None:
            patient = self.patients.default
        else:
            user = mapper.user_index(measurement)
            patient = self.patients.patient_for(user)
            if patient is None:
                what = "no default patient" if user is None else f"user index {user} is not bound"
                return HeldBack(user, f"{what} for this device")
        if received_at.utcoffset() is None:
            raise ValueError("received_at must be timezone-aware")
        if self.clock is None:
            self.clock = DeviceClock(read_at=received_at)
        time = map_time(mapper.stamp(measurement), self.clock, self.zone, received_at)
        if isinstance(time, Discarded):
            return time
        phd = self.phd_participant()
        used = [self._gateway, phd]
        coincident: str | None = None
        fault = None if mapper.time_fault is None else mapper.time_fault(measurement)
        if time.references_coincident or fault is not None:
            stamp = self._coincident_participant(fault)
            coincident = stamp.reference
            used.append(stamp)
        if patient is None:
            subject, patient_key = phd.reference, "device"
        else:
            who = self._patient_participant(patient)
            used.insert(0, who)
            subject, patient_key = who.reference, patient.identifier_part
        ctx = ObservationContext(
            subject=subject,
            patient_is_subject=patient is not None,
            device=phd.reference,
            gateway=self._gateway.reference,
            coincident=coincident,
            effective=time.effective,
            device_key=self._device_key,
            patient_key=patient_key,
            identifier_time=time.identifier_time,
            reception_key=f"{self._device_key}|{patient_key}|{received_at.isoformat()}",
        )
        return Mapped(mapper.build(measurement, ctx), used)

    def bundle(self, results: Iterable[MappingResult]) -> JsonDict:
        """The transaction Bundle of the mapped results (held back, discarded and skipped ones
        are left out): Patients, PhgDevice, PhdDevice, coincident stamp, then Observations."""
        mapped = [r for r in results if isinstance(r, Mapped)]
        rank = {"Patient": 0, "Device": 1, "Observation": 3}
        participants: list[BundleEntry] = [
            p.entry for r in mapped for p in r.participants if p.entry is not None
        ]
        participants.sort(key=lambda e: rank[e.resource["resourceType"]])
        observations = [e for r in mapped for e in r.entries]
        return transaction_bundle([*participants, *observations])


def known_ids(pairs: Mapping[str, str]) -> KnownIds:
    return MappingProxyType(dict(pairs))
