"""The descriptor each profile mapping module publishes (like ``profiles.registry_types``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from gateway.fhir.entries import BundleEntry
from gateway.fhir.observation import ObservationContext
from gateway.fhir.timeline import Stamp

M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class ProfileMapper(Generic[M]):
    """How one measurement type becomes Observations.

    ``stamp`` gives the PHD time stamp (None: reception time); ``user_index`` the Bluetooth user
    index (None: no user, the device's default Patient), or is None itself for device-level data
    (battery), whose subject falls back to the PhdDevice when there is no default Patient.
    ``build`` returns the Bundle entries (first = the main Observation). A mapper with
    ``skip_reason`` maps nothing on purpose (transient data).
    """

    measurement_type: type[M]
    specialization: str | None
    build: Callable[[M, ObservationContext], list[BundleEntry]]
    stamp: Callable[[M], Stamp | None]
    user_index: Callable[[M], int | None] | None
    skip_reason: str | None = None


AnyProfileMapper = ProfileMapper[Any]
