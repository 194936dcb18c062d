"""Shared builders for the gateway.fhir tests."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings

from gateway import exact_json
from gateway.fhir.connection import ConnectionMapper, HeldBack, Mapped, MappingResult
from gateway.fhir.device_info import PhdDeviceInfo
from gateway.fhir.elements import JsonDict
from gateway.fhir.patient import PatientBinding, PatientIdentifier
from gateway.fhir.phg_device import PhgConfig
from gateway.fhir.timeline import DeviceClock, WallClockStamp
from gateway.validation import validate_resource
from profiles.blood_pressure import BloodPressureMeasurement
from profiles.date_time import DateTime

GOLDEN = Path(__file__).parent.parent / "fixtures" / "phd-ig-golden"
NEW_YORK = ZoneInfo("America/New_York")
PATIENT = PatientIdentifier("urn:oid:2.999.1.2.3.4.5.6.7.8.10", "sisansarahId")
PHG = PhgConfig(bytes.fromhex("ECDE3D4E58532D31"), software_version="1.0.0")
OMRON = PhdDeviceInfo(
    manufacturer="OMRONHEALTHCARE",
    model="HEM-9200T",
    serial="20150200002A",
    firmware_version="C.00.7AJ-02",
    software_version="0000000000000101",
    hardware_version="0000000000000100",
    system_id=bytes.fromhex("711000FEFF5F49B0"),  # DIS air order, as in the IG example
    bluetooth_address=bytes.fromhex("B0495F001071"),
)
# The IG example's clock: PHD and gateway agree, 2018-11-11 11:38:15 New York time.
READ_AT = dt.datetime(2018, 11, 11, 16, 38, 15, tzinfo=dt.UTC)
CLOCK = DeviceClock(
    read_at=READ_AT, device_now=WallClockStamp(dt.datetime(2018, 11, 11, 11, 38, 15))
)
STAMP = DateTime(2018, 11, 11, 11, 38, 15)
EVERY_USER = PatientBinding(PATIENT, dict.fromkeys(range(255), PATIENT))
"""Every Bluetooth user index bound to PATIENT (0xFF, "unknown user", stays unbound)."""
GENERATED = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""The settings of the property tests over generated measurements (mapping is slowish)."""


def errors(resource: dict[str, Any]) -> list[str]:
    """The PHD IG validation errors of a resource or Bundle (``phg validate``'s validator), after
    a round trip through the wire JSON."""
    wire = json.loads(exact_json.dumps(resource))
    return [str(i) for i in validate_resource(wire) if i.severity == "error"]


def golden(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / name).read_text(encoding="utf-8"))
    return data


def mapper(**overrides: Any) -> ConnectionMapper:
    values: dict[str, Any] = {
        "phg": PHG,
        "phd": OMRON,
        "patients": PatientBinding(PATIENT),
        "zone": NEW_YORK,
        "clock": CLOCK,
    }
    values.update(overrides)
    return ConnectionMapper(**values)


def mapped_for_any_user(measurement: Any, received: dt.datetime) -> Mapped | None:
    """``measurement`` mapped with every Bluetooth user bound (:data:`EVERY_USER`): held back
    (None) when its user is the unknown one (0xFF), else mapped."""
    result = mapper(patients=EVERY_USER).map(measurement, received)
    if getattr(measurement, "user_id", None) == 0xFF:
        assert isinstance(result, HeldBack), result
        return None
    return mapped(result)


def bp(**overrides: Any) -> BloodPressureMeasurement:
    values: dict[str, Any] = {
        "systolic": Decimal(116),
        "diastolic": Decimal(71),
        "mean_arterial_pressure": Decimal(86),
        "timestamp": STAMP,
    }
    values.update(overrides)
    return BloodPressureMeasurement(**values)


def mapped(result: MappingResult) -> Mapped:
    assert isinstance(result, Mapped), result
    return result


def resources(result: MappingResult) -> list[dict[str, Any]]:
    return [entry.resource for entry in mapped(result).entries]


def assert_only_upload_identifier(resource: JsonDict) -> None:
    """Data without a PHD time stamp has no IG identifier, only PHG's upload identifier (a
    ``urn:uuid``), which makes re-sending it idempotent."""
    identifiers = resource["identifier"]
    assert len(identifiers) == 1
    assert identifiers[0]["system"] == "urn:ietf:rfc:3986"
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", identifiers[0]["value"])


def specializations(m: ConnectionMapper, values: list[Any], received: dt.datetime) -> list[str]:
    """The specialization codes of the PhdDevice entries of the Bundle ``m`` makes of
    ``values`` (received at ``received``), after checking that the Bundle validates."""
    bundle = m.bundle([m.map(value, received) for value in values])
    assert errors(bundle) == []
    return [
        s["systemType"]["coding"][0]["code"]
        for e in bundle["entry"]
        if "PhdDevice" in e["resource"]["meta"]["profile"][0]
        for s in e["resource"]["specialization"]
    ]
