"""Generic Health Sensor (IEEE 11073-10206 ACOM) observations → PHD IG 2.0.0 Observations.

Entry point: :func:`map_ghs_observation` (registered for :class:`profiles.ghs.observations.
Observation` and for a Stored Health Observation's :class:`StoredObservation`). Choices and the
IG's rules behind them: ``docs/ghs.md``.

=========================  ===================================  =============================
ACOM class                 profile                              value
=========================  ===================================  =============================
numeric                    PhdNumericObservation                valueQuantity (UCUM)
simple discrete            PhdCodedEnumerationObservation       valueCodeableConcept (MDC)
string                     PhdStringObservation                 valueString
sample array               PhdRtsaObservation                   valueSampledData
compound                   PhdCompoundObservation (+ Compound-  component per element
                           NumericObservation if all numeric)
compound discrete event    PhdCompoundObservation               component per event code
compound state/event       PhdBitsEnumerationObservation        bits components
bundle                     one Observation per member; a typed bundle also a group
                           Observation (PhdCompoundObservation) with hasMember → the members
TLV-encoded, unknown       refused (:class:`GhsMappingError`)
=========================  ===================================  =============================

Every Observation: code = the MDC type; supplemental information → supplementalTypesComponent
(and the identifier's supplemental part); measurement status → :mod:`gateway.fhir.status`;
has-member / derived-from object ids → ``hasMember`` / ``derivedFrom`` to the Observations of
the same message that carry those object ids; patient id → the Bluetooth user index (UDS) that
selects the Patient. Bundle members inherit the bundle's header fields they do not carry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Final

from gateway.fhir import codes
from gateway.fhir.elements import JsonDict, reference
from gateway.fhir.entries import BundleEntry
from gateway.fhir.mapper_types import AnyProfileMapper, IncompleteMeasurementError, ProfileMapper
from gateway.fhir.mappers import ghs_time
from gateway.fhir.mappers.ghs_device import specializations
from gateway.fhir.mappers.ghs_values import (
    GhsMappingError,
    coded,
    numeric,
    sampled_data,
    state_event_bits,
    supplemental_components,
    text,
)
from gateway.fhir.observation import ObservationContext
from gateway.fhir.status import MeasurementStatus as PhdStatus
from gateway.fhir.status import apply_measurement_status
from gateway.fhir.timeline import Stamp
from profiles.elapsed_time import ElapsedTime
from profiles.ghs import observations as obs
from profiles.ghs.health_observations import (
    LiveHealthObservationSegment,
    StoredHealthObservationSegment,
    StoredObservation,
)
from profiles.ghs.observations import MeasurementStatus, Observation

__all__ = ["MAPPERS", "GhsMappingError", "map_ghs_observation"]

INHERITED: Final = (
    "time_stamp",
    "measurement_duration",
    "measurement_status",
    "patient_id",
    "supplemental_information",
)
"""The header fields a bundle's members take from the bundle when they have none."""

STATUS: Final = {
    MeasurementStatus.INVALID: PhdStatus.INVALID,
    MeasurementStatus.QUESTIONABLE: PhdStatus.QUESTIONABLE,
    MeasurementStatus.NOT_AVAILABLE: PhdStatus.NOT_AVAILABLE,
    MeasurementStatus.CALIBRATING: PhdStatus.CALIBRATION_ONGOING,
    MeasurementStatus.TEST_DATA: PhdStatus.TEST_DATA,
    MeasurementStatus.EARLY_ESTIMATE: PhdStatus.EARLY_INDICATION,
    MeasurementStatus.MANUALLY_ENTERED: PhdStatus.MANUALLY_ENTERED,
    MeasurementStatus.THRESHOLD_ERROR: PhdStatus.THRESHOLD_ERROR,
    MeasurementStatus.THRESHOLDING_DISABLED: PhdStatus.THRESHOLDING_DISABLED,
}
"""ACOM measurement status → the IG's; "setting" has no IG equivalent and is not sent."""


def members(o: Observation) -> Iterator[Observation]:
    """The single observations of ``o`` (itself, or a bundle's members with the bundle's
    header fields they lack)."""
    if not isinstance(o.value, obs.BundleValue):
        yield o
        return
    for member in o.value.observations:
        missing = {f: getattr(o, f) for f in INHERITED if getattr(member, f) is None}
        yield from members(dataclasses.replace(member, **missing))


def time_stamp(o: Observation) -> ElapsedTime | None:
    """The one time stamp of a message: a bundle's members share theirs (PHG maps one message
    at one time; a bundle whose members carry different time stamps is refused)."""
    found = {m.time_stamp for m in members(o)} - {None}
    if len(found) > 1:
        raise GhsMappingError("bundle members with different time stamps")
    return next(iter(found), None)


def _stamp(o: Observation) -> Stamp | None:
    try:
        return ghs_time.stamp(time_stamp(o))
    except ValueError as e:
        raise GhsMappingError(str(e)) from e


def _component(c: obs.CompoundComponent) -> JsonDict:
    result: JsonDict = {"code": coded(c.type)}
    v = c.value
    if isinstance(v, obs.NumericValue):
        return numeric(result, v)
    if isinstance(v, obs.SimpleDiscreteValue):
        result["valueCodeableConcept"] = coded(v.code)
    elif isinstance(v, obs.StringValue):
        result["valueString"] = text(v.text)
    elif isinstance(v, obs.SampleArrayValue):
        result["valueSampledData"] = sampled_data(v, None, limits=True)
    else:
        raise GhsMappingError(f"a {type(v).__name__} cannot be a compound component")
    return result


def _value(m: Observation, code: str) -> tuple[tuple[str, ...], JsonDict]:
    """The profiles and value elements of one single observation."""
    v = m.value
    if isinstance(v, obs.NumericValue):
        return (codes.PROFILE_NUMERIC,), numeric({}, v)
    if isinstance(v, obs.SimpleDiscreteValue):
        return (codes.PROFILE_CODED,), {"valueCodeableConcept": coded(v.code)}
    if isinstance(v, obs.StringValue):
        return (codes.PROFILE_STRING,), {"valueString": text(v.text)}
    if isinstance(v, obs.SampleArrayValue):
        return (codes.PROFILE_RTSA,), {"valueSampledData": sampled_data(v, m.measurement_duration)}
    if isinstance(v, obs.CompoundValue):
        profiles: tuple[str, ...] = (codes.PROFILE_COMPOUND,)
        if v.components and all(isinstance(c.value, obs.NumericValue) for c in v.components):
            profiles = (codes.PROFILE_COMPOUND_NUMERIC, codes.PROFILE_COMPOUND)
        return profiles, {"component": [_component(c) for c in v.components]}
    if isinstance(v, obs.CompoundDiscreteEventValue):
        events = [{"code": coded(int(code)), "valueCodeableConcept": coded(e)} for e in v.codes]
        return (codes.PROFILE_COMPOUND,), {"component": events}
    if isinstance(v, obs.CompoundStateEventValue):
        return (codes.PROFILE_BITS,), {"component": state_event_bits(code, v)}
    raise GhsMappingError(f"the PHD IG has no Observation for ACOM class {m.class_type!r}")


def _status(status: MeasurementStatus | None) -> PhdStatus:
    result = PhdStatus.NONE
    for flag, phd in STATUS.items():
        if status is not None and flag in status:
            result |= phd
    return result


def _observation(
    m: Observation, ctx: ObservationContext, seen: dict[str, int]
) -> tuple[Observation, BundleEntry]:
    if m.type is None:
        raise GhsMappingError("an observation without a type has no code")
    code = str(m.type)
    profiles, value = _value(m, code)
    supplemental = [str(s) for s in m.supplemental_information or ()]
    key = "-".join([code, *supplemental])
    seen[key] = seen.get(key, 0) + 1
    if seen[key] > 1:  # the same type twice in one message: keep the identifiers apart
        supplemental.append(str(seen[key]))
    identifier = ctx.identifier(code, supplemental)
    resource = ctx.observation(profiles, coded(m.type), identifier)
    components = value.pop("component", []) + supplemental_components(m.supplemental_information)
    resource.update(value)
    if components:
        resource["component"] = components
    apply_measurement_status(resource, _status(m.measurement_status))
    return m, ctx.entry(resource, "-".join([code, *supplemental]), identifier)


def _link(entries: list[tuple[Observation, BundleEntry]]) -> None:
    """hasMember / derivedFrom by object id, within the message."""
    by_id = {m.object_id: e.full_url for m, e in entries if m.object_id is not None}
    for m, entry in entries:
        for field, ids in (("hasMember", m.has_member), ("derivedFrom", m.derived_from)):
            found = [reference(by_id[i]) for i in ids or () if i in by_id]
            if found:
                entry.resource[field] = found


def map_ghs_observation(o: Observation, ctx: ObservationContext) -> list[BundleEntry]:
    """The Bundle entries of one GHS observation (or bundle); the first is the main one."""
    seen: dict[str, int] = {}
    built = [_observation(m, ctx, seen) for m in members(o)]
    if not built:
        raise GhsMappingError("a bundle without observations")
    if isinstance(o.value, obs.BundleValue) and o.type is not None:
        group = dataclasses.replace(o, value=obs.CompoundValue(()))
        _, entry = _observation(group, ctx, seen)
        entry.resource["hasMember"] = [reference(e.full_url) for _, e in built]
        built.insert(0, (group, entry))
    _link(built)
    return [e for _, e in built]


def _patient(o: Observation) -> int | None:
    """The user index of a message: one for all of a bundle's members (else refused)."""
    found = {m.patient_id for m in members(o)} - {None}
    if len(found) > 1:
        raise GhsMappingError("bundle members for different patients")
    return next(iter(found), None)


def _whole(value: object) -> Observation:
    """The observation a mapped value carries: itself, a stored observation's, or a whole
    segment's; one segment of a longer observation is refused (the session reassembles the
    segments first)."""
    if isinstance(value, LiveHealthObservationSegment | StoredHealthObservationSegment):
        value = value.content
        if isinstance(value, bytes):
            raise IncompleteMeasurementError(
                "one segment of a segmented GHS observation: reassemble the segments first"
            )
    if isinstance(value, StoredObservation):
        value = value.observation
    if not isinstance(value, Observation):
        raise GhsMappingError(f"{type(value).__name__} is not a GHS observation")
    return value


def _mapper(measurement_type: type) -> AnyProfileMapper:
    return ProfileMapper(
        measurement_type,
        None,
        lambda v, ctx: map_ghs_observation(_whole(v), ctx),
        lambda v: _stamp(_whole(v)),
        lambda v: _patient(_whole(v)),
        time_fault=lambda v: ghs_time.time_fault(time_stamp(_whole(v))),
        specializations=lambda v: specializations(members(_whole(v))),
    )


MAPPERS: Final[tuple[AnyProfileMapper, ...]] = tuple(
    _mapper(t)
    for t in (
        Observation,
        StoredObservation,
        LiveHealthObservationSegment,
        StoredHealthObservationSegment,
    )
)
"""Registered for an observation, a Stored Health Observation's record, and the Live and Stored
Health Observations values (a whole observation in one segment: ``phg map``)."""
