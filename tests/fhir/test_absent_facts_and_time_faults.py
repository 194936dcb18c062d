"""What the gateway produces stays conformant when the device does not tell everything:
a PhdDevice without Device Information strings carries FHIR's data-absent-reason extension on
its required primitives (and a version entry without a value), and a measurement the device
flags with a time fault ("time fault", "device clock not set") references a coincident time
stamp with a dataAbsentReason instead of a value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from gateway.fhir.device_info import PhdDeviceInfo
from gateway.fhir.phd_device import phd_device
from profiles.date_time import DateTime
from profiles.glucose import (
    GlucoseConcentration,
    GlucoseMeasurement,
    GlucoseType,
    SensorStatusAnnunciation,
)
from profiles.pulse_oximeter import PlxSpotCheckMeasurement
from tests.fhir.helpers import errors, mapped, mapper

DAR_URL = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
RECEIVED = dt.datetime(2018, 11, 11, 16, 40, tzinfo=dt.UTC)
STAMP = DateTime(2018, 11, 11, 11, 30, 0)
BARE = PhdDeviceInfo(bluetooth_address=bytes.fromhex("AABBCCDDEEFF"))


def absent(element: dict[str, Any]) -> str:
    [extension] = element["extension"]
    assert extension["url"] == DAR_URL
    return str(extension["valueCode"])


def test_phd_device_without_device_information_strings_validates() -> None:
    device = phd_device(BARE)
    assert errors(device) == []
    assert "manufacturer" not in device
    assert "modelNumber" not in device
    assert absent(device["_manufacturer"]) == absent(device["_modelNumber"]) == "unknown"
    [version] = device["version"]
    assert "value" not in version
    assert absent(version["_value"]) == "unknown"
    assert version["type"]["coding"][0]["code"] == "531976"  # MDC_ID_PROD_SPEC_FW


def test_reported_strings_are_used_and_no_absent_reason_added() -> None:
    info = PhdDeviceInfo(
        manufacturer="m", model="x", hardware_version="2", bluetooth_address=bytes(6)
    )
    device = phd_device(info)
    assert errors(device) == []
    assert (device["manufacturer"], device["modelNumber"]) == ("m", "x")
    assert "_manufacturer" not in device
    assert "_modelNumber" not in device
    assert [v["value"] for v in device["version"]] == ["2"]


def test_a_bundle_for_a_device_without_strings_validates() -> None:
    mp = mapper(phd=BARE)
    result = mp.map(glucose(), RECEIVED)
    bundle = mp.bundle([result])
    assert errors(bundle) == []


def glucose(status: SensorStatusAnnunciation | None = None) -> GlucoseMeasurement:
    return GlucoseMeasurement(
        sequence_number=7,
        base_time=STAMP,
        time_offset_minutes=0,
        concentration=GlucoseConcentration(
            Decimal("0.00099"), type=GlucoseType.UNDETERMINED_PLASMA
        ),
        sensor_status=status,
    )


def coincident_of(result: object, observation: dict[str, Any]) -> dict[str, Any]:
    [ext] = [e for e in observation["extension"] if "CoincidentTimeStamp" in e["url"]]
    [stamp] = [
        p.entry.resource
        for p in mapped(result).participants  # type: ignore[arg-type]
        if p.entry is not None and p.reference == ext["valueReference"]["reference"]
    ]
    return stamp


def test_glucose_time_fault_references_a_time_fault_coincident_stamp() -> None:
    mp = mapper()
    faulty = mp.map(glucose(SensorStatusAnnunciation.TIME_FAULT), RECEIVED)
    stamp = coincident_of(faulty, mapped(faulty).entries[0].resource)
    assert "valueDateTime" not in stamp
    assert stamp["dataAbsentReason"]["coding"][0]["code"] == "unknown"
    assert "time fault" in stamp["dataAbsentReason"]["text"]
    assert errors(stamp) == []
    assert errors(mp.bundle([faulty])) == []
    # The same connection's readings without a fault keep the clock's coincident stamp.
    fine = mp.map(glucose(), RECEIVED)
    normal = coincident_of(fine, mapped(fine).entries[0].resource)
    assert "valueDateTime" in normal
    assert "dataAbsentReason" not in normal


def test_pulse_oximeter_clock_not_set_references_a_time_fault_coincident_stamp() -> None:
    m = PlxSpotCheckMeasurement(
        Decimal(97), Decimal(60), timestamp=STAMP, device_clock_not_set=True
    )
    result = mapper().map(m, RECEIVED)
    for observation in mapped(result).entries:
        stamp = coincident_of(result, observation.resource)
        assert "valueDateTime" not in stamp
        assert "clock not set" in stamp["dataAbsentReason"]["text"]
