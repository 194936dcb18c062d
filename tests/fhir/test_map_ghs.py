"""Generic Health Sensor (ACOM) observations → PHD IG Observations, from the real GHS vectors
(tests/profiles/ghs_vectors.py: ST's and Philips' examples), each mapped and validated."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import event, given, settings

from gateway import exact_json
from gateway.fhir import codes
from gateway.fhir.connection import ConnectionMapper, Mapped
from gateway.fhir.mappers.ghs_device import feature_specializations
from gateway.fhir.mappers.ghs_time import device_clock
from gateway.fhir.mappers.ghs_values import GhsMappingError
from gateway.fhir.mdc_units import UCUM_BY_TERM
from gateway.fhir.patient import PatientBinding
from gateway.validation import validate_resource
from profiles._bytes import Reader
from profiles.elapsed_time import CurrentElapsedTime, ElapsedTime, TimeResolution
from profiles.ghs.health_observations import StoredObservation
from profiles.ghs.observation_codec import observation_bytes, read_observation
from profiles.ghs.observations import (
    BundleValue,
    CompoundComponent,
    CompoundValue,
    MeasurementStatus,
    NumericValue,
    Observation,
    SampleArrayValue,
    StringValue,
)
from profiles.ghs.service import DeviceSpecialization, HealthSensorFeatures
from profiles.ieee11073 import SpecialValue
from tests.fhir.helpers import GENERATED, PATIENT, mapper
from tests.profiles.ghs_vectors import (
    ST_BLOOD_PRESSURE,
    ST_NUMERIC,
    ST_PO_BUNDLE,
    ST_TIME,
    ST_TIME_STAMP,
    decode,
    h,
)
from tests.strategies.ghs import any_observations

RECEIVED = dt.datetime(2021, 11, 20, 12, 0, tzinfo=dt.UTC)
USERS = PatientBinding(PATIENT, dict.fromkeys(range(256), PATIENT))
# ST's vectors (tests/profiles/test_ghs_observations.py names each one).
ST_SAMPLE_ARRAY = h(
    "04", "2000", "0000", "b210", "4c060000", "00080000", "0a0000fd", "01", "01", "0a000000",
    "f907fb07f507ff070c08",
)  # fmt: skip
ST_BP_STATUS = h("05", "1400", "8100", "f0558000", "01", "40e20100", "02", "f0000300", "ae010300")
ST_STATE_EVENT = h(
    "06", "1800", "8100", "f0558000", "01", "40e20100", "04", "ffffffff", "ffffffff", "f0000300"
)
ST_SIMPLE_DISCRETE = h("02", "1800", "4300", "b84b0200", ST_TIME, "01", "3c4c0200", "62000000")
ST_TLV = h("08", "0d00", "0000", "01", "b84b0200", "0300", "04", "620000")


def ghs_mapper() -> ConnectionMapper:
    clock = device_clock(CurrentElapsedTime(ST_TIME_STAMP), RECEIVED)
    return mapper(patients=USERS, clock=clock)


def errors(resource: dict[str, Any]) -> list[str]:
    wire = json.loads(exact_json.dumps(resource))
    return [str(i) for i in validate_resource(wire) if i.severity == "error"]


def mapped(*observations: object) -> list[dict[str, Any]]:
    """The Observations of the messages mapped on one connection; the whole Bundle validates."""
    m = ghs_mapper()
    results = [m.map(o, RECEIVED) for o in observations]
    bundle = m.bundle(results)
    assert errors(bundle) == []
    return [e.resource for r in results if isinstance(r, Mapped) for e in r.entries]


def codings(concept: dict[str, Any]) -> list[str]:
    return [c["code"] for c in concept["coding"]]


def test_numeric_spo2_with_patient_and_supplemental_information() -> None:
    [spo2] = mapped(decode(ST_NUMERIC))
    assert codings(spo2["code"]) == ["150456"]
    assert spo2["valueQuantity"] == {
        "value": Decimal(98), "unit": "%", "system": codes.UCUM, "code": "%"
    }  # fmt: skip
    assert spo2["meta"]["profile"] == [codes.PROFILE_NUMERIC]
    [supplemental] = spo2["component"]
    assert codings(supplemental["code"]) == [codes.MDC_ATTR_SUPPLEMENTAL_TYPES]
    assert codings(supplemental["valueCodeableConcept"]) == [codes.MDC_MODALITY_SPOT]
    # A UTC clock synchronised over the cellular network: the stamp itself, no coincident stamp.
    assert spo2["effectiveDateTime"].startswith("2021-11-20T")
    assert "CoincidentTimeStampReference" not in json.dumps(spo2["extension"])
    assert spo2["identifier"][0]["value"].endswith("-150456-690724210-150588")


def test_bundle_members_share_the_bundle_header() -> None:
    spo2, pulse = mapped(decode(ST_PO_BUNDLE))
    assert codings(pulse["code"]) == ["149530"]
    assert pulse["valueQuantity"]["code"] == "/min"
    assert spo2["effectiveDateTime"] == pulse["effectiveDateTime"]
    assert codings(pulse["component"][0]["valueCodeableConcept"]) == [codes.MDC_MODALITY_SPOT]


def test_typed_bundle_is_a_group_with_has_member() -> None:
    bundle = dataclasses.replace(decode(ST_PO_BUNDLE), type=0x00024A04)
    group, _spo2, _pulse = mapped(bundle)
    assert codings(group["code"]) == ["150020"]
    assert "component" not in group or all(
        codings(c["code"]) == [codes.MDC_ATTR_SUPPLEMENTAL_TYPES] for c in group["component"]
    )
    m = ghs_mapper()
    result = m.map(bundle, RECEIVED)
    assert isinstance(result, Mapped)
    urls = [e.full_url for e in result.entries]
    assert result.entries[0].resource["hasMember"] == [{"reference": u} for u in urls[1:]]


def test_compound_blood_pressure_and_its_status_linked_by_object_id() -> None:
    bp_message = decode(ST_BLOOD_PRESSURE)
    status = decode(ST_BP_STATUS)
    bundle = Observation(BundleValue((bp_message, status)))
    bp, events = mapped(bundle)
    assert bp["meta"]["profile"] == [codes.PROFILE_COMPOUND_NUMERIC, codes.PROFILE_COMPOUND]
    assert [codings(c["code"]) for c in bp["component"]] == [["150021"], ["150022"], ["150023"]]
    assert [c["valueQuantity"]["value"] for c in bp["component"]] == [100, 60, 80]
    assert {c["valueQuantity"]["code"] for c in bp["component"]} == {"mm[Hg]"}
    assert [codings(c["valueCodeableConcept"]) for c in events["component"]] == [
        ["196848"],
        ["197038"],
    ]
    assert events["derivedFrom"] == [{"reference": m} for m in _urls(bundle)[:1]]


def _urls(o: Observation) -> list[str]:
    result = ghs_mapper().map(o, RECEIVED)
    assert isinstance(result, Mapped)
    return [e.full_url for e in result.entries]


def test_sample_array_is_sampled_data() -> None:
    [ecg] = mapped(dataclasses.replace(decode(ST_SAMPLE_ARRAY), type=0x00020101))
    assert ecg["meta"]["profile"] == [codes.PROFILE_RTSA]
    data = ecg["valueSampledData"]
    assert data["origin"] == {
        "value": Decimal(2048), "unit": "mV", "system": codes.UCUM, "code": "mV"
    }  # fmt: skip
    assert data["period"] == Decimal(10)  # 10e-3 s per sample, in ms
    assert data["factor"] == Decimal(1612)
    assert data["dimensions"] == 1
    assert data["data"] == "249 7 251 7 245 7 255 7 12 8"
    # Unstamped: reception time, an upload identifier.
    assert ecg["effectiveDateTime"].startswith("2021-11-20T")


def test_sample_array_period_from_the_measurement_duration() -> None:
    o = dataclasses.replace(decode(ST_SAMPLE_ARRAY), type=0x00020101)
    assert isinstance(o.value, SampleArrayValue)
    no_period = dataclasses.replace(o.value, samples_per_period=0)
    [ecg] = mapped(dataclasses.replace(o, value=no_period, measurement_duration=Decimal("0.5")))
    assert ecg["valueSampledData"]["period"] == Decimal(50)
    with pytest.raises(GhsMappingError, match="sample period"):
        mapped(dataclasses.replace(o, value=no_period))


def test_state_event_bits_only_those_the_ig_defines() -> None:
    [bits] = mapped(dataclasses.replace(decode(ST_STATE_EVENT), type=0x008055F0))
    assert bits["meta"]["profile"] == [codes.PROFILE_BITS]
    assert [c["code"]["coding"][0]["code"] for c in bits["component"]] == [
        f"8410608.{bit}" for bit in range(6)
    ]
    assert {c["valueBoolean"] for c in bits["component"]} == {False}


def test_simple_discrete_is_coded() -> None:
    [coded] = mapped(decode(ST_SIMPLE_DISCRETE))
    assert coded["meta"]["profile"] == [codes.PROFILE_CODED]
    assert codings(coded["valueCodeableConcept"]) == ["98"]


def test_stored_observation_maps_like_a_live_one() -> None:
    [stored] = mapped(StoredObservation(7, decode(ST_NUMERIC)))
    [live] = mapped(decode(ST_NUMERIC))
    assert stored["identifier"] == live["identifier"]


def test_tlv_encoded_is_refused() -> None:
    with pytest.raises(GhsMappingError, match="no Observation for ACOM class"):
        mapped(dataclasses.replace(decode(ST_TLV), type=0x00024BB8))


def test_untyped_observation_is_refused() -> None:
    with pytest.raises(GhsMappingError, match="without a type"):
        mapped(dataclasses.replace(decode(ST_NUMERIC), type=None))


def test_unknown_unit_is_refused() -> None:
    o = Observation(NumericValue(Decimal(1), 0x7777), type=0x00024BB8)
    with pytest.raises(GhsMappingError, match="0x7777 has no UCUM"):
        mapped(o)


def test_device_specializations_from_observations_and_features() -> None:
    m = ghs_mapper()
    m.map(decode(ST_BLOOD_PRESSURE), RECEIVED)
    entry = m.phd_participant().entry
    assert entry is not None
    device = entry.resource
    assert [codings(s["systemType"]) for s in device["specialization"]] == [["528391"]]
    features = HealthSensorFeatures((0x00024BB8,), (DeviceSpecialization(0x1007, 1),))
    assert feature_specializations(features) == ("528388", "528391")


def test_unset_clock_is_corrected_with_the_coincident_stamp() -> None:
    local = ElapsedTime(ST_TIME_STAMP.value, current_timeline=True)
    clock = device_clock(
        CurrentElapsedTime(dataclasses.replace(local, value=local.value + 60)), RECEIVED
    )
    m = mapper(patients=USERS, clock=clock)
    o = dataclasses.replace(decode(ST_NUMERIC), time_stamp=local)
    result = m.map(o, RECEIVED)
    assert isinstance(result, Mapped)
    [spo2] = [e.resource for e in result.entries]
    assert spo2["effectiveDateTime"] == "2021-11-20T06:59:00-05:00"  # 60 s before the clock read
    assert "CoincidentTimeStampReference" in json.dumps(spo2["extension"])
    assert errors(m.bundle([result])) == []


_UNITS = sorted(UCUM_BY_TERM)


def _known_units(o: Observation) -> Observation:
    """``o`` with every unit replaced by one PHG knows and a type on every single observation
    (an observation without one is refused: test_untyped_observation_is_refused), so that most
    examples map."""

    def fix(value: Any) -> Any:
        if isinstance(value, (NumericValue, SampleArrayValue)):
            return dataclasses.replace(value, unit=_UNITS[value.unit % len(_UNITS)])
        if isinstance(value, CompoundValue):
            return CompoundValue(
                tuple(CompoundComponent(c.type, fix(c.value)) for c in value.components)
            )
        if isinstance(value, BundleValue):
            return dataclasses.replace(
                value, observations=tuple(map(_known_units, value.observations))
            )
        return value

    if o.type is None and not isinstance(o.value, BundleValue):
        o = dataclasses.replace(o, type=0x00024BB8)
    return dataclasses.replace(o, value=fix(o.value))


@settings(GENERATED, max_examples=150)
@given(any_observations)
def test_every_generated_observation_validates_or_is_refused(observation: Observation) -> None:
    m = ghs_mapper()
    try:
        result = m.map(_known_units(observation), RECEIVED)
    except GhsMappingError:
        event("refused")
        return
    event(type(result).__name__)
    if isinstance(result, Mapped):
        for entry in result.entries:
            assert errors(entry.resource) == [], entry.resource


def test_measurement_status_and_unresolved_links() -> None:
    # The fields of test_every_optional_field (layout vector), on ST's time stamp.
    o = Observation(
        NumericValue(Decimal("36.90"), 0x17A0),
        type=int(codes.MDC_TEMP_BODY),
        time_stamp=ST_TIME_STAMP,
        measurement_duration=Decimal("1.0"),
        measurement_status=MeasurementStatus.INVALID | MeasurementStatus.TEST_DATA,
        object_id=7,
        patient_id=2,
        derived_from=(5, 6),
        has_member=(8,),
    )
    [temperature] = mapped(o)
    assert codings(temperature["code"]) == [codes.MDC_TEMP_BODY]
    assert temperature["status"] == "entered-in-error"
    assert "valueQuantity" not in temperature
    assert temperature["dataAbsentReason"]["coding"][0]["code"] == "error"
    assert temperature["meta"]["security"][0]["code"] == "HTEST"
    # Object ids 5, 6 and 8 are not in this message: no references to invent.
    assert "derivedFrom" not in temperature
    assert "hasMember" not in temperature


def test_special_value_is_a_data_absent_reason() -> None:
    o = dataclasses.replace(decode(ST_NUMERIC), value=NumericValue(SpecialValue.NAN, 0x0220))
    [spo2] = mapped(o)
    assert spo2["dataAbsentReason"]["coding"][0]["code"] == "not-a-number"


def test_string_observation() -> None:
    # ST's StringObservation has no type (refused: test_untyped_observation_is_refused).
    o = Observation(StringValue("Man"), type=0x00024BB8)
    [string] = mapped(o)
    assert string["meta"]["profile"] == [codes.PROFILE_STRING]
    assert string["valueString"] == "Man"
    with pytest.raises(GhsMappingError, match="space-padded"):
        mapped(dataclasses.replace(o, value=StringValue(" Man")))


def test_philips_length_form_bundle_maps_like_st() -> None:
    # Philips' simulator counts the header in the length (test_philips_length_form).
    bundle = decode(ST_PO_BUNDLE)
    r = Reader(observation_bytes(bundle, length_counts_header=True), "x")
    philips = read_observation(r, length_counts_header=True)
    assert [o["valueQuantity"] for o in mapped(philips)] == [
        o["valueQuantity"] for o in mapped(bundle)
    ]


def test_stamp_from_before_the_clock_was_set_is_a_time_fault() -> None:
    unset = dataclasses.replace(ST_TIME_STAMP, current_timeline=False, utc=False)
    clock = device_clock(CurrentElapsedTime(dataclasses.replace(unset, sync_source=0)), RECEIVED)
    m = mapper(patients=USERS, clock=clock)
    o = dataclasses.replace(
        decode(ST_NUMERIC), time_stamp=dataclasses.replace(unset, sync_source=0)
    )
    result = m.map(o, RECEIVED)
    assert isinstance(result, Mapped)
    bundle = m.bundle([result])
    assert errors(bundle) == []
    [coincident] = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["meta"]["profile"] == [codes.PROFILE_COINCIDENT]
    ]
    assert coincident["dataAbsentReason"]["text"].startswith("Sensor Time Fault: time stamp")


def test_ecg_strip_makes_an_ecg_device() -> None:
    m = ghs_mapper()
    m.map(dataclasses.replace(decode(ST_SAMPLE_ARRAY), type=0x00020101), RECEIVED)
    entry = m.phd_participant().entry
    assert entry is not None
    assert [codings(s["systemType"]) for s in entry.resource["specialization"]] == [
        [codes.MDC_DEV_SPEC_PROFILE_ECG]
    ]


def test_tick_counter_is_anchored_on_the_clock_read() -> None:
    now = ElapsedTime(100_000, TimeResolution.ONE_MILLISECOND, tick_counter=True)
    m = mapper(patients=USERS, clock=device_clock(CurrentElapsedTime(now), RECEIVED))
    earlier = dataclasses.replace(now, value=40_000)  # 60 s before the clock read
    result = m.map(dataclasses.replace(decode(ST_NUMERIC), time_stamp=earlier), RECEIVED)
    assert isinstance(result, Mapped)
    [spo2] = [e.resource for e in result.entries]
    assert spo2["effectiveDateTime"] == "2021-11-20T06:59:00-05:00"
    assert spo2["identifier"][0]["value"].endswith("-150456-40.000-150588")
    assert errors(m.bundle([result])) == []


def test_bundle_for_two_patients_is_refused() -> None:
    bundle = decode(ST_PO_BUNDLE)
    assert isinstance(bundle.value, BundleValue)
    first, second = bundle.value.observations
    two = BundleValue(
        (dataclasses.replace(first, patient_id=1), dataclasses.replace(second, patient_id=2))
    )
    with pytest.raises(GhsMappingError, match="different patients"):
        mapped(dataclasses.replace(bundle, value=two))


def test_sample_array_component_has_the_limits_the_ig_requires() -> None:
    strip = decode(ST_SAMPLE_ARRAY).value
    assert isinstance(strip, SampleArrayValue)
    lead_i = CompoundComponent(int(codes.MDC_ECG_ELEC_POTL_I), strip)
    [ecg] = mapped(Observation(CompoundValue((lead_i,)), type=int(codes.MDC_ECG_ELEC_POTL)))
    [component] = ecg["component"]
    assert codings(component["code"]) == [codes.MDC_ECG_ELEC_POTL_I]
    data = component["valueSampledData"]
    assert (data["lowerLimit"], data["upperLimit"]) == (0, 255)  # one byte per sample
    assert data["period"] == Decimal(10)
