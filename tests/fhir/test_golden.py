"""Structural comparison with the IG's own examples (tests/fixtures/phd-ig-golden).

Compared: the parts PHG must produce identically (profiles, status, category and code codings,
components with values or dataAbsentReason, effective time, device content). Not compared:
resource ids and reference targets (PHG uses urn:uuid), ``text``/``display`` decoration, and the
IG example defects (SYSID printed in air order, lower-case PHG ids, v1 identifiers).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from gateway.fhir.coincident import coincident_time_stamp
from gateway.fhir.phd_device import phd_device
from gateway.fhir.phg_device import PhgConfig, phg_device
from gateway.fhir.timeline import DeviceClock, WallClockStamp
from profiles.blood_pressure import BloodPressureMeasurementStatus
from profiles.ieee11073 import SpecialValue
from tests.fhir.helpers import NEW_YORK, OMRON, PATIENT, bp, golden, mapper, resources


def codings(concept: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["system"], c["code"]) for c in concept["coding"]]


def components(resource: dict[str, Any]) -> list[Any]:
    out = []
    for comp in resource["component"]:
        value = comp.get("valueQuantity")
        if value is not None:
            value = dict(value)
            value["value"] = Decimal(str(value["value"]))
        dar = comp.get("dataAbsentReason")
        out.append(
            (
                codings(comp["code"]),
                value,
                codings(dar) if dar else None,
                comp.get("valueBoolean"),
            )
        )
    return out


def frame(resource: dict[str, Any]) -> dict[str, Any]:
    return {
        "profile": sorted(resource["meta"]["profile"]),
        "status": resource["status"],
        "category": sorted(c for cat in resource.get("category", []) for c in codings(cat)),
        "code": codings(resource["code"]),
        "extensions": sorted(e["url"] for e in resource.get("extension", [])),
        "effective": resource.get("effectiveDateTime"),
        "has_subject": "reference" in resource["subject"],
        "has_device": "reference" in resource["device"],
    }


def test_compound_blood_pressure_matches_ig_example() -> None:
    ours = resources(mapper().map(bp(), dt.datetime(2018, 11, 11, 16, 40, tzinfo=dt.UTC)))[0]
    ig = golden("compound-numeric-blood-pressure.json")
    assert frame(ours) == frame(ig)
    assert components(ours) == components(ig)


def test_compound_blood_pressure_without_mean_matches_ig_example() -> None:
    measurement = bp(mean_arterial_pressure=SpecialValue.NAN)
    ours = resources(mapper().map(measurement, dt.datetime(2018, 11, 11, 16, 40, tzinfo=dt.UTC)))
    ig = golden("compound-numeric-blood-pressure-no-mean.json")
    assert frame(ours[0]) == frame(ig)
    assert components(ours[0]) == components(ig)


def test_bp_status_matches_ig_example_components() -> None:
    status = BloodPressureMeasurementStatus(
        body_movement_detected=True, improper_measurement_position=True
    )
    ours = resources(mapper().map(bp(status=status), dt.datetime(2018, 11, 11, 17, tzinfo=dt.UTC)))
    ig = golden("bpm-status.json")
    status_obs = ours[-1]
    assert components(status_obs) == components(ig)
    assert {k: v for k, v in frame(status_obs).items() if k != "effective"} == {
        k: v for k, v in frame(ig).items() if k != "effective"
    }
    assert len(status_obs["derivedFrom"]) == 1


def test_coincident_time_stamp_matches_ig_example() -> None:
    clock = DeviceClock(
        read_at=dt.datetime(2018, 11, 11, 16, 38, 10, tzinfo=dt.UTC),
        device_now=WallClockStamp(dt.datetime(2018, 11, 11, 11, 38, 10)),
        sync_method="532234",
    )
    ours = coincident_time_stamp(clock, "Device/phd", "Device/phg", NEW_YORK)
    ig = golden("coin-20181119174911.json")
    for key in ("status", "effectiveDateTime", "valueDateTime"):
        assert ours[key] == ig[key]
    assert ours["meta"] == ig["meta"]
    assert codings(ours["code"]) == codings(ig["code"])
    assert [
        (codings(c["code"]), codings(c["valueCodeableConcept"])) for c in ours["component"]
    ] == [(codings(c["code"]), codings(c["valueCodeableConcept"])) for c in ig["component"]]


def test_time_fault_coincident_time_stamp_matches_ig_example() -> None:
    clock = DeviceClock(read_at=dt.datetime(2018, 11, 20, 9, 50, 47, tzinfo=dt.UTC))
    ours = coincident_time_stamp(clock, "Device/phd", "Device/phg", NEW_YORK)
    ig = golden("coin-example-timefault.json")
    assert ours["effectiveDateTime"] == ig["effectiveDateTime"]
    assert ours["dataAbsentReason"] == ig["dataAbsentReason"]
    assert "valueDateTime" not in ours


def test_phd_device_matches_ig_example() -> None:
    ours = phd_device(OMRON, ["528391"])
    ig = golden("phd-711000FEFF5F49B0.B0495F001071.json")
    for key in ("meta", "manufacturer", "serialNumber", "modelNumber"):
        assert ours[key] == ig[key]
    assert codings(ours["type"]) == codings(ig["type"])
    assert [(codings(s["systemType"]), s["version"]) for s in ours["specialization"]] == [
        (codings(s["systemType"]), s["version"]) for s in ig["specialization"]
    ]
    assert [(codings(v["type"]), v["value"]) for v in ours["version"]] == [
        (codings(v["type"]), v["value"]) for v in ig["version"]
    ]
    assert [(codings(p["type"]), codings(p["valueCode"][0])) for p in ours["property"]] == [
        (codings(p["type"]), codings(p["valueCode"][0])) for p in ig["property"]
    ]
    # Identifiers: same types and systems; BTMAC equal; SYSID in canonical order where the
    # example prints the DIS air order (IG example defect, phd-ig-notes §3).
    assert [(i["system"], codings(i["type"])) for i in ours["identifier"]] == [
        (i["system"], codings(i["type"])) for i in ig["identifier"]
    ]
    assert ours["identifier"][1]["value"] == ig["identifier"][1]["value"]
    ig_sysid = ig["identifier"][0]["value"].split("-")
    assert ours["identifier"][0]["value"] == "-".join(reversed(ig_sysid))


def test_phg_device_matches_ig_example() -> None:
    ours = phg_device(PhgConfig(bytes.fromhex("ECDE3D4E58532D31"), software_version="1.0.0"))
    ig = golden("phg-example.json")
    assert ours["meta"] == ig["meta"]
    assert codings(ours["type"]) == codings(ig["type"])
    assert [(codings(s["systemType"]), s["version"]) for s in ours["specialization"]] == [
        (codings(s["systemType"]), s["version"]) for s in ig["specialization"]
    ]
    assert (codings(ours["version"][0]["type"]), ours["version"][0]["value"]) == (
        codings(ig["version"][0]["type"]),
        ig["version"][0]["value"],
    )
    assert codings(ours["property"][0]["type"]) == codings(ig["property"][0]["type"])
    # SYSID: same system and type; the example's value is lower case (IG example defect).
    ours_id, ig_id = ours["identifier"][0], ig["identifier"][0]
    assert (ours_id["system"], codings(ours_id["type"])) == (
        ig_id["system"],
        codings(ig_id["type"]),
    )
    assert ours_id["value"] == ig_id["value"].upper()


def test_patient_matches_ig_example_without_name() -> None:
    ours = PATIENT.resource()
    ig = golden("patientExample-1.json")
    assert ours["meta"] == ig["meta"]
    assert ours["identifier"] == ig["identifier"]
    assert "name" not in ours  # no PII leaves the gateway
