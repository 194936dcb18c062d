"""The one registry of profile mappers, keyed by measurement type.

Each device type (:func:`profiles.registry.device_types`) has its mapping module, registered
here by the device type's name in ``MAPPERS_BY_DEVICE_TYPE``; services every device may have
(battery) are in ``SHARED_MAPPER_MODULES``. A mapping module exports ``MAPPERS``, a tuple of
:class:`~gateway.fhir.mapper_types.ProfileMapper`; ``tests/contract`` checks that every value a
device type subscribes to or delivers has one.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from gateway.fhir.mapper_types import AnyProfileMapper
from profiles.registry import device_types

SHARED_MAPPER_MODULES: Final = ("gateway.fhir.mappers.battery",)
MAPPERS_BY_DEVICE_TYPE: Final[Mapping[str, str]] = MappingProxyType(
    {
        "blood-pressure": "gateway.fhir.mappers.blood_pressure",
        "glucose": "gateway.fhir.mappers.glucose",
        "weight-scale": "gateway.fhir.mappers.weight_scale",
        "body-composition": "gateway.fhir.mappers.body_composition",
        "health-thermometer": "gateway.fhir.mappers.health_thermometer",
        "pulse-oximeter": "gateway.fhir.mappers.pulse_oximeter",
        "heart-rate": "gateway.fhir.mappers.heart_rate",
        "continuous-glucose-monitoring": "gateway.fhir.mappers.cgm",
        "generic-health-sensor": "gateway.fhir.mappers.ghs",
    }
)
"""Device type name -> its mapping module."""

MAPPER_MODULES: Final = SHARED_MAPPER_MODULES + tuple(
    MAPPERS_BY_DEVICE_TYPE[t.name] for t in device_types() if t.name in MAPPERS_BY_DEVICE_TYPE
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
