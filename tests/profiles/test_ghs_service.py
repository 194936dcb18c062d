"""Health Sensor Features, GHS Control Point, Observation Schedule, Valid Range and Accuracy,
and RACP as GHS uses it.

Vectors and their sources: tests/profiles/ghs_vectors.py.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profiles.errors import DecodeError, EncodeError
from profiles.ghs import service as ghs_service
from profiles.ghs.racp import (
    GhsRacpNumberOfRecords,
    GhsRacpOpCode,
    GhsRacpRequest,
    GhsRacpResponseCode,
    GhsRacpResponseCodeValue,
    decode_ghs_racp,
    encode_ghs_racp,
)
from profiles.racp import RacpOperator
from profiles.registry import lookup
from tests.profiles.ghs_vectors import (
    MDC_DIM_PER_CENT,
    MDC_PULS_OXIM_PULS_RATE,
    MDC_PULS_OXIM_SAT_O2,
    h,
)

# --- Features, control point, schedule, valid range ---------------------------------------------


def test_st_features_with_device_specialization() -> None:
    # ST GHS_APP_Init: SpO2 and pulse rate, blood pressure monitor specialization 0x1007 v1.
    data = h("01", "02", "b84b0200", "1a480200", "01", "071001")
    value = ghs_service.decode_health_sensor_features(data)
    assert value == ghs_service.HealthSensorFeatures(
        (MDC_PULS_OXIM_SAT_O2, MDC_PULS_OXIM_PULS_RATE),
        (ghs_service.DeviceSpecialization(0x1007, 1),),
    )
    assert value.device_specializations[0].mdc_code == 0x00081007  # type: ignore[index]
    assert ghs_service.encode_health_sensor_features(value) == data


def test_st_po_features_without_specializations() -> None:
    data = h("00", "02", "b84b0200", "1a480200")
    value = ghs_service.decode_health_sensor_features(data)
    assert value.device_specializations is None
    assert ghs_service.encode_health_sensor_features(value) == data
    # Reserved flag bits are ignored.
    assert ghs_service.decode_health_sensor_features(
        h("fe", "00")
    ) == ghs_service.HealthSensorFeatures(())


@pytest.mark.parametrize(
    ("hex_value", "expected"),
    [
        (
            "01",
            ghs_service.GhsControlPoint(
                ghs_service.GhsControlPointOpCode.START_SEND_LIVE_OBSERVATIONS
            ),
        ),
        (
            "02",
            ghs_service.GhsControlPoint(
                ghs_service.GhsControlPointOpCode.STOP_SEND_LIVE_OBSERVATIONS
            ),
        ),
        ("80", ghs_service.GhsControlPoint(ghs_service.GhsControlPointOpCode.SUCCESS)),
        ("81", ghs_service.GhsControlPoint(ghs_service.GhsControlPointOpCode.SERVER_BUSY)),
        (
            "82",
            ghs_service.GhsControlPoint(
                ghs_service.GhsControlPointOpCode.ERROR_IN_LIVE_OBSERVATIONS
            ),
        ),
        ("03aabb", ghs_service.GhsControlPoint(3, b"\xaa\xbb")),
    ],
)
def test_control_point(hex_value: str, expected: ghs_service.GhsControlPoint) -> None:
    # ST ghs_cp.c and Philips GhsControlPointHandler.kt op codes.
    assert ghs_service.decode_ghs_control_point(bytes.fromhex(hex_value)) == expected
    assert ghs_service.encode_ghs_control_point(expected).hex() == hex_value


def test_control_point_errors() -> None:
    with pytest.raises(DecodeError):
        ghs_service.decode_ghs_control_point(b"")
    with pytest.raises(DecodeError, match="overlong"):
        ghs_service.decode_ghs_control_point(b"\x01\x00")
    with pytest.raises(EncodeError):
        ghs_service.encode_ghs_control_point(
            ghs_service.GhsControlPoint(ghs_service.GhsControlPointOpCode.SUCCESS, b"\x00")
        )
    assert (
        ghs_service.GhsControlPoint.start_live_observations()
        == ghs_service.decode_ghs_control_point(b"\x01")
    )
    assert (
        ghs_service.GhsControlPoint.stop_live_observations()
        == ghs_service.decode_ghs_control_point(b"\x02")
    )


def test_st_observation_schedule_changed() -> None:
    # ST GHS_APP_UpdateObservationScheduleChanged: SpO2, period and interval 0xFF00000A (1.0 s).
    data = h("b84b0200", "0a0000ff", "0a0000ff")
    value = ghs_service.decode_observation_schedule_changed(data)
    assert value == ghs_service.ObservationSchedule(
        MDC_PULS_OXIM_SAT_O2, Decimal("1.0"), Decimal("1.0")
    )
    assert str(value.measurement_period) == "1.0"
    assert ghs_service.decode_observation_schedule(data) == value
    assert ghs_service.encode_observation_schedule(value) == data
    with pytest.raises(DecodeError) as caught:
        ghs_service.decode_observation_schedule(data[:-1])
    assert caught.value.characteristic == "observation-schedule"


def test_st_valid_range_and_accuracy() -> None:
    # ST ValidRangeAccuracy[0] {0x01, 0x0220, 0, 100, 10} as written to the 18-byte descriptor.
    data = h("01000000", "2002", "00000000", "64000000", "0a000000")
    value = ghs_service.decode_valid_range_and_accuracy(data)
    assert value == ghs_service.ValidRangeAndAccuracy(
        1, MDC_DIM_PER_CENT, Decimal(0), Decimal(100), Decimal(10)
    )
    assert ghs_service.encode_valid_range_and_accuracy(value) == data


# --- RACP as GHS uses it -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hex_value", "expected"),
    [
        # Philips getRecordsAbove(5): combined report, >=, record number filter.
        ("07030105000000", GhsRacpRequest.records_from(GhsRacpOpCode.COMBINED_REPORT, 5)),
        # Philips getNumberOfRecords, getAllRecords, abortGetRecords, deleteRecordsBelow(9).
        ("0401", GhsRacpRequest(GhsRacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS, 1)),
        ("0701", GhsRacpRequest(GhsRacpOpCode.COMBINED_REPORT, RacpOperator.ALL_RECORDS)),
        ("0300", GhsRacpRequest(GhsRacpOpCode.ABORT_OPERATION)),
        ("02020109000000", GhsRacpRequest(2, 2, 1, None, 9)),
        # Layout: within range 1..0x01020304 of record numbers.
        ("0104010100000004030201", GhsRacpRequest(1, 4, 1, 1, 0x01020304)),
        # ST number of stored records response (uint32) and response codes.
        ("05002c010000", GhsRacpNumberOfRecords(300)),
        ("080003000000", GhsRacpNumberOfRecords(3, combined_report=True)),
        ("06000701", GhsRacpResponseCode(7, GhsRacpResponseCodeValue.SUCCESS)),
        ("0600010a", GhsRacpResponseCode(1, GhsRacpResponseCodeValue.SERVER_BUSY)),
        # Unknown filter type, operator and op code keep their operand.
        ("010302aabb", GhsRacpRequest(1, 3, 2, unparsed_operand=b"\xaa\xbb")),
        ("0109aa", GhsRacpRequest(1, 9, unparsed_operand=b"\xaa")),
        ("0901aa", GhsRacpRequest(9, 1, unparsed_operand=b"\xaa")),
    ],
)
def test_ghs_racp(hex_value: str, expected: object) -> None:
    value = decode_ghs_racp(bytes.fromhex(hex_value))
    assert value == expected
    assert encode_ghs_racp(value).hex() == hex_value


@pytest.mark.parametrize(
    ("hex_value", "offset"),
    [("05", 1), ("050100000000", 1), ("0500000000", 2), ("070301050000", 3), ("0401ff", 2)],
)
def test_ghs_racp_malformed(hex_value: str, offset: int) -> None:
    with pytest.raises(DecodeError) as caught:
        decode_ghs_racp(bytes.fromhex(hex_value))
    assert caught.value.offset == offset


@pytest.mark.parametrize(
    "request_value",
    [
        GhsRacpRequest(5),
        GhsRacpRequest(1, 3, 1),
        GhsRacpRequest(1, 3, 1, 1, 2),
        GhsRacpRequest(1, 1, 1),
        GhsRacpRequest(1, 1, unparsed_operand=b"\x00"),
        GhsRacpRequest(1, 3, 1, 1 << 32),
        GhsRacpRequest(1, 3, 2, 1),
    ],
)
def test_ghs_racp_unencodable(request_value: GhsRacpRequest) -> None:
    with pytest.raises(EncodeError):
        encode_ghs_racp(request_value)


@settings(max_examples=2000, deadline=None)
@given(st.binary(max_size=16))
def test_ghs_racp_any_bytes(data: bytes) -> None:
    error: DecodeError | None = None
    try:
        value = decode_ghs_racp(data)
    except DecodeError as exc:
        error = exc
    if error is not None:
        assert 0 <= error.offset <= len(data)
        return
    assert encode_ghs_racp(value) == data


def test_registry_names() -> None:
    for key, name in [
        ("2B8B", "live-health-observations"),
        ("2BDD", "stored-health-observations"),
        ("2BF3", "health-sensor-features"),
        ("2BF4", "ghs-control-point"),
        ("2BF1", "observation-schedule-changed"),
        ("2910", "observation-schedule"),
        ("2911", "valid-range-and-accuracy"),
        ("2BF2", "current-elapsed-time"),
    ]:
        assert lookup(key).name == name
