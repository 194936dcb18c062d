"""Temperature Measurement (0x2A1C) → PHD IG PhdNumericObservation (specialization
MDC_DEV_SPEC_PROFILE_TEMP 528392), an R4 vital sign: MDC code by site + LOINC 8310-5 (body
temperature) + vital-signs category, in ``Cel`` or ``[degF]`` as the thermometer sent it (the
FLOAT kept exact). A special FLOAT value (NaN, NRes, ±INFINITY, reserved) gives a
dataAbsentReason instead of a value.

Site (Bluetooth Temperature Type) → MDC: armpit 188452 MDC_TEMP_AXILLA, body (general) 150364
MDC_TEMP_BODY, ear 188428 MDC_TEMP_EAR, finger 188432 MDC_TEMP_FINGER, gastro-intestinal tract
188456 MDC_TEMP_GIT, mouth 188424 MDC_TEMP_ORAL, rectum 188420 MDC_TEMP_RECT, toe 188448
MDC_TEMP_TOE, tympanum 150392 MDC_TEMP_TYMP. No type, or a reserved one (0, 10-255), is
MDC_TEMP_BODY: a body temperature at an unstated site. A thermometer may give its (fixed) site
in the Temperature Type characteristic (0x2A1D, read once per connection and delivered first)
instead of in each measurement: kept in the connection's join memory, it is the site of the
measurements that carry none (:func:`with_static_type`); a site in the measurement wins.

Intermediate Temperature (0x2A1E) is transient (the reading while the measurement is in
progress, followed by the final Temperature Measurement) and is not uploaded, like the blood
pressure monitor's intermediate cuff pressure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from gateway.fhir import codes
from gateway.fhir.elements import mdc_concept
from gateway.fhir.entries import BundleEntry
from gateway.fhir.mapper_types import AnyProfileMapper, JoinMemory, ProfileMapper
from gateway.fhir.mappers.steps import mapped_by_join, maps_nothing
from gateway.fhir.observation import ObservationContext
from gateway.fhir.timeline import wall_clock_stamp
from gateway.fhir.values import set_value
from profiles.health_thermometer import (
    IntermediateTemperature,
    TemperatureMeasurement,
    TemperatureType,
    TemperatureTypeValue,
)
from profiles.units import TemperatureUnit

SITE_CODES: Final = {
    TemperatureType.ARMPIT: codes.MDC_TEMP_AXILLA,
    TemperatureType.BODY: codes.MDC_TEMP_BODY,
    TemperatureType.EAR: codes.MDC_TEMP_EAR,
    TemperatureType.FINGER: codes.MDC_TEMP_FINGER,
    TemperatureType.GASTROINTESTINAL_TRACT: codes.MDC_TEMP_GIT,
    TemperatureType.MOUTH: codes.MDC_TEMP_ORAL,
    TemperatureType.RECTUM: codes.MDC_TEMP_RECT,
    TemperatureType.TOE: codes.MDC_TEMP_TOE,
    TemperatureType.TYMPANUM: codes.MDC_TEMP_TYMP,
}
_UCUM: Final = {
    TemperatureUnit.CELSIUS: codes.UCUM_CELSIUS,
    TemperatureUnit.FAHRENHEIT: codes.UCUM_FAHRENHEIT,
}


def site_code(kind: TemperatureType | int | None) -> str:
    """The MDC code for a temperature type; MDC_TEMP_BODY when absent or reserved."""
    if isinstance(kind, TemperatureType):
        return SITE_CODES[kind]
    return codes.MDC_TEMP_BODY


def with_static_type(
    m: TemperatureMeasurement, static: TemperatureTypeValue | None
) -> TemperatureMeasurement:
    """``m`` with the Temperature Type characteristic's site when it carries none itself (a
    site in the measurement always wins)."""
    if m.temperature_type is not None or static is None:
        return m
    return dataclasses.replace(m, temperature_type=static.temperature_type)


STATIC_TYPE: Final = "health-thermometer-temperature-type"


@dataclass(frozen=True, slots=True)
class TemperatureReading:
    """A Temperature Measurement with the site it was taken at (its own, or the thermometer's
    Temperature Type)."""

    measurement: TemperatureMeasurement


def join_static_type(v: TemperatureTypeValue, memory: JoinMemory) -> Sequence[object]:
    memory[STATIC_TYPE] = v
    return []


def join_temperature(m: TemperatureMeasurement, memory: JoinMemory) -> Sequence[object]:
    return [TemperatureReading(with_static_type(m, memory.get(STATIC_TYPE)))]


def map_temperature(r: TemperatureReading, ctx: ObservationContext) -> list[BundleEntry]:
    m = r.measurement
    code = site_code(m.temperature_type)
    ident = ctx.identifier(code)
    resource = ctx.observation(
        (codes.PROFILE_NUMERIC,),
        mdc_concept(code, codes.LOINC_BODY_TEMPERATURE),
        ident,
        vital_signs=True,
    )
    set_value(resource, m.temperature, _UCUM[m.unit])
    return [ctx.entry(resource, code, ident)]


MAPPERS: Final[tuple[AnyProfileMapper, ...]] = (
    ProfileMapper(
        TemperatureTypeValue,
        codes.MDC_DEV_SPEC_PROFILE_TEMP,
        mapped_by_join,
        lambda _m: None,
        None,
        skip_reason="temperature type: a connection fact kept for the temperatures",
        join=join_static_type,
    ),
    ProfileMapper(
        TemperatureMeasurement,
        codes.MDC_DEV_SPEC_PROFILE_TEMP,
        mapped_by_join,
        lambda _m: None,
        lambda _m: None,
        join=join_temperature,
    ),
    ProfileMapper(
        TemperatureReading,
        codes.MDC_DEV_SPEC_PROFILE_TEMP,
        map_temperature,
        lambda r: wall_clock_stamp(r.measurement.timestamp),
        lambda _r: None,
    ),
    ProfileMapper(
        IntermediateTemperature,
        codes.MDC_DEV_SPEC_PROFILE_TEMP,
        maps_nothing,
        lambda _m: None,
        lambda _m: None,
        skip_reason="intermediate temperature is transient and is not uploaded",
    ),
)
