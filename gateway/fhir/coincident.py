"""The coincident time stamp Observation (PhdCoincidentTimeStampObservation): one per connection
(and a new one after the PHD clock changes), pairing the PHD clock with the gateway clock.

``subject`` is the PhdDevice, ``device`` the PhgDevice; ``effectiveDateTime`` is the gateway time
of the clock read and ``valueDateTime`` the PHD time then (with the PHD's own offset, or the
gateway's when it sent none). A time fault gives no value but ``dataAbsentReason`` unknown
(PHD IG: "time fault"): a clock that could not be read ("Sensor Time Fault"), and a device that
flags its own time as wrong in a measurement (``fault``: a glucose meter's time fault, a pulse
oximeter's "device clock not set"), whose Observations then reference that time-fault stamp.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Final

from gateway.fhir import codes
from gateway.fhir.elements import JsonDict, concept, data_absent_reason, mdc, reference
from gateway.fhir.timeline import (
    ClockKind,
    DeviceClock,
    TickStamp,
    WallClockStamp,
    render,
    render_wall,
)

MDC_ATTR_TIME_REL: Final = "67983"
_MICROSECONDS: Final = Decimal(1_000_000)


def clock_type_code(clock: DeviceClock) -> str:
    return MDC_ATTR_TIME_REL if clock.kind is ClockKind.TICK else codes.MDC_ATTR_TIME_ABS


TIME_FAULT_TEXT: Final = "Sensor Time Fault"


def coincident_time_stamp(
    clock: DeviceClock,
    phd_reference: str,
    phg_reference: str,
    zone: dt.tzinfo,
    fault: str | None = None,
) -> JsonDict:
    """The coincident time stamp Observation for one clock read; ``fault`` (the device's own
    words for it) makes it a time-fault stamp whatever the clock read."""
    resource: JsonDict = {
        "resourceType": "Observation",
        "meta": {"profile": [codes.PROFILE_COINCIDENT]},
        "status": "final",
        "code": concept(mdc(clock_type_code(clock))),
        "subject": reference(phd_reference),
        "effectiveDateTime": render(clock.read_at, zone),
    }
    now = None if fault is not None else clock.device_now
    if isinstance(now, WallClockStamp):
        if clock.kind is ClockKind.UTC:
            shown = dt.timezone(now.offset) if now.offset is not None else zone
            resource["valueDateTime"] = render(now.value.replace(tzinfo=dt.UTC), shown)
        else:
            resource["valueDateTime"] = render_wall(now.value, now.offset, zone)
    elif isinstance(now, TickStamp):
        micro = now.ticks * now.resolution * _MICROSECONDS
        resource["valueQuantity"] = {
            "value": micro,
            "unit": codes.UCUM_MICROSECOND,
            "system": codes.UCUM,
            "code": codes.UCUM_MICROSECOND,
        }
    else:
        dar = data_absent_reason("unknown")
        dar["text"] = TIME_FAULT_TEXT if fault is None else f"{TIME_FAULT_TEXT}: {fault}"
        resource["dataAbsentReason"] = dar
    resource["device"] = reference(phg_reference)
    resource["component"] = [
        {
            "code": concept(mdc(codes.MDC_TIME_SYNC_PROTOCOL)),
            "valueCodeableConcept": concept(mdc(clock.sync_method)),
        }
    ]
    return resource
