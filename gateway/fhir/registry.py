"""The one registry of profile mappers, keyed by measurement type.

Adding a profile (glucose, weight, ...) means adding one module to ``MAPPER_MODULES`` that
exports ``MAPPERS``, a tuple of :class:`~gateway.fhir.mapper_types.ProfileMapper`.
"""

from __future__ import annotations

import importlib
from types import MappingProxyType
from typing import Final

from gateway.fhir.mapper_types import AnyProfileMapper

MAPPER_MODULES: Final = (
    "gateway.fhir.mappers.blood_pressure",
    "gateway.fhir.mappers.battery",
    "gateway.fhir.mappers.glucose",
    "gateway.fhir.mappers.cgm",
    "gateway.fhir.mappers.pulse_oximeter",
    "gateway.fhir.mappers.heart_rate",
    "gateway.fhir.mappers.weight_scale",
    "gateway.fhir.mappers.body_composition",
    "gateway.fhir.mappers.health_thermometer",
    "gateway.fhir.mappers.ghs",
)


def _collect() -> tuple[AnyProfileMapper, ...]:
    found: list[AnyProfileMapper] = []
    for module_name in MAPPER_MODULES:
        found.extend(importlib.import_module(module_name).MAPPERS)
    return tuple(found)


ALL: Final[tuple[AnyProfileMapper, ...]] = _collect()
BY_TYPE: Final = MappingProxyType({m.measurement_type: m for m in ALL})
if len(BY_TYPE) != len(ALL):
    raise RuntimeError("two mapper modules register the same measurement type")


class UnmappedMeasurementError(LookupError):
    """No mapper is registered for this measurement type."""


def mapper_for(measurement: object) -> AnyProfileMapper:
    found = BY_TYPE.get(type(measurement))
    if found is None:
        raise UnmappedMeasurementError(f"no FHIR mapping for {type(measurement).__name__}")
    return found
