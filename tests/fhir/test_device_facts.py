"""Connection facts → PhdDeviceInfo (gateway.fhir.device_facts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from gateway.ble.events import ClockReading, ConnectionFacts
from gateway.fhir.device_facts import phd_device_info, specializations_for
from gateway.fhir.identifiers import IdentifierError
from gateway.fhir.phd_device import observation_device_key, phd_device
from profiles.device_information import (
    DeviceInformation,
    decode_regulatory_certification_data_list,
    decode_system_id,
)
from profiles.weight_scale import WeightScaleFeature, WeightScaleFeatureFlag
from tests.fhir.helpers import errors

# The Nonin example device of the IG: Bluetooth address 00:1C:05:FF:E8:74, System ID sent on air
# as 74 E8 FF FE FF 05 1C 00, whose EUI-64 (OUI first) is 00-1C-05-FF-FE-FF-E8-74.
AIR_SYSTEM_ID = bytes.fromhex("74E8FFFEFF051C00")
CANONICAL = "00-1C-05-FF-FE-FF-E8-74"
DIS = DeviceInformation(
    manufacturer="Nonin Medical, Inc.",
    model="3230",
    serial_number="501642106",
    hardware_revision="r1.0",
    firmware_revision="r2.1",
    software_revision="r1.5 9.7",
    system_id=AIR_SYSTEM_ID,
)
CONNECTED = dt.datetime(2018, 11, 11, 11, 38, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
# MDER (big-endian) RegCertDataList: 2 entries, 18 bytes: Continua body struct v6.0 with one
# certified class 0x4008, then ContinuaRegStruct 0x8000 (unregulated-device).
REG_CERT_UNREGULATED = bytes.fromhex("00020012" + "020100080600000100024008" + "020200028000")
REG_CERT_REGULATED = bytes.fromhex("0001000602020002" + "0000")


def facts(**overrides: Any) -> ConnectionFacts:
    values: dict[str, Any] = {
        "address": "00:1C:05:FF:E8:74",
        "adapter": "hci0",
        "name": "Nonin3230",
        "connection_number": 1,
        "connected_at": CONNECTED,
        "device_information": DIS,
    }
    values.update(overrides)
    return ConnectionFacts(**values)


def test_device_information_strings_and_identifiers() -> None:
    info = phd_device_info(facts())
    assert (info.manufacturer, info.model, info.serial) == (
        "Nonin Medical, Inc.",
        "3230",
        "501642106",
    )
    assert (info.hardware_version, info.software_version, info.firmware_version) == (
        "r1.0",
        "r1.5 9.7",
        "r2.1",
    )
    assert info.system_id == AIR_SYSTEM_ID
    assert info.bluetooth_address == bytes.fromhex("001C05FFE874")
    assert (info.regulated, info.continua_version) == (None, None)
    assert (info.real_time_clock, info.set_clock) == (None, None)
    assert info.time_sync == "532224"


def test_the_three_system_id_readings_agree() -> None:
    """profiles.device_information, the BLE layer's DeviceInformation and the PhdDevice all
    write this device's System ID as the same canonical EUI-64."""
    info = phd_device_info(facts())
    device = phd_device(info)
    sysid = next(i for i in device["identifier"] if i["type"]["coding"][0]["code"] == "SYSID")
    undashed = CANONICAL.replace("-", "")
    assert decode_system_id(AIR_SYSTEM_ID).eui64 == undashed
    assert DIS.system_id_eui64 == undashed
    assert sysid["value"] == CANONICAL
    assert observation_device_key(info) == undashed


@pytest.mark.parametrize("placeholder", [bytes(8), b"\xff" * 8])
def test_placeholder_system_id_is_ignored_for_the_address(placeholder: bytes) -> None:
    dis = DeviceInformation(manufacturer="m", system_id=placeholder)
    info = phd_device_info(facts(device_information=dis))
    assert info.system_id is None
    assert observation_device_key(info) == "001C05FFE874"


def test_non_bluetooth_address_without_system_id_is_an_error() -> None:
    uuid_address = "5E3C2B1A-0000-4000-8000-00805F9B34FB"  # macOS CoreBluetooth identifier
    info = phd_device_info(facts(address=uuid_address))
    assert info.bluetooth_address is None
    assert info.system_id == AIR_SYSTEM_ID
    with pytest.raises(IdentifierError, match="cannot be identified"):
        phd_device_info(facts(address=uuid_address, device_information=DeviceInformation()))


def test_regulation_status_and_continua_version_from_reg_cert_list() -> None:
    unregulated = decode_regulatory_certification_data_list(REG_CERT_UNREGULATED)
    info = phd_device_info(facts(), regulatory=unregulated)
    assert (info.regulated, info.continua_version) == (False, "6.0")
    regulated = decode_regulatory_certification_data_list(REG_CERT_REGULATED)
    info = phd_device_info(facts(), regulatory=regulated)
    assert (info.regulated, info.continua_version) == (True, None)
    # In the PhdDevice the bit is negated: "Y" (negated-regulation-status) = not regulated.
    props = phd_device(phd_device_info(facts(), regulatory=unregulated))["property"]
    (negated,) = [p for p in props if p["type"]["coding"][0]["code"] == "532354.0"]
    assert negated["valueCode"][0]["coding"][0]["code"] == "Y"


def test_clock_facts() -> None:
    read = ClockReading(CONNECTED, dt.datetime(2018, 11, 11, 11, 38), dt.timedelta(0))
    info = phd_device_info(facts(clock=read))
    assert (info.real_time_clock, info.set_clock) == (True, None)
    set_read = ClockReading(CONNECTED, None, None, set_to=CONNECTED.replace(tzinfo=None))
    info = phd_device_info(facts(clock=set_read))
    assert (info.real_time_clock, info.set_clock) == (True, True)
    stamped = {"weight-scale-feature": WeightScaleFeature(WeightScaleFeatureFlag.TIME_STAMP)}
    assert phd_device_info(facts(features=stamped)).real_time_clock is True
    unstamped = {"weight-scale-feature": WeightScaleFeature(WeightScaleFeatureFlag.BMI)}
    assert phd_device_info(facts(features=unstamped)).real_time_clock is None


def test_specializations_from_services_and_features() -> None:
    # Health Thermometer, Weight Scale, Battery, Device Information, an unknown service.
    assert specializations_for([0x1809, 0x181D, 0x180F, 0x180A, 0xFFF0]) == ("528392", "528399")
    assert specializations_for([0x181B]) == ("528404",)
    assert specializations_for([], ["blood-pressure-feature"]) == ("528391",)
    assert specializations_for([], ["no-such-characteristic"]) == ()
    info = phd_device_info(
        facts(features={"weight-scale-feature": WeightScaleFeature()}), services=[0x1810]
    )
    assert info.specializations == ("528391", "528399")


def test_full_device_validates() -> None:
    read = ClockReading(CONNECTED, dt.datetime(2018, 11, 11, 11, 38), dt.timedelta(0))
    info = phd_device_info(
        facts(clock=read),
        services=[0x1822, 0x180F],
        regulatory=decode_regulatory_certification_data_list(REG_CERT_UNREGULATED),
    )
    assert errors(phd_device(info)) == []
