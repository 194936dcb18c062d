"""Continuous Glucose Monitoring Service vectors, built by hand from the GSS / CGMS 1.0.1 layouts.

The E2E-CRC of each vector is computed by a bit-by-bit CRC-16/MCRF4XX written here from its
definition (independent of the module's table-driven one).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from profiles import cgm
from profiles.date_time import DateTime, DstOffset
from profiles.errors import DecodeError, EncodeError
from profiles.ieee11073 import SpecialValue
from tests.profiles.assertions import assert_decode_error


def reference_crc(data: bytes) -> int:
    """CRC-16/MCRF4XX: poly 0x1021 reflected (0x8408), init 0xFFFF, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


def with_crc(data: bytes) -> bytes:
    return data + reference_crc(data).to_bytes(2, "little")


def test_crc_check_value() -> None:
    assert cgm.e2e_crc16(b"123456789") == 0x6F91
    assert reference_crc(b"123456789") == 0x6F91


# --- CGM Measurement ---------------------------------------------------------------------------

MINIMAL = bytes.fromhex("06 00 6400 0500")  # 100 mg/dL at 5 minutes


def test_minimal_record() -> None:
    m = cgm.decode_cgm_measurement(MINIMAL)
    assert m == cgm.CgmMeasurement((cgm.CgmMeasurementRecord(Decimal(100), 5),))
    record = m.records[0]
    assert record.sensor_status == cgm.CgmSensorStatus(0)
    assert record.annunciation_octets == cgm.CgmAnnunciationOctets(0)
    assert (record.trend_mg_per_dl_per_min, record.quality_percent) == (None, None)
    assert record.e2e_crc is False
    assert cgm.encode_cgm_measurement(m) == MINIMAL


# size 13 + CRC = 15: flags 0xE3 (trend, quality, all three octets).
FULL_BODY = bytes.fromhex(
    "0f"  # size 15
    "e3"  # flags
    "f9f5"  # glucose: mantissa 0x5F9 = 1529, exponent -1 -> 152.9
    "e803"  # 1000 minutes
    "21"  # status octet: session stopped, general device fault
    "50"  # cal/temp octet: calibration pending (bit 6), temperature too high (bit 4)
    "81"  # warning octet: lower than patient low, higher than the device can process
    "f2ff"  # trend: mantissa -14, exponent -1 -> -1.4 mg/dL/min
    "5a00"  # quality 90 %
)
FULL = with_crc(FULL_BODY)


def test_all_fields_with_crc() -> None:
    m = cgm.decode_cgm_measurement(FULL)
    assert m == cgm.CgmMeasurement(
        (
            cgm.CgmMeasurementRecord(
                glucose_mg_per_dl=Decimal("152.9"),
                time_offset_minutes=1000,
                sensor_status=cgm.CgmSensorStatus.SESSION_STOPPED
                | cgm.CgmSensorStatus.GENERAL_DEVICE_FAULT
                | cgm.CgmSensorStatus.CALIBRATION_PENDING
                | cgm.CgmSensorStatus.SENSOR_TEMPERATURE_TOO_HIGH
                | cgm.CgmSensorStatus.RESULT_LOWER_THAN_PATIENT_LOW_LEVEL
                | cgm.CgmSensorStatus.RESULT_HIGHER_THAN_DEVICE_CAN_PROCESS,
                annunciation_octets=cgm.CgmAnnunciationOctets.STATUS
                | cgm.CgmAnnunciationOctets.CAL_TEMP
                | cgm.CgmAnnunciationOctets.WARNING,
                trend_mg_per_dl_per_min=Decimal("-1.4"),
                quality_percent=Decimal(90),
                e2e_crc=True,
            ),
        )
    )
    assert str(m.records[0].glucose_mg_per_dl) == "152.9"
    assert cgm.encode_cgm_measurement(m) == FULL
    assert cgm.decode_cgm_measurement(FULL, e2e_crc=True) == m


@pytest.mark.parametrize(
    ("flags", "octets", "expected"),
    [
        (0x80, "04", cgm.CgmSensorStatus.SENSOR_TYPE_INCORRECT_FOR_DEVICE),
        (0x40, "04", cgm.CgmSensorStatus.CALIBRATION_RECOMMENDED),
        (0x20, "04", cgm.CgmSensorStatus.RESULT_LOWER_THAN_HYPO_LEVEL),
        # Status, then cal/temp, then warning (the GSS field order).
        (
            0xE0,
            "010204",
            cgm.CgmSensorStatus.SESSION_STOPPED
            | cgm.CgmSensorStatus.CALIBRATION_NOT_ALLOWED
            | cgm.CgmSensorStatus.RESULT_LOWER_THAN_HYPO_LEVEL,
        ),
        (
            0xA0,
            "0208",
            cgm.CgmSensorStatus.DEVICE_BATTERY_LOW
            | cgm.CgmSensorStatus.RESULT_HIGHER_THAN_HYPER_LEVEL,
        ),
        (
            0x60,
            "0810",
            cgm.CgmSensorStatus.CALIBRATION_REQUIRED
            | cgm.CgmSensorStatus.RATE_OF_DECREASE_EXCEEDED,
        ),
        (
            0xC0,
            "2020",
            cgm.CgmSensorStatus.GENERAL_DEVICE_FAULT
            | cgm.CgmSensorStatus.SENSOR_TEMPERATURE_TOO_LOW,
        ),
    ],
)
def test_annunciation_octets(flags: int, octets: str, expected: cgm.CgmSensorStatus) -> None:
    raw = bytes.fromhex(octets)
    data = bytes((6 + len(raw), flags)) + bytes.fromhex("64000500") + raw
    record = cgm.decode_cgm_measurement(data).records[0]
    assert record.sensor_status == expected
    assert record.annunciation_octets == cgm.CgmAnnunciationOctets(flags)
    assert cgm.encode_cgm_measurement(cgm.CgmMeasurement((record,))) == data


def test_every_warning_bit() -> None:
    names = [
        "RESULT_LOWER_THAN_PATIENT_LOW_LEVEL",
        "RESULT_HIGHER_THAN_PATIENT_HIGH_LEVEL",
        "RESULT_LOWER_THAN_HYPO_LEVEL",
        "RESULT_HIGHER_THAN_HYPER_LEVEL",
        "RATE_OF_DECREASE_EXCEEDED",
        "RATE_OF_INCREASE_EXCEEDED",
        "RESULT_LOWER_THAN_DEVICE_CAN_PROCESS",
        "RESULT_HIGHER_THAN_DEVICE_CAN_PROCESS",
    ]
    for bit, name in enumerate(names):
        data = bytes((7, 0x20)) + bytes.fromhex("64000500") + bytes((1 << bit,))
        assert (
            cgm.decode_cgm_measurement(data).records[0].sensor_status == cgm.CgmSensorStatus[name]
        )


@pytest.mark.parametrize(
    ("trend", "quality", "status", "cal_temp", "warning"),
    list(itertools.product([False, True], repeat=5)),
)
def test_every_flag_combination(
    trend: bool, quality: bool, status: bool, cal_temp: bool, warning: bool
) -> None:
    flags = trend | quality << 1 | warning << 5 | cal_temp << 6 | status << 7
    body = bytes.fromhex("78000a00")  # 120 mg/dL at 10 minutes
    body += b"\x01" if status else b""
    body += b"\x02" if cal_temp else b""
    body += b"\x04" if warning else b""
    body += bytes.fromhex("0500") if trend else b""  # trend 5 mg/dL/min
    body += bytes.fromhex("6300") if quality else b""  # quality 99 %
    plain = bytes((2 + len(body), flags)) + body
    crc = with_crc(bytes((4 + len(body), flags)) + body)
    for data, has_crc in ((plain, False), (crc, True)):
        record = cgm.decode_cgm_measurement(data).records[0]
        assert record.glucose_mg_per_dl == Decimal(120)
        assert record.time_offset_minutes == 10
        assert record.trend_mg_per_dl_per_min == (Decimal(5) if trend else None)
        assert record.quality_percent == (Decimal(99) if quality else None)
        assert record.e2e_crc is has_crc
        expected_status = (
            (cgm.CgmSensorStatus.SESSION_STOPPED if status else 0)
            | (cgm.CgmSensorStatus.CALIBRATION_NOT_ALLOWED if cal_temp else 0)
            | (cgm.CgmSensorStatus.RESULT_LOWER_THAN_HYPO_LEVEL if warning else 0)
        )
        assert record.sensor_status == expected_status
        assert cgm.encode_cgm_measurement(cgm.CgmMeasurement((record,))) == data


def test_several_records_in_one_value() -> None:
    second = with_crc(bytes.fromhex("0a01ff070f000300"))  # trend, NaN glucose
    data = MINIMAL + FULL + second
    m = cgm.decode_cgm_measurement(data)
    assert len(m.records) == 3
    assert m.records[0].time_offset_minutes == 5
    assert m.records[1].time_offset_minutes == 1000
    assert m.records[2].glucose_mg_per_dl is SpecialValue.NAN
    assert m.records[2].trend_mg_per_dl_per_min == Decimal(3)
    assert cgm.encode_cgm_measurement(m) == data


def test_reserved_bits_are_ignored() -> None:
    # Flag bits 2-4, status bits 6-7 and cal/temp bit 7 are reserved.
    noisy = cgm.decode_cgm_measurement(bytes.fromhex("08dc64000500c080"))
    plain = cgm.decode_cgm_measurement(bytes.fromhex("08c0640005000000"))
    assert noisy == plain
    assert noisy.records[0].sensor_status == cgm.CgmSensorStatus(0)
    assert noisy.records[0].annunciation_octets == (
        cgm.CgmAnnunciationOctets.STATUS | cgm.CgmAnnunciationOctets.CAL_TEMP
    )


def test_e2e_crc_parameter() -> None:
    # Feature says supported: the CRC must be there; not supported: it must not.
    assert cgm.decode_cgm_measurement(MINIMAL, e2e_crc=False).records[0].e2e_crc is False
    with pytest.raises(DecodeError) as caught:
        cgm.decode_cgm_measurement(MINIMAL, e2e_crc=True)
    assert caught.value.offset == 0
    with pytest.raises(DecodeError) as caught:
        cgm.decode_cgm_measurement(MINIMAL + FULL, e2e_crc=False)
    assert caught.value.offset == 6
    assert "does not support" in caught.value.reason


def test_wrong_crc() -> None:
    bad = FULL[:-2] + bytes((FULL[-2] ^ 1, FULL[-1]))
    for e2e in (None, True):
        with pytest.raises(DecodeError) as caught:
            cgm.decode_cgm_measurement(bad, e2e_crc=e2e)
        assert caught.value.offset == 13
        assert "E2E-CRC" in caught.value.reason


@pytest.mark.parametrize(
    ("hex_value", "offset"),
    [
        ("", 0),  # no record at all
        ("06", 1),  # flags missing
        ("0600", 2),  # glucose missing
        ("060064", 2),  # glucose cut short
        ("06006400", 4),  # time offset missing
        ("0500640005", 0),  # size 5 < 6
        ("0700640005", 0),  # size 7 matches neither 6 nor 8
        ("0a006400050000", 0),  # size 10 matches neither 6 nor 8
        ("0780640005", 4),  # time offset cut short
        ("078064000500", 6),  # status octet missing
        ("0760640005000100", 0),  # two octets flagged, size says one
        ("08606400050001", 7),  # cal/temp present, warning octet missing
        ("080164000500", 6),  # trend missing
        ("08016400050005", 6),  # trend cut short
        ("0a03640005000500", 8),  # quality missing
        ("0a0364000500050063", 8),  # quality cut short
        ("08006400050000", 6),  # CRC missing (size says 8)
        ("0800640005000000", 6),  # CRC wrong
        ("060064000500ff", 7),  # trailing byte: a record of size 255 without flags
        ("06006400050006", 7),  # second record cut short
    ],
)
def test_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(cgm.decode_cgm_measurement, hex_value, "cgm-measurement", offset)


def test_encode_rejects_status_bits_without_their_octet() -> None:
    record = cgm.CgmMeasurementRecord(
        Decimal(100),
        5,
        cgm.CgmSensorStatus.RESULT_LOWER_THAN_HYPO_LEVEL,
        cgm.CgmAnnunciationOctets.STATUS,
    )
    with pytest.raises(EncodeError):
        cgm.encode_cgm_measurement(cgm.CgmMeasurement((record,)))
    with pytest.raises(EncodeError):
        cgm.encode_cgm_measurement(cgm.CgmMeasurement(()))
    with pytest.raises(EncodeError):
        cgm.encode_cgm_measurement(
            cgm.CgmMeasurement((cgm.CgmMeasurementRecord(Decimal(100), 0x10000),))
        )


# --- CGM Feature -------------------------------------------------------------------------------


def test_feature_with_e2e_crc() -> None:
    # Calibration, E2E-CRC, trend, quality; interstitial fluid (9) / subcutaneous tissue (5).
    data = with_crc(bytes.fromhex("01900159"))
    value = cgm.decode_cgm_feature(data)
    assert value == cgm.CgmFeature(
        cgm.CgmFeatureBits.CALIBRATION
        | cgm.CgmFeatureBits.E2E_CRC
        | cgm.CgmFeatureBits.CGM_TREND_INFORMATION
        | cgm.CgmFeatureBits.CGM_QUALITY,
        cgm.CgmType.INTERSTITIAL_FLUID,
        cgm.CgmSampleLocation.SUBCUTANEOUS_TISSUE,
    )
    assert cgm.encode_cgm_feature(value) == data


def test_feature_without_e2e_crc() -> None:
    data = bytes.fromhex("020000f1ffff")  # patient alerts; capillary WB, not available
    value = cgm.decode_cgm_feature(data)
    assert value.features == cgm.CgmFeatureBits.PATIENT_HIGH_LOW_ALERTS
    assert value.type is cgm.CgmType.CAPILLARY_WHOLE_BLOOD
    assert value.sample_location is cgm.CgmSampleLocation.NOT_AVAILABLE
    assert cgm.encode_cgm_feature(value) == data
    # Unsupported: the CRC field is a don't-care; reserved bits 17-23 are ignored.
    assert cgm.decode_cgm_feature(bytes.fromhex("0200fef10000")) == value


def test_feature_reserved_nibbles_kept_as_int() -> None:
    value = cgm.decode_cgm_feature(bytes.fromhex("0000006bffff"))
    assert value.type == 11
    assert type(value.type) is int
    assert value.sample_location == 6
    assert type(value.sample_location) is int
    assert cgm.CgmFeature(cgm.CgmFeatureBits(0), 9, 5) == cgm.CgmFeature(
        cgm.CgmFeatureBits(0),
        cgm.CgmType.INTERSTITIAL_FLUID,
        cgm.CgmSampleLocation.SUBCUTANEOUS_TISSUE,
    )


@pytest.mark.parametrize(
    ("hex_value", "offset"),
    [
        ("", 0),
        ("0190", 0),
        ("019001", 3),
        ("01900159", 4),
        ("0190015900", 4),
        ("019001590000", 4),  # E2E-CRC supported, wrong CRC
        ("000000f1ffff00", 6),
    ],
)
def test_feature_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(cgm.decode_cgm_feature, hex_value, "cgm-feature", offset)


# --- Session Start Time / Run Time ---------------------------------------------------------------

START = bytes.fromhex("ea07030e0800000404")  # 2026-03-14 08:00, UTC+1, DST


def test_session_start_time() -> None:
    value = cgm.decode_cgm_session_start_time(START)
    assert value == cgm.CgmSessionStartTime(
        DateTime(2026, 3, 14, 8, 0, 0), 4, DstOffset.DAYLIGHT_TIME, e2e_crc=False
    )
    assert cgm.encode_cgm_session_start_time(value) == START
    assert value.utc_offset() == dt.timedelta(hours=2)
    crc = with_crc(START)
    with_e2e = cgm.decode_cgm_session_start_time(crc)
    assert with_e2e.e2e_crc is True
    assert cgm.encode_cgm_session_start_time(with_e2e) == crc
    assert cgm.decode_cgm_session_start_time(crc, e2e_crc=True) == with_e2e


def test_record_time() -> None:
    start = cgm.decode_cgm_session_start_time(START)
    record = cgm.CgmMeasurementRecord(Decimal(100), 90)
    expected = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert cgm.record_time(start, record) == expected
    assert record.time(start) == expected
    unknown_zone = cgm.CgmSessionStartTime(DateTime(2026, 3, 14, 8, 0, 0), -128, DstOffset.UNKNOWN)
    assert record.time(unknown_zone) == dt.datetime(2026, 3, 14, 9, 30)
    unknown_date = cgm.CgmSessionStartTime(DateTime(0, 0, 0, 8, 0, 0), 4, DstOffset.STANDARD_TIME)
    assert record.time(unknown_date) is None


@pytest.mark.parametrize(
    ("hex_value", "e2e", "offset"),
    [
        ("", None, 0),
        ("ea07030e080000", None, 7),  # time zone missing
        ("ea07030e08000004", None, 8),  # DST missing
        ("ea070d0e0800000400", None, 0),  # month 13
        ("ea07030e0800003900", None, 7),  # time zone 57
        ("ea07030e0800000403", None, 8),  # DST offset 3
        ("ea07030e080000040400", None, 9),  # CRC cut short
        ("ea07030e08000004040000", None, 9),  # CRC wrong
        ("ea07030e0800000404", True, 9),  # CRC required but absent
        (with_crc(START).hex(), False, 9),  # CRC present but not supported
    ],
)
def test_session_start_time_malformed(hex_value: str, e2e: bool | None, offset: int) -> None:
    with pytest.raises(DecodeError) as caught:
        cgm.decode_cgm_session_start_time(bytes.fromhex(hex_value), e2e_crc=e2e)
    assert caught.value.characteristic == "cgm-session-start-time"
    assert caught.value.offset == offset


def test_session_run_time() -> None:
    value = cgm.decode_cgm_session_run_time(bytes.fromhex("5001"))
    assert value == cgm.CgmSessionRunTime(336)  # two weeks
    assert cgm.encode_cgm_session_run_time(value) == bytes.fromhex("5001")
    crc = with_crc(bytes.fromhex("5001"))
    assert cgm.decode_cgm_session_run_time(crc) == cgm.CgmSessionRunTime(336, e2e_crc=True)
    assert cgm.encode_cgm_session_run_time(cgm.CgmSessionRunTime(336, e2e_crc=True)) == crc


@pytest.mark.parametrize(
    ("hex_value", "e2e", "offset"),
    [
        ("", None, 0),
        ("50", None, 0),
        ("500100", None, 2),
        ("50010000", None, 2),  # wrong CRC
        ("5001", True, 2),
        (with_crc(bytes.fromhex("5001")).hex(), False, 2),
        (with_crc(bytes.fromhex("5001")).hex() + "00", None, 4),
    ],
)
def test_session_run_time_malformed(hex_value: str, e2e: bool | None, offset: int) -> None:
    with pytest.raises(DecodeError) as caught:
        cgm.decode_cgm_session_run_time(bytes.fromhex(hex_value), e2e_crc=e2e)
    assert caught.value.characteristic == "cgm-session-run-time"
    assert caught.value.offset == offset
