"""ACOM observation classes as GHS encodes them.

Vectors and their sources: tests/profiles/ghs_vectors.py.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from profiles._bytes import Reader
from profiles.elapsed_time import ElapsedTime, TimeResolution, TimeSyncSource
from profiles.errors import DecodeError, EncodeError
from profiles.ghs import observations as obs
from profiles.ghs.health_observations import (
    HealthObservationReassembler,
    live_observation_segments,
)
from profiles.ghs.observation_codec import observation_bytes, read_observation
from tests.profiles.ghs_vectors import (
    MDC_DIM_BEAT_PER_MIN,
    MDC_DIM_MILLI_VOLT,
    MDC_DIM_MMHG,
    MDC_DIM_PER_CENT,
    MDC_MODALITY_SPOT,
    MDC_PULS_OXIM_PULS_RATE,
    MDC_PULS_OXIM_SAT_O2,
    ST_BLOOD_PRESSURE,
    ST_NUMERIC,
    ST_NUMERIC_OBSERVATION,
    ST_PO_BUNDLE,
    ST_TIME,
    ST_TIME_STAMP,
    decode,
    h,
)

# --- The observation classes -------------------------------------------------------------------


def test_st_numeric() -> None:
    observation = decode(ST_NUMERIC)
    assert observation == ST_NUMERIC_OBSERVATION
    assert observation.class_type is obs.ObservationClass.NUMERIC


def test_st_simple_discrete() -> None:
    # ST SimpleDiscreteObservation: type SpO2 (sic), value 98.
    data = h("02", "1800", "4300", "b84b0200", ST_TIME, "01", "3c4c0200", "62000000")
    assert decode(data) == obs.Observation(
        obs.SimpleDiscreteValue(98),
        type=MDC_PULS_OXIM_SAT_O2,
        time_stamp=ST_TIME_STAMP,
        supplemental_information=(MDC_MODALITY_SPOT,),
    )


def test_st_string() -> None:
    # ST StringObservation: no optional field, "Man".
    assert decode(h("03", "0700", "0000", "0300", "4d616e")) == obs.Observation(
        obs.StringValue("Man")
    )


def test_st_sample_array() -> None:
    # ST SampleArrayObservation: mV, scale factor FLOAT 0x0000064C (1612; ST's comment says
    # 1.612), offset 2048, period 10e-3 s, 1 sample per period, 1 byte per sample, 10 samples.
    data = h(
        "04", "2000", "0000", "b210", "4c060000", "00080000", "0a0000fd", "01", "01", "0a000000",
        "f907fb07f507ff070c08",
    )  # fmt: skip
    observation = decode(data)
    value = observation.value
    assert value == obs.SampleArrayValue(
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
    assert decode(data) == obs.Observation(
        obs.TlvValue(
            tuple(
                obs.Tlv(MDC_PULS_OXIM_SAT_O2, 0x04, bytes((value, 0, 0))) for value in (98, 99, 100)
            )
        )
    )


def test_st_compound_blood_pressure() -> None:
    # ST CompoundObservationBloodPressure: 100/60/80 mmHg, object id 123456.
    assert decode(ST_BLOOD_PRESSURE) == obs.Observation(
        obs.CompoundValue(
            (
                obs.CompoundComponent(0x00024A05, obs.NumericValue(Decimal(100), MDC_DIM_MMHG)),
                obs.CompoundComponent(0x00024A06, obs.NumericValue(Decimal(60), MDC_DIM_MMHG)),
                obs.CompoundComponent(0x00024A07, obs.NumericValue(Decimal(80), MDC_DIM_MMHG)),
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
    assert decode(data) == obs.Observation(
        obs.CompoundDiscreteEventValue((0x000300F0, 0x000301AE)),
        type=0x008055F0,
        derived_from=(123456,),
    )


def test_st_compound_state_event() -> None:
    # ST CompoundDiscreteEvent (class 6): size 4, all bits supported, all states, value bits.
    data = h(
        "06", "1800", "8100", "f0558000", "01", "40e20100", "04", "ffffffff", "ffffffff", "f0000300"
    )
    assert decode(data).value == obs.CompoundStateEventValue(
        b"\xff" * 4, b"\xff" * 4, bytes.fromhex("f0000300")
    )


def test_st_bundle() -> None:
    # ST-PO ObservationBundle: SpO2 98 % and pulse rate 98 bpm sharing time and modality.
    assert decode(ST_PO_BUNDLE) == obs.Observation(
        obs.BundleValue(
            (
                obs.Observation(
                    obs.NumericValue(Decimal(98), MDC_DIM_PER_CENT), type=MDC_PULS_OXIM_SAT_O2
                ),
                obs.Observation(
                    obs.NumericValue(Decimal(98), MDC_DIM_BEAT_PER_MIN),
                    type=MDC_PULS_OXIM_PULS_RATE,
                ),
            )
        ),
        time_stamp=ST_TIME_STAMP,
        supplemental_information=(MDC_MODALITY_SPOT,),
    )


def test_every_optional_field() -> None:
    # Layout: all ten flags, in field order, on a numeric of 36.90 Cel (0x17A0).
    data = h(
        "01", "3d00", "ff03",
        "5c4b0200",                      # type MDC_TEMP_BODY (150364)
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
    assert observation == obs.Observation(
        obs.NumericValue(Decimal("36.90"), 0x17A0),
        type=0x00024B5C,
        time_stamp=ElapsedTime(
            1000,
            TimeResolution.ONE_MILLISECOND,
            tz_dst_offset_used=True,
            current_timeline=True,
            sync_source=TimeSyncSource.NETWORK_TIME_PROTOCOL,
            tz_dst_offset=-4,
        ),
        measurement_duration=Decimal("1.0"),
        measurement_status=obs.MeasurementStatus.INVALID | obs.MeasurementStatus.TEST_DATA,
        object_id=7,
        patient_id=2,
        supplemental_information=(MDC_MODALITY_SPOT,),
        derived_from=(5, 6),
        has_member=(8,),
        tlvs=(obs.Tlv(0x00010001, 0x06, b"\x34\x12"),),
    )
    assert repr(observation.value) == "NumericValue(value=Decimal('36.90'), unit=6048)"


def test_reserved_flag_and_status_bits_are_ignored() -> None:
    # Layout: flags with reserved bits 10-15 set; status with reserved bits 8-13 set.
    data = h("01", "0a00", "08fc", "ff3f", "2002", "62000000")
    r = Reader(data, "x")
    observation = read_observation(r)
    assert observation.measurement_status == obs.MeasurementStatus(0xFF)
    assert observation_bytes(observation) == h("01", "0a00", "0800", "ff00", "2002", "62000000")


def test_unknown_class_type_keeps_its_value() -> None:
    data = h("09", "0500", "0000", "abcdef")
    observation = decode(data)
    assert observation == obs.Observation(obs.UnknownValue(9, bytes.fromhex("abcdef")))
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
        observation_bytes(obs.Observation(obs.BundleValue((observation,))))


@pytest.mark.parametrize(
    "observation",
    [
        obs.Observation(obs.CompoundValue((obs.CompoundComponent(1, obs.CompoundValue(())),))),  # type: ignore[arg-type]
        obs.Observation(obs.CompoundStateEventValue(b"\x01", b"", b"\x01")),
        obs.Observation(obs.SampleArrayValue(0, Decimal(1), Decimal(0), Decimal(1), 1, 1, (256,))),
        obs.Observation(obs.SampleArrayValue(0, Decimal(1), Decimal(0), Decimal(1), 1, 0, (0,))),
        obs.Observation(obs.UnknownValue(0x01, b"")),
        obs.Observation(obs.SimpleDiscreteValue(1), supplemental_information=tuple(range(256))),
        obs.Observation(obs.StringValue("x" * 0x10000)),
    ],
)
def test_unencodable_observations(observation: obs.Observation) -> None:
    with pytest.raises(EncodeError):
        observation_bytes(observation)
