"""Heart Rate Measurement (0x2A37) and Body Sensor Location (0x2A38) → PHD IG Observations.

- Heart rate → PhdNumericObservation 147842 MDC_ECG_HEART_RATE + LOINC 8867-4 (vital signs),
  ``/min``. Heart rate notifications carry no time stamp: reception time, no identifier.
- RR intervals → components 147240 MDC_ECG_TIME_PD_RR_GL in ``ms`` (the exact 1/1024 s values
  × 1000, oldest first) on the heart rate Observation: they belong to that notification and
  have no time of their own.
- Sensor contact "supported but not detected" → interpretation ``questionable`` (the value was
  measured without skin contact).
- Body Sensor Location (read once per connection; kept in the join memory) → ``bodySite`` as
  text plus a SNOMED CT code where one fits (chest, wrist, finger, hand, foot); "other" and
  reserved values give no bodySite. The IG has no rule for it.
- Energy expended (a cumulative kJ counter since a reset) is not uploaded: the IG has no code
  for it and the counter is meaningless without its reset time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from gateway.fhir import codes
from gateway.fhir.elements import JsonDict, mdc_concept
from gateway.fhir.entries import BundleEntry
from gateway.fhir.mapper_types import AnyProfileMapper, JoinMemory, ProfileMapper
from gateway.fhir.mappers.steps import mapped_by_join
from gateway.fhir.observation import ObservationContext
from gateway.fhir.status import MeasurementStatus, apply_measurement_status
from gateway.fhir.values import component, set_value
from profiles.heart_rate import (
    BodySensorLocation,
    BodySensorLocationValue,
    HeartRateMeasurement,
    SensorContact,
)

SNOMED: Final = "http://snomed.info/sct"
LOCATION: Final = "heart-rate-body-sensor-location"
BODY_SITES: Final[dict[int, tuple[str | None, str]]] = {
    BodySensorLocation.CHEST: ("51185008", "Chest"),
    BodySensorLocation.WRIST: ("74670003", "Wrist"),
    BodySensorLocation.FINGER: ("7569003", "Finger"),
    BodySensorLocation.HAND: ("85562004", "Hand"),
    BodySensorLocation.EAR_LOBE: (None, "Ear lobe"),
    BodySensorLocation.FOOT: ("56459004", "Foot"),
}


@dataclass(frozen=True, slots=True)
class HeartRateReading:
    measurement: HeartRateMeasurement
    location: BodySensorLocation | int | None = None


def body_site(location: BodySensorLocation | int | None) -> JsonDict | None:
    found = BODY_SITES.get(location) if location is not None else None
    if found is None:
        return None
    code, text = found
    site: JsonDict = {"text": text}
    if code is not None:
        site["coding"] = [{"system": SNOMED, "code": code, "display": text}]
    return site


def map_heart_rate(r: HeartRateReading, ctx: ObservationContext) -> list[BundleEntry]:
    m = r.measurement
    code = codes.MDC_ECG_HEART_RATE
    ident = ctx.identifier(code)
    obs = ctx.observation(
        (codes.PROFILE_NUMERIC,), mdc_concept(code, codes.LOINC_HEART_RATE), ident, vital_signs=True
    )
    set_value(obs, m.heart_rate, codes.UCUM_PER_MIN)
    site = body_site(r.location)
    if site is not None:
        obs["bodySite"] = site
    if m.rr_intervals:
        obs["component"] = [
            component(
                mdc_concept(codes.MDC_ECG_TIME_PD_RR_GL), rr.scaleb(3), codes.UCUM_MILLISECOND
            )
            for rr in m.rr_intervals
        ]
    if m.sensor_contact is SensorContact.NOT_DETECTED:
        apply_measurement_status(obs, MeasurementStatus.QUESTIONABLE)
    return [ctx.entry(obs, code, ident)]


def join_location(v: BodySensorLocationValue, memory: JoinMemory) -> Sequence[object]:
    memory[LOCATION] = v.location
    return []


def join_heart_rate(m: HeartRateMeasurement, memory: JoinMemory) -> Sequence[object]:
    return [HeartRateReading(m, memory.get(LOCATION))]


MAPPERS: Final[tuple[AnyProfileMapper, ...]] = (
    ProfileMapper(
        BodySensorLocationValue,
        codes.MDC_DEV_SPEC_PROFILE_ECG,
        mapped_by_join,
        lambda _m: None,
        None,
        skip_reason="body sensor location: a connection fact kept for the heart rate",
        join=join_location,
    ),
    ProfileMapper(
        HeartRateMeasurement,
        codes.MDC_DEV_SPEC_PROFILE_ECG,
        mapped_by_join,
        lambda _m: None,
        lambda _m: None,
        join=join_heart_rate,
    ),
    ProfileMapper(
        HeartRateReading,
        codes.MDC_DEV_SPEC_PROFILE_ECG,
        map_heart_rate,
        lambda _r: None,
        lambda _r: None,
    ),
)
