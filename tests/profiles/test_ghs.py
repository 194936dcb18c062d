"""Generic Health Sensor vectors.

ST = ST's STM32WBA-BLE-GenericHealthSensor example (github.com/stm32-hotspot/
STM32WBA-BLE-GenericHealthSensor, commit cedc31b, Projects/NUCLEO-WBA55CG/Applications/BLE/
BLE_GenericHealthSensor/STM32_WPAN/App/ghs_app.c), copied byte for byte from its arrays.
ST-PO = the pulse oximeter of STM32CubeWBA (commit 92e834c, Projects/NUCLEO-WBA25CE/
Applications/BLE/BLE_GenericHealth_PulseOximeter/STM32_WPAN/App/ghs_app.c).
Philips = Philips' BLE-GHS-Client-Example (commit 4850963, GhsRacpHandler.kt,
GhsControlPointHandler.kt). Vectors marked "layout" are ours, built by hand from the layouts in
the module docstrings.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profiles._bytes import Reader
from profiles.elapsed_time import ElapsedTime, TimeResolution, TimeSyncSource
from profiles.errors import DecodeError, EncodeError
from profiles.ghs.health_observations import (
    HealthObservationReassembler,
    LiveHealthObservationSegment,
    StoredHealthObservationSegment,
    StoredObservation,
    decode_live_health_observations,
    decode_stored_health_observations,
    encode_live_health_observations,
    encode_stored_health_observations,
    live_observation_segments,
    stored_observation_segments,
)
from profiles.ghs.observations import (
    BundleValue,
    CompoundComponent,
    CompoundDiscreteEventValue,
    CompoundStateEventValue,
    CompoundValue,
    MeasurementStatus,
    NumericValue,
    Observation,
    ObservationClass,
    SampleArrayValue,
    SimpleDiscreteValue,
    StringValue,
    Tlv,
    TlvValue,
    UnknownValue,
    observation_bytes,
    read_observation,
)
from profiles.ghs.racp import (
    GhsRacpNumberOfRecords,
    GhsRacpOpCode,
    GhsRacpRequest,
    GhsRacpResponseCode,
    GhsRacpResponseCodeValue,
    decode_ghs_racp,
    encode_ghs_racp,
)
from profiles.ghs.service import (
    DeviceSpecialization,
    GhsControlPoint,
    GhsControlPointOpCode,
    HealthSensorFeatures,
    ObservationSchedule,
    ValidRangeAndAccuracy,
    decode_ghs_control_point,
    decode_health_sensor_features,
    decode_observation_schedule,
    decode_observation_schedule_changed,
    decode_valid_range_and_accuracy,
    encode_ghs_control_point,
    encode_health_sensor_features,
    encode_observation_schedule,
    encode_valid_range_and_accuracy,
)
from profiles.racp import RacpOperator
from profiles.registry import lookup
from tests.strategies.ghs import any_observations, stored_observations


def h(*parts: str) -> bytes:
    """Hex pieces (kept apart for reading) as bytes."""
    return bytes.fromhex("".join(parts))


MDC_PULS_OXIM_SAT_O2 = 0x00024BB8
MDC_PULS_OXIM_PULS_RATE = 0x0002481A
MDC_MODALITY_SPOT = 0x00024C3C
MDC_DIM_PER_CENT = 0x0220
MDC_DIM_BEAT_PER_MIN = 0x0AA0
MDC_DIM_MMHG = 0x0F20
MDC_DIM_MILLI_VOLT = 0x10B2
ST_TIME = "22729d2b2900000600"  # UTC, current timeline, seconds, 690724210 s, cellular
ST_TIME_STAMP = ElapsedTime(
    690724210,
    TimeResolution.ONE_SECOND,
    utc=True,
    current_timeline=True,
    sync_source=TimeSyncSource.CELLULAR_NETWORK,
)

# ST NumericOxygenSaturation: SpO2 98 %, patient 1, supplemental information spot check.
ST_NUMERIC = h(
    "01", "1b00", "6300", "b84b0200", ST_TIME, "01", "01", "3c4c0200", "2002", "62000000"
)
ST_NUMERIC_OBSERVATION = Observation(
    NumericValue(Decimal(98), MDC_DIM_PER_CENT),
    type=MDC_PULS_OXIM_SAT_O2,
    time_stamp=ST_TIME_STAMP,
    patient_id=1,
    supplemental_information=(MDC_MODALITY_SPOT,),
)


def decode(data: bytes) -> Observation:
    r = Reader(data, "live-health-observations")
    observation = read_observation(r)
    r.end()
    assert observation_bytes(observation) == data
    return observation


# --- The observation classes -------------------------------------------------------------------


def test_st_numeric() -> None:
    observation = decode(ST_NUMERIC)
    assert observation == ST_NUMERIC_OBSERVATION
    assert observation.class_type is ObservationClass.NUMERIC


def test_st_simple_discrete() -> None:
    # ST SimpleDiscreteObservation: type SpO2 (sic), value 98.
    data = h("02", "1800", "4300", "b84b0200", ST_TIME, "01", "3c4c0200", "62000000")
    assert decode(data) == Observation(
        SimpleDiscreteValue(98),
        type=MDC_PULS_OXIM_SAT_O2,
        time_stamp=ST_TIME_STAMP,
        supplemental_information=(MDC_MODALITY_SPOT,),
    )


def test_st_string() -> None:
    # ST StringObservation: no optional field, "Man".
    assert decode(h("03", "0700", "0000", "0300", "4d616e")) == Observation(StringValue("Man"))


def test_st_sample_array() -> None:
    # ST SampleArrayObservation: mV, scale factor FLOAT 0x0000064C (1612; ST's comment says
    # 1.612), offset 2048, period 10e-3 s, 1 sample per period, 1 byte per sample, 10 samples.
    data = h(
        "04", "2000", "0000", "b210", "4c060000", "00080000", "0a0000fd", "01", "01", "0a000000",
        "f907fb07f507ff070c08",
    )  # fmt: skip
    observation = decode(data)
    value = observation.value
    assert value == SampleArrayValue(
        MDC_DIM_MILLI_VOLT,
        Decimal(1612),
        Decimal(2048),
        Decimal("0.010"),
        1,
        1,
        (0xF9, 0x07, 0xFB, 0x07, 0xF5, 0x07, 0xFF, 0x07, 0x0C, 0x08),
    )
    assert str(value.sample_period) == "0.010"


def test_st_ecg_example_is_refused() -> None:
    # ST SimpleArrayECGWaveform: 116 two-byte samples, but a one-byte number of samples and a
    # length of 151 where 264 bytes follow: not decodable in any reading of the layout.
    data = h(
        "04970003000101020022729d2b2900000600b2104c060000000800000a0000fd010274f907fb07f507ff070c",
        "080e080308e707de07eb07f207f107f807ff07ff0705080a0810080b080f080d0804080508f607ae075d075c",
        "07d907510876085908360826081d08130813080c080b080e080e080c080908fd07ff0709080608fa07ed07eb",
        "07e207d707cb07d107dc07e807f70714082c083f084d085308640859085a0850085008430833083108300835",
        "0835082b0819081c081d082408210828082c08160815081a081d081b08140810080c080e081a081b081a081b",
        "080f080a080a081008100816081a0813080c080e080f080d080b08000804080108000803080b080b0812081d",
        "081908",
    )
    assert len(data) == 267
    # Read as a uint32, the count is 0xFB07F974 (bytes 74 F9 07 FB).
    with pytest.raises(DecodeError, match="truncated: 4211603828 samples") as caught:
        decode(data)
    assert caught.value.offset == 38


def test_st_tlv_encoded() -> None:
    # ST TLVEncodedObservation: three TLVs of type SpO2, format 0x04 (uint8), 3 value bytes.
    data = h(
        "08", "2100", "0000", "03",
        "b84b0200", "0300", "04", "620000",
        "b84b0200", "0300", "04", "630000",
        "b84b0200", "0300", "04", "640000",
    )  # fmt: skip
    assert decode(data) == Observation(
        TlvValue(
            tuple(Tlv(MDC_PULS_OXIM_SAT_O2, 0x04, bytes((value, 0, 0))) for value in (98, 99, 100))
        )
    )


def test_st_compound_blood_pressure() -> None:
    # ST CompoundObservationBloodPressure: 100/60/80 mmHg, object id 123456.
    data = h(
        "07", "3500", "1300", "044a0200", ST_TIME, "40e20100", "03",
        "054a0200", "01", "200f", "64000000",
        "064a0200", "01", "200f", "3c000000",
        "074a0200", "01", "200f", "50000000",
    )  # fmt: skip
    assert decode(data) == Observation(
        CompoundValue(
            (
                CompoundComponent(0x00024A05, NumericValue(Decimal(100), MDC_DIM_MMHG)),
                CompoundComponent(0x00024A06, NumericValue(Decimal(60), MDC_DIM_MMHG)),
                CompoundComponent(0x00024A07, NumericValue(Decimal(80), MDC_DIM_MMHG)),
            )
        ),
        type=0x00024A04,
        time_stamp=ST_TIME_STAMP,
        object_id=123456,
    )


def test_st_compound_discrete_event() -> None:
    # ST CompoundDiscreteBloodPressureStatus: derived from 123456, cuff loose (3::240) and
    # cuff improperly placed (3::430).
    data = h("05", "1400", "8100", "f0558000", "01", "40e20100", "02", "f0000300", "ae010300")
    assert decode(data) == Observation(
        CompoundDiscreteEventValue((0x000300F0, 0x000301AE)),
        type=0x008055F0,
        derived_from=(123456,),
    )


def test_st_compound_state_event() -> None:
    # ST CompoundDiscreteEvent (class 6): size 4, all bits supported, all states, value bits.
    data = h(
        "06", "1800", "8100", "f0558000", "01", "40e20100", "04", "ffffffff", "ffffffff", "f0000300"
    )
    assert decode(data).value == CompoundStateEventValue(
        b"\xff" * 4, b"\xff" * 4, bytes.fromhex("f0000300")
    )


ST_PO_BUNDLE = h(
    "ff", "2f00", "4200", ST_TIME, "01", "3c4c0200", "02",
    "01", "0c00", "0100", "b84b0200", "2002", "62000000",
    "01", "0c00", "0100", "1a480200", "a00a", "62000000",
)  # fmt: skip


def test_st_bundle() -> None:
    # ST-PO ObservationBundle: SpO2 98 % and pulse rate 98 bpm sharing time and modality.
    assert decode(ST_PO_BUNDLE) == Observation(
        BundleValue(
            (
                Observation(NumericValue(Decimal(98), MDC_DIM_PER_CENT), type=MDC_PULS_OXIM_SAT_O2),
                Observation(
                    NumericValue(Decimal(98), MDC_DIM_BEAT_PER_MIN), type=MDC_PULS_OXIM_PULS_RATE
                ),
            )
        ),
        time_stamp=ST_TIME_STAMP,
        supplemental_information=(MDC_MODALITY_SPOT,),
    )


def test_every_optional_field() -> None:
    # Layout: all ten flags, in field order, on a numeric of 36.50 Cel (0x17A0).
    data = h(
        "01", "3d00", "ff03",
        "ca4b0200",                      # type MDC_TEMP_BODY
        "38", "e8030000", "0000", "01", "fc",  # time: local, ms, TZ used, current; NTP; -1 h
        "0a0000ff",                      # duration 1.0 s
        "1100",                          # status invalid | test data
        "07000000",                      # object id 7
        "02",                            # patient 2
        "01", "3c4c0200",                # supplemental: spot check
        "02", "05000000", "06000000",    # derived from 5, 6
        "01", "08000000",                # has member 8
        "01", "01000100", "0200", "06", "3412",  # TLV: type 0x00010001, uint16 0x1234
        "a017", "6a0e00fe",              # unit 0x17A0, 3690e-2
    )  # fmt: skip
    observation = decode(data)
    assert observation == Observation(
        NumericValue(Decimal("36.90"), 0x17A0),
        type=0x00024BCA,
        time_stamp=ElapsedTime(
            1000,
            TimeResolution.ONE_MILLISECOND,
            tz_dst_offset_used=True,
            current_timeline=True,
            sync_source=TimeSyncSource.NETWORK_TIME_PROTOCOL,
            tz_dst_offset=-4,
        ),
        measurement_duration=Decimal("1.0"),
        measurement_status=MeasurementStatus.INVALID | MeasurementStatus.TEST_DATA,
        object_id=7,
        patient_id=2,
        supplemental_information=(MDC_MODALITY_SPOT,),
        derived_from=(5, 6),
        has_member=(8,),
        tlvs=(Tlv(0x00010001, 0x06, b"\x34\x12"),),
    )
    assert repr(observation.value) == "NumericValue(value=Decimal('36.90'), unit=6048)"


def test_reserved_flag_and_status_bits_are_ignored() -> None:
    # Layout: flags with reserved bits 10-15 set; status with reserved bits 8-13 set.
    data = h("01", "0a00", "08fc", "ff3f", "2002", "62000000")
    r = Reader(data, "x")
    observation = read_observation(r)
    assert observation.measurement_status == MeasurementStatus(0xFF)
    assert observation_bytes(observation) == h("01", "0a00", "0800", "ff00", "2002", "62000000")


def test_unknown_class_type_keeps_its_value() -> None:
    data = h("09", "0500", "0000", "abcdef")
    observation = decode(data)
    assert observation == Observation(UnknownValue(9, bytes.fromhex("abcdef")))
    assert observation.class_type == 9


def test_empty_lists_are_kept() -> None:
    data = h("02", "0900", "c001", "00", "00", "00", "01000000")
    observation = decode(data)
    assert observation.supplemental_information == ()
    assert observation.derived_from == ()
    assert observation.has_member == ()


@pytest.mark.parametrize(
    ("hex_value", "offset", "reason"),
    [
        ("", 0, "truncated"),
        ("01", 1, "truncated"),
        ("010c00", 1, r"observation length 12, 0 byte\(s\) left"),
        ("01070000002002620000", 7, "truncated: numeric value"),
        ("0109000000200262000000ff", 11, "overlong"),
        ("0708000000010500000009", 10, "unknown component value type 0x09"),
        ("03060000000200c328", 7, "not UTF-8"),
        ("04160000000000" + "00000000" * 3 + "000001000000", 21, "0 bytes each"),
        ("04190000000000" + "00000000" * 3 + "000202000000010203", 25, "truncated"),
        ("ff040000000101", 7, "truncated"),
    ],
)
def test_malformed_observations(hex_value: str, offset: int, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason) as caught:
        decode(bytes.fromhex(hex_value))
    assert caught.value.offset == offset


def test_philips_length_form() -> None:
    # Philips' BLE-GHS-Server-Simulator (ByteExtensions.kt withLengthPrefix) counts the class
    # type and length fields in the length: ST's numeric in that form has length 0x1E.
    philips = ST_NUMERIC[:1] + h("1e00") + ST_NUMERIC[3:]
    with pytest.raises(DecodeError, match="observation length 30, 27 byte"):
        decode(philips)
    r = Reader(philips, "live-health-observations")
    assert read_observation(r, length_counts_header=True) == ST_NUMERIC_OBSERVATION
    r.end()
    assert observation_bytes(ST_NUMERIC_OBSERVATION, length_counts_header=True) == philips
    # Bundled observations carry the same form (Philips' BundledObservation).
    bundle = decode(ST_PO_BUNDLE)
    philips_bundle = observation_bytes(bundle, length_counts_header=True)
    assert philips_bundle[1:3] == h("3200")
    assert philips_bundle[21:23] == h("0f00")
    segments = live_observation_segments(bundle, 20, length_counts_header=True)
    reassembler = HealthObservationReassembler(length_counts_header=True)
    assert [reassembler.feed(s) for s in segments][-1] == bundle
    with pytest.raises(DecodeError, match="shorter than its header") as caught:
        read_observation(Reader(h("01", "0200"), "x"), length_counts_header=True)
    assert caught.value.offset == 1


def test_nested_bundles_are_bounded() -> None:
    # Layout: bundles of one bundle each, 5000 deep (a stack-exhausting payload) and 4 deep.
    def nested(depth: int) -> bytes:
        data = h("02", "0600", "0000", "01000000")
        for _ in range(depth):
            data = bytes((0xFF,)) + (len(data) + 3).to_bytes(2, "little") + h("0000", "01") + data
        return data

    with pytest.raises(DecodeError, match="bundles nested deeper than 4") as caught:
        decode(nested(5000))
    assert caught.value.offset == 4 * 6
    observation = decode(nested(4))
    with pytest.raises(EncodeError):
        observation_bytes(Observation(BundleValue((observation,))))


@pytest.mark.parametrize(
    "observation",
    [
        Observation(CompoundValue((CompoundComponent(1, CompoundValue(())),))),  # type: ignore[arg-type]
        Observation(CompoundStateEventValue(b"\x01", b"", b"\x01")),
        Observation(SampleArrayValue(0, Decimal(1), Decimal(0), Decimal(1), 1, 1, (256,))),
        Observation(SampleArrayValue(0, Decimal(1), Decimal(0), Decimal(1), 1, 0, (0,))),
        Observation(UnknownValue(0x01, b"")),
        Observation(SimpleDiscreteValue(1), supplemental_information=tuple(range(256))),
        Observation(StringValue("x" * 0x10000)),
    ],
)
def test_unencodable_observations(observation: Observation) -> None:
    with pytest.raises(EncodeError):
        observation_bytes(observation)


# --- Segments, reassembly, splitting -------------------------------------------------------------


def test_st_single_segment_live_observation() -> None:
    # ST sends its observations whole: first and last bits, counter incremented (here 1).
    data = b"\x07" + ST_NUMERIC
    segment = decode_live_health_observations(data)
    assert segment == LiveHealthObservationSegment(True, True, 1, ST_NUMERIC_OBSERVATION)
    assert segment.observation == ST_NUMERIC_OBSERVATION
    assert encode_live_health_observations(segment) == data
    assert lookup("2B8B").decode(data) == segment


def test_st_stored_observation_record() -> None:
    # ST GHS_APP_PTS_TestDBInit stores NumericOxygenSaturation as records 1..5.
    data = b"\x03" + h("01000000") + ST_NUMERIC
    segment = decode_stored_health_observations(data)
    assert segment.stored_observation == StoredObservation(1, ST_NUMERIC_OBSERVATION)
    assert encode_stored_health_observations(segment) == data


def test_middle_segment_keeps_raw_bytes() -> None:
    segment = decode_live_health_observations(h("08", "0102"))
    assert segment == LiveHealthObservationSegment(False, False, 2, b"\x01\x02")
    assert segment.observation is None


def test_split_and_reassemble_the_st_bundle() -> None:
    # 50 bytes at 20 bytes per notification: 19 + 19 + 12, counters 62, 63, 0.
    observation = decode(ST_PO_BUNDLE)
    segments = live_observation_segments(observation, 20, first_counter=62)
    assert [s[0] for s in segments] == [0xF9, 0xFC, 0x02]
    assert [len(s) for s in segments] == [20, 20, 13]
    assert b"".join(s[1:] for s in segments) == ST_PO_BUNDLE
    reassembler = HealthObservationReassembler()
    assert reassembler.feed(segments[0]) is None
    assert reassembler.pending
    assert reassembler.feed(segments[1]) is None
    assert reassembler.feed(segments[2]) == observation
    assert not reassembler.pending


def test_reassembly_errors() -> None:
    segments = live_observation_segments(decode(ST_PO_BUNDLE), 20)
    reassembler = HealthObservationReassembler()
    with pytest.raises(DecodeError, match="without a first segment"):
        reassembler.feed(segments[1])
    reassembler.feed(segments[0])
    with pytest.raises(DecodeError, match="counter 2, expected 1: lost segment"):
        reassembler.feed(segments[2])
    assert not reassembler.pending
    reassembler.feed(segments[0])
    reassembler.feed(segments[0])
    assert reassembler.dropped == 1
    reassembler.feed(segments[1])
    assert reassembler.feed(segments[2]) == decode(ST_PO_BUNDLE)
    broken = HealthObservationReassembler()
    with pytest.raises(DecodeError, match="truncated") as caught:
        broken.feed(b"\x03" + ST_PO_BUNDLE[:-1])
    assert caught.value.offset == 1  # offsets are into the joined payload


def test_reassembly_is_bounded() -> None:
    # Layout: a first segment, then middle segments that never end.
    reassembler = HealthObservationReassembler()
    reassembler.feed(b"\x01" + bytes(200))
    with pytest.raises(DecodeError, match="exceed the largest observation"):  # noqa: PT012
        for counter in range(1, 400):
            reassembler.feed(bytes(((counter % 64) << 2,)) + bytes(200))
    assert not reassembler.pending


def test_stored_split_and_reassemble() -> None:
    stored = StoredObservation(0xFFFFFFFF, ST_NUMERIC_OBSERVATION)
    segments = stored_observation_segments(stored, 23)
    assert len(segments) == 2
    assert segments[0][1:5] == b"\xff\xff\xff\xff"
    reassembler = HealthObservationReassembler(stored=True)
    assert reassembler.feed(segments[0]) is None
    assert reassembler.feed(segments[1]) == stored


def test_split_rejects_small_payloads() -> None:
    with pytest.raises(EncodeError):
        live_observation_segments(ST_NUMERIC_OBSERVATION, 19)


@settings(max_examples=200, deadline=None)
@given(any_observations, st.integers(20, 64), st.integers(0, 63), st.booleans())
def test_split_then_reassemble_round_trips(
    observation: Observation, payload_size: int, first_counter: int, philips_form: bool
) -> None:
    segments = live_observation_segments(
        observation, payload_size, first_counter, length_counts_header=philips_form
    )
    assert all(len(segment) <= payload_size for segment in segments)
    reassembler = HealthObservationReassembler(length_counts_header=philips_form)
    results = [reassembler.feed(segment) for segment in segments]
    assert results[:-1] == [None] * (len(segments) - 1)
    assert repr(results[-1]) == repr(observation)


@settings(max_examples=100, deadline=None)
@given(stored_observations, st.integers(20, 64))
def test_stored_split_then_reassemble_round_trips(
    stored: StoredObservation, payload_size: int
) -> None:
    reassembler = HealthObservationReassembler(stored=True)
    results = [reassembler.feed(s) for s in stored_observation_segments(stored, payload_size)]
    assert results[-1] == stored


def test_unencodable_segments() -> None:
    with pytest.raises(EncodeError):
        encode_live_health_observations(LiveHealthObservationSegment(True, True, 0, b"\x01"))
    with pytest.raises(EncodeError):
        encode_live_health_observations(
            LiveHealthObservationSegment(True, False, 0, ST_NUMERIC_OBSERVATION)
        )
    with pytest.raises(EncodeError):
        encode_stored_health_observations(StoredHealthObservationSegment(False, False, 64, b""))


# --- Features, control point, schedule, valid range ---------------------------------------------


def test_st_features_with_device_specialization() -> None:
    # ST GHS_APP_Init: SpO2 and pulse rate, blood pressure monitor specialization 0x1007 v1.
    data = h("01", "02", "b84b0200", "1a480200", "01", "071001")
    value = decode_health_sensor_features(data)
    assert value == HealthSensorFeatures(
        (MDC_PULS_OXIM_SAT_O2, MDC_PULS_OXIM_PULS_RATE), (DeviceSpecialization(0x1007, 1),)
    )
    assert value.device_specializations[0].mdc_code == 0x00081007  # type: ignore[index]
    assert encode_health_sensor_features(value) == data


def test_st_po_features_without_specializations() -> None:
    data = h("00", "02", "b84b0200", "1a480200")
    value = decode_health_sensor_features(data)
    assert value.device_specializations is None
    assert encode_health_sensor_features(value) == data
    # Reserved flag bits are ignored.
    assert decode_health_sensor_features(h("fe", "00")) == HealthSensorFeatures(())


@pytest.mark.parametrize(
    ("hex_value", "expected"),
    [
        ("01", GhsControlPoint(GhsControlPointOpCode.START_SEND_LIVE_OBSERVATIONS)),
        ("02", GhsControlPoint(GhsControlPointOpCode.STOP_SEND_LIVE_OBSERVATIONS)),
        ("80", GhsControlPoint(GhsControlPointOpCode.SUCCESS)),
        ("81", GhsControlPoint(GhsControlPointOpCode.SERVER_BUSY)),
        ("82", GhsControlPoint(GhsControlPointOpCode.ERROR_IN_LIVE_OBSERVATIONS)),
        ("03aabb", GhsControlPoint(3, b"\xaa\xbb")),
    ],
)
def test_control_point(hex_value: str, expected: GhsControlPoint) -> None:
    # ST ghs_cp.c and Philips GhsControlPointHandler.kt op codes.
    assert decode_ghs_control_point(bytes.fromhex(hex_value)) == expected
    assert encode_ghs_control_point(expected).hex() == hex_value


def test_control_point_errors() -> None:
    with pytest.raises(DecodeError):
        decode_ghs_control_point(b"")
    with pytest.raises(DecodeError, match="overlong"):
        decode_ghs_control_point(b"\x01\x00")
    with pytest.raises(EncodeError):
        encode_ghs_control_point(GhsControlPoint(GhsControlPointOpCode.SUCCESS, b"\x00"))
    assert GhsControlPoint.start_live_observations() == decode_ghs_control_point(b"\x01")
    assert GhsControlPoint.stop_live_observations() == decode_ghs_control_point(b"\x02")


def test_st_observation_schedule_changed() -> None:
    # ST GHS_APP_UpdateObservationScheduleChanged: SpO2, period and interval 0xFF00000A (1.0 s).
    data = h("b84b0200", "0a0000ff", "0a0000ff")
    value = decode_observation_schedule_changed(data)
    assert value == ObservationSchedule(MDC_PULS_OXIM_SAT_O2, Decimal("1.0"), Decimal("1.0"))
    assert str(value.measurement_period) == "1.0"
    assert decode_observation_schedule(data) == value
    assert encode_observation_schedule(value) == data
    with pytest.raises(DecodeError) as caught:
        decode_observation_schedule(data[:-1])
    assert caught.value.characteristic == "observation-schedule"


def test_st_valid_range_and_accuracy() -> None:
    # ST ValidRangeAccuracy[0] {0x01, 0x0220, 0, 100, 10} as written to the 18-byte descriptor.
    data = h("01000000", "2002", "00000000", "64000000", "0a000000")
    value = decode_valid_range_and_accuracy(data)
    assert value == ValidRangeAndAccuracy(
        1, MDC_DIM_PER_CENT, Decimal(0), Decimal(100), Decimal(10)
    )
    assert encode_valid_range_and_accuracy(value) == data


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
