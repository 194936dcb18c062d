"""The descriptor each profile mapping module publishes (like ``profiles.registry_types``)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from gateway.fhir.entries import BundleEntry
from gateway.fhir.observation import ObservationContext
from gateway.fhir.timeline import Stamp

M = TypeVar("M")

JoinMemory = dict[Hashable, Any]
"""What one connection remembers between measurements (recent glucose measurements by sequence
number, connection facts such as the CGM session start time). Owned by the ConnectionMapper."""


@dataclass(frozen=True, slots=True)
class Wait:
    """A join's answer when the measurement needs something not yet received (the glucose
    measurement of a context, the CGM session start time): the caller gets ``HeldBack``."""

    reason: str


class UnmappableMeasurementError(ValueError):
    """A value the PHD IG (or PHG's tables) cannot express as FHIR, refused on purpose: the
    daemon keeps its bytes (held back as "unmapped") rather than upload something wrong."""


class IncompleteMeasurementError(ValueError):
    """One packet of a measurement a device sends in several (a body composition packet, one
    segment of a Generic Health Sensor observation) reached the mapping: reassemble first."""


@dataclass(frozen=True, slots=True)
class ProfileMapper(Generic[M]):
    """How one measurement type becomes Observations.

    ``stamp`` gives the PHD time stamp (None: reception time); ``user_index`` the Bluetooth user
    index (None: no user, the device's default Patient), or is None itself for device-level data
    (battery), whose subject falls back to the PhdDevice when there is no default Patient.
    ``build`` returns the Bundle entries (first = the main Observation). A mapper with
    ``skip_reason`` maps nothing on purpose (transient data).

    ``join`` (optional) runs first, with the connection's :data:`JoinMemory`: it returns the
    readings to map instead of the measurement (each mapped by its own registered mapper, which
    must have no join; an empty list is a :class:`Skipped` with ``skip_reason``), or a
    :class:`Wait`. It is how a measurement meets what arrived separately on the same connection.

    ``time_fault`` (optional) says why the device itself flags the measurement's time as wrong
    (a glucose "time fault", a pulse oximeter's "device clock not set"), or None: such a
    measurement references a time-fault coincident time stamp (dataAbsentReason, no value).

    ``specializations`` (optional) gives further MDC_DEV_SPEC_PROFILE_* codes read from the
    measurement itself (a Generic Health Sensor observation's MDC type).
    """

    measurement_type: type[M]
    specialization: str | None
    build: Callable[[M, ObservationContext], list[BundleEntry]]
    stamp: Callable[[M], Stamp | None]
    user_index: Callable[[M], int | None] | None
    skip_reason: str | None = None
    join: Callable[[M, JoinMemory], Sequence[object] | Wait] | None = None
    time_fault: Callable[[M], str | None] | None = None
    specializations: Callable[[M], Iterable[str]] | None = None


AnyProfileMapper = ProfileMapper[Any]
