"""The transaction Bundle: entry order, conditional creates, urn:uuid references, known ids."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from urllib.parse import unquote

import pytest

from gateway.fhir.connection import ConnectionMapper, Mapped
from gateway.fhir.entries import identifier_search, upload_identifier
from gateway.fhir.patient import PatientBinding, PatientIdentifier
from profiles.battery import BatteryLevel
from tests.fhir.helpers import PATIENT, bp, mapper

RECEIVED = dt.datetime(2018, 11, 11, 16, 40, tzinfo=dt.UTC)
UUID = re.compile(r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_bundle_order_and_requests() -> None:
    m = mapper()
    bundle = m.bundle([m.map(bp(pulse_rate=Decimal(72)), RECEIVED)])
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "transaction"
    kinds = [
        (e["resource"]["resourceType"], e["resource"]["meta"]["profile"][0].rsplit("/", 1)[1])
        for e in bundle["entry"]
    ]
    assert kinds == [
        ("Patient", "PhdPatient"),
        ("Device", "PhgDevice"),
        ("Device", "PhdDevice"),
        ("Observation", "PhdCoincidentTimeStampObservation"),
        ("Observation", "PhdCompoundNumericObservation"),
        ("Observation", "PhdNumericObservation"),
    ]
    for entry in bundle["entry"]:
        assert UUID.match(entry["fullUrl"])
        assert "id" not in entry["resource"]
    methods = [e["request"]["method"] for e in bundle["entry"]]
    # Devices are conditional updates (the IG's Device update pattern), the rest creates.
    assert methods == ["POST", "PUT", "PUT", "POST", "POST", "POST"]
    urls = [e["request"]["url"] for e in bundle["entry"]]
    assert urls[0] == "Patient"
    assert (
        urls[1]
        == "Device?identifier=urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680|EC-DE-3D-4E-58-53-2D-31"
    )
    assert (
        urls[2]
        == "Device?identifier=urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680|B0-49-5F-FF-FE-00-10-71"
    )
    assert urls[3:] == ["Observation"] * 3
    requests = [e["request"].get("ifNoneExist") for e in bundle["entry"]]
    assert requests[0] == "identifier=urn:oid:2.999.1.2.3.4.5.6.7.8.10|sisansarahId"
    assert requests[1] is None
    assert requests[2] is None
    # The coincident time stamp is matched on its upload identifier (re-sending is safe).
    coincident = bundle["entry"][3]
    upload_id = upload_identifier(coincident["fullUrl"])
    assert coincident["resource"]["identifier"] == [
        {"system": "urn:ietf:rfc:3986", "value": upload_id}
    ]
    assert upload_id != coincident["fullUrl"]  # servers rewrite full URLs wherever they are
    assert requests[3] == "identifier=urn:ietf:rfc:3986|" + upload_id
    assert requests[4] is not None
    assert requests[4].startswith(
        "identifier=http://hl7.org/fhir/uv/phd/StructureDefinition/PhdBaseObservation|"
        "B0495FFFFE001071-"
    )


def test_references_resolve_inside_the_bundle() -> None:
    m = mapper()
    bundle = m.bundle([m.map(bp(), RECEIVED)])
    urls = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    obs = bundle["entry"][-1]["resource"]
    assert urls[obs["subject"]["reference"]]["resourceType"] == "Patient"
    assert urls[obs["device"]["reference"]]["meta"]["profile"][0].endswith("PhdDevice")
    gateway = obs["extension"][0]["valueReference"]["reference"]
    assert urls[gateway]["meta"]["profile"][0].endswith("PhgDevice")
    coin = obs["extension"][1]["valueReference"]["reference"]
    assert urls[coin]["code"]["coding"][0]["code"] == "67975"
    assert urls[coin]["subject"] == obs["device"]


def test_if_none_exist_is_percent_encoded() -> None:
    text = identifier_search("urn:oid:1.2", "a+b c&d=e#f")
    assert text == "identifier=urn:oid:1.2|a%2Bb%20c%26d%3De%23f"


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("MRN,42", "MRN%5C%2C42"),  # \, : a comma is not the OR separator
        ("a$b", "a%5C%24b"),  # \$ : not a composite separator
        ("a|b", "a%5C|b"),  # \| : not the system|value separator
        ("a\\b", "a%5C%5Cb"),  # \\ : a literal backslash
    ],
)
def test_search_values_are_escaped_before_percent_encoding(value: str, escaped: str) -> None:
    """FHIR search: ``,`` ``$`` ``|`` and ``\\`` in a token value are escaped with ``\\``
    (field finding U3: ``MRN,42`` matched ``MRN`` OR ``42``)."""
    assert identifier_search("urn:oid:2.999", value) == f"identifier=urn:oid:2.999|{escaped}"
    assert unquote(identifier_search("urn:oid:2.999", value)).count("\\") >= 1


def _cache_keys(m: ConnectionMapper) -> list[str]:
    first = m.map(bp(), RECEIVED)
    assert isinstance(first, Mapped)
    return [str(p.entry.cache_key) for p in first.participants if p.entry is not None]


def test_device_cache_keys_carry_a_content_digest() -> None:
    patient, phg, phd, _coincident = _cache_keys(mapper())
    assert patient == "urn:oid:2.999.1.2.3.4.5.6.7.8.10|sisansarahId"
    sysid = "urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680|"
    assert re.fullmatch(re.escape(sysid + "EC-DE-3D-4E-58-53-2D-31#") + "[0-9a-f]{16}", phg)
    assert re.fullmatch(re.escape(sysid + "B0-49-5F-FF-FE-00-10-71#") + "[0-9a-f]{16}", phd)


def test_a_device_whose_content_changed_is_sent_again() -> None:
    """The IG's Device update pattern: a PhdDevice that gained a specialization (battery
    first, then a blood pressure reading) is not frozen at its first server version."""
    m = mapper()
    battery_only = m.map(BatteryLevel(80), RECEIVED)
    assert isinstance(battery_only, Mapped)
    phd_key = next(
        p.entry.cache_key
        for p in battery_only.participants
        if p.entry is not None and p.entry.resource["meta"]["profile"][0].endswith("PhdDevice")
    )
    assert phd_key is not None
    later = mapper(known={phd_key: "Device/8"})
    later.map(BatteryLevel(80), RECEIVED)
    with_bp = later.bundle([later.map(bp(), RECEIVED)])
    devices = [e for e in with_bp["entry"] if e["resource"]["resourceType"] == "Device"]
    phd = [e for e in devices if e["resource"]["meta"]["profile"][0].endswith("PhdDevice")]
    assert len(phd) == 1
    assert phd[0]["request"]["method"] == "PUT"
    codes_ = [s["systemType"]["coding"][0]["code"] for s in phd[0]["resource"]["specialization"]]
    assert "528391" in codes_  # blood pressure


def test_known_server_ids_are_referenced_not_resent() -> None:
    patient, phg, phd, _ = _cache_keys(mapper())
    known = {patient: "Patient/42", phg: "Device/7", phd: "Device/8"}
    m = mapper(known=known)
    bundle = m.bundle([m.map(bp(), RECEIVED)])
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Observation"] * 2
    obs = bundle["entry"][-1]["resource"]
    assert obs["subject"] == {"reference": "Patient/42"}
    assert obs["device"] == {"reference": "Device/8"}
    assert obs["extension"][0]["valueReference"] == {"reference": "Device/7"}
    coin = bundle["entry"][0]["resource"]
    assert coin["subject"] == {"reference": "Device/8"}
    assert coin["device"] == {"reference": "Device/7"}


def test_one_bundle_for_many_readings_sends_participants_once() -> None:
    m = mapper()
    results = [m.map(bp(systolic=Decimal(s)), RECEIVED) for s in (110, 120)]
    results.append(m.map(BatteryLevel(80), RECEIVED))
    bundle = m.bundle(results)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds.count("Patient") == 1
    assert kinds.count("Device") == 2
    full_urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(full_urls) == len(set(full_urls))


def test_two_patients_in_one_bundle() -> None:
    other = PatientIdentifier("urn:oid:2.999", "other")
    m = mapper(patients=PatientBinding(None, {1: PATIENT, 2: other}))
    bundle = m.bundle([m.map(bp(user_id=1), RECEIVED), m.map(bp(user_id=2), RECEIVED)])
    patients = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert len(patients) == 2
    subjects = {
        e["resource"]["subject"]["reference"]
        for e in bundle["entry"]
        if e["resource"]["meta"]["profile"][0].endswith("CompoundNumericObservation")
    }
    assert subjects == {p["fullUrl"] for p in patients}


def test_held_back_and_skipped_results_are_left_out() -> None:
    m = mapper()
    held = m.map(bp(user_id=5), RECEIVED)
    assert not isinstance(held, Mapped)
    assert m.bundle([held])["entry"] == []
