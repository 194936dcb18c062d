"""Device identifiers, Observation identifiers and their reproducibility."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway import exact_json
from gateway.fhir.device_info import PhdDeviceInfo
from gateway.fhir.identifiers import (
    IdentifierError,
    dashed,
    eui64_from_dis_system_id,
    eui64_from_eui48,
    parse_hex_bytes,
    undashed,
)
from gateway.fhir.patient import PatientBinding, PatientId
from gateway.fhir.phd_device import observation_device_key, search_identifier
from tests.fhir.helpers import OMRON, assert_only_upload_identifier, bp, mapper, resources

RECEIVED = dt.datetime(2018, 11, 11, 16, 40, tzinfo=dt.UTC)


def test_system_id_canonical_byte_order() -> None:
    air = bytes.fromhex("74E8FFFEFF051C00")
    assert dashed(eui64_from_dis_system_id(air)) == "00-1C-05-FF-FE-FF-E8-74"
    assert undashed(eui64_from_dis_system_id(air)) == "001C05FFFEFFE874"


def test_eui64_from_eui48_inserts_fffe() -> None:
    assert dashed(eui64_from_eui48(bytes.fromhex("001C05FFE874"))) == "00-1C-05-FF-FE-FF-E8-74"


def test_parse_hex_bytes_accepts_separators_and_checks_length() -> None:
    assert parse_hex_bytes("00:1c:05:ff:e8:74", 6, "a") == bytes.fromhex("001C05FFE874")
    with pytest.raises(IdentifierError):
        parse_hex_bytes("00:1c", 6, "a")
    with pytest.raises(IdentifierError):
        parse_hex_bytes("zz", 1, "a")


def test_device_needs_an_identifier() -> None:
    with pytest.raises(IdentifierError):
        PhdDeviceInfo(manufacturer="x")


def test_bluetooth_address_is_used_without_system_id() -> None:
    info = PhdDeviceInfo(bluetooth_address=bytes.fromhex("001C05FFE874"))
    assert observation_device_key(info) == "001C05FFE874"
    assert search_identifier(info) == (
        "http://hl7.org/fhir/sid/eui-48/bluetooth",
        "00-1C-05-FF-E8-74",
    )


def test_observation_identifier_layout() -> None:
    found = resources(mapper().map(bp(), RECEIVED))[0]["identifier"]
    assert found == [
        {
            "system": "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdBaseObservation",
            "value": (
                "B0495FFFFE001071-sisansarahId-urn:oid:2.999.1.2.3.4.5.6.7.8.10-150020-595251495"
            ),
        }
    ]


def test_observation_identifier_with_logical_patient_id() -> None:
    m = mapper(patients=PatientBinding(PatientId("p-17")))
    value = resources(m.map(bp(), RECEIVED))[0]["identifier"][0]["value"]
    assert value == "B0495FFFFE001071-p-17-150020-595251495"


def test_mapping_is_reproducible_byte_for_byte() -> None:
    first = mapper()
    second = mapper()
    a = exact_json.dumps(first.bundle([first.map(bp(pulse_rate=None), RECEIVED)]))
    b = exact_json.dumps(second.bundle([second.map(bp(pulse_rate=None), RECEIVED)]))
    assert a == b


def test_re_reading_a_stored_record_later_gives_the_same_identifier_and_full_url() -> None:
    later = dt.datetime(2018, 11, 12, 9, 0, tzinfo=dt.UTC)
    a = mapper().map(bp(), RECEIVED)
    b = mapper().map(bp(), later)
    ea, eb = resources(a)[0], resources(b)[0]
    assert ea["identifier"] == eb["identifier"]
    assert a.entries[0].full_url == b.entries[0].full_url  # type: ignore[union-attr]


def test_identifier_differs_by_type_device_and_patient() -> None:
    obs = resources(mapper().map(bp(pulse_rate=__import__("decimal").Decimal(60)), RECEIVED))
    ids = {o["identifier"][0]["value"] for o in obs}
    assert len(ids) == len(obs) == 2
    other = PhdDeviceInfo(bluetooth_address=bytes.fromhex("001C05FFE874"), manufacturer="m")
    other_id = resources(mapper(phd=other).map(bp(), RECEIVED))[0]["identifier"][0]["value"]
    assert other_id.startswith("001C05FFE874-")
    assert other_id not in ids


def test_unstamped_data_has_no_identifier() -> None:
    obs = resources(mapper().map(bp(timestamp=None), RECEIVED))[0]
    assert_only_upload_identifier(obs)
    assert obs["effectiveDateTime"] == "2018-11-11T11:40:00-05:00"
    assert "CoincidentTimeStampReference" not in str(obs["extension"])
    assert OMRON.system_id is not None
