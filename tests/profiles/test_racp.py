"""Record Access Control Point vectors, built by hand from the GATT Specification Supplement and
the Glucose Service procedures."""

from __future__ import annotations

import pytest

from profiles import racp
from profiles.date_time import DateTime
from profiles.errors import DecodeError, EncodeError
from profiles.racp import RacpRequest, RacpResponseCode

Op = racp.RacpOpCode
Operator = racp.RacpOperator
Code = racp.RacpResponseCodeValue
SEQ = racp.RacpFilterType.SEQUENCE_NUMBER
UFT = racp.RacpFilterType.USER_FACING_TIME
TIME = "e807030f071e00"  # 2024-03-15 07:30:00
WHEN = DateTime(2024, 3, 15, 7, 30, 0)


@pytest.mark.parametrize(
    ("hex_value", "expected"),
    [
        ("0101", RacpRequest(Op.REPORT_STORED_RECORDS, Operator.ALL_RECORDS)),
        ("0105", RacpRequest(Op.REPORT_STORED_RECORDS, Operator.FIRST_RECORD)),
        ("0106", RacpRequest(Op.REPORT_STORED_RECORDS, Operator.LAST_RECORD)),
        ("0201", RacpRequest(Op.DELETE_STORED_RECORDS, Operator.ALL_RECORDS)),
        ("0300", RacpRequest(Op.ABORT_OPERATION, Operator.NULL)),
        ("0401", RacpRequest(Op.REPORT_NUMBER_OF_STORED_RECORDS, Operator.ALL_RECORDS)),
        (
            "0103010a00",
            RacpRequest(Op.REPORT_STORED_RECORDS, Operator.GREATER_THAN_OR_EQUAL_TO, SEQ, 10),
        ),
        (
            "010201ffff",
            RacpRequest(
                Op.REPORT_STORED_RECORDS, Operator.LESS_THAN_OR_EQUAL_TO, SEQ, None, 0xFFFF
            ),
        ),
        (
            "0404010a001400",
            RacpRequest(Op.REPORT_NUMBER_OF_STORED_RECORDS, Operator.WITHIN_RANGE_OF, SEQ, 10, 20),
        ),
        (
            "010302" + TIME,
            RacpRequest(Op.REPORT_STORED_RECORDS, Operator.GREATER_THAN_OR_EQUAL_TO, UFT, WHEN),
        ),
        (
            "020402" + TIME + "e807031f171e00",
            RacpRequest(
                Op.DELETE_STORED_RECORDS,
                Operator.WITHIN_RANGE_OF,
                UFT,
                WHEN,
                DateTime(2024, 3, 31, 23, 30, 0),
            ),
        ),
        ("05000a00", racp.RacpNumberOfRecordsResponse(10)),
        ("0500ffff", racp.RacpNumberOfRecordsResponse(0xFFFF)),
        ("06000101", RacpResponseCode(Op.REPORT_STORED_RECORDS, Code.SUCCESS)),
        ("06000106", RacpResponseCode(Op.REPORT_STORED_RECORDS, Code.NO_RECORDS_FOUND)),
        ("06000307", RacpResponseCode(Op.ABORT_OPERATION, Code.ABORT_UNSUCCESSFUL)),
        (
            "06000409",
            RacpResponseCode(Op.REPORT_NUMBER_OF_STORED_RECORDS, Code.OPERAND_NOT_SUPPORTED),
        ),
        ("06000902", RacpResponseCode(9, Code.OP_CODE_NOT_SUPPORTED)),  # reserved op code kept
        ("060001ff", RacpResponseCode(Op.REPORT_STORED_RECORDS, 0xFF)),  # reserved value kept
    ],
)
def test_vectors(hex_value: str, expected: racp.RecordAccessControlPoint) -> None:
    data = bytes.fromhex(hex_value)
    decoded = racp.decode_record_access_control_point(data)
    assert decoded == expected
    assert repr(decoded) == repr(expected)
    assert racp.encode_record_access_control_point(decoded) == data


def test_time_offset_is_filter_type_one() -> None:
    assert racp.RacpFilterType["TIME_OFFSET"] is racp.RacpFilterType.SEQUENCE_NUMBER


@pytest.mark.parametrize(
    ("hex_value", "expected", "error"),
    [
        # Unknown op codes keep operator and the whole operand raw.
        ("0701aabb", RacpRequest(7, Operator.ALL_RECORDS, None, None, None, b"\xaa\xbb"), 2),
        ("0000", RacpRequest(0, Operator.NULL), 2),
        # Unknown operators keep the operand raw.
        ("0107ff", RacpRequest(Op.REPORT_STORED_RECORDS, 7, None, None, None, b"\xff"), 3),
        # Unknown filter types keep the values raw.
        (
            "010303abcd",
            RacpRequest(
                Op.REPORT_STORED_RECORDS,
                Operator.GREATER_THAN_OR_EQUAL_TO,
                3,
                None,
                None,
                b"\xab\xcd",
            ),
            9,
        ),
        ("010200", RacpRequest(Op.REPORT_STORED_RECORDS, Operator.LESS_THAN_OR_EQUAL_TO, 0), 9),
        # Well formed but invalid: null operator for report, non-null for abort.
        ("0100", RacpRequest(Op.REPORT_STORED_RECORDS, Operator.NULL), 3),
        ("0200", RacpRequest(Op.DELETE_STORED_RECORDS, Operator.NULL), 3),
        ("0301", RacpRequest(Op.ABORT_OPERATION, Operator.ALL_RECORDS), 3),
        # Range with minimum above maximum.
        (
            "010401140000a0",
            RacpRequest(Op.REPORT_STORED_RECORDS, Operator.WITHIN_RANGE_OF, SEQ, 20, 0xA000),
            None,
        ),
        (
            "01040114000a00",
            RacpRequest(Op.REPORT_STORED_RECORDS, Operator.WITHIN_RANGE_OF, SEQ, 20, 10),
            5,
        ),
        (
            "010402" + "e9070101000000" + TIME,
            RacpRequest(
                Op.REPORT_STORED_RECORDS,
                Operator.WITHIN_RANGE_OF,
                UFT,
                DateTime(2025, 1, 1, 0, 0, 0),
                WHEN,
            ),
            5,
        ),
    ],
)
def test_server_side_validation(hex_value: str, expected: RacpRequest, error: int | None) -> None:
    data = bytes.fromhex(hex_value)
    decoded = racp.decode_record_access_control_point(data)
    assert decoded == expected
    assert racp.encode_record_access_control_point(decoded) == data
    assert isinstance(decoded, RacpRequest)
    assert decoded.validation_error() == error
    if error is not None:
        response = decoded.response(Code(error))
        assert racp.encode_record_access_control_point(response) == bytes((6, 0, data[0], error))


@pytest.mark.parametrize(
    ("hex_value", "offset"),
    [
        ("", 0),
        ("01", 1),  # operator absent
        ("0103", 2),  # filter type absent
        ("010301", 3),  # value absent
        ("0103010a", 3),  # value cut short
        ("0103010a0000", 5),  # a second value for greater than or equal to
        ("0104010a00", 5),  # maximum absent
        ("0104010a0014", 5),  # maximum cut short
        ("0104010a0014000000", 7),  # overlong range
        ("010302e807030f071e", 3),  # user facing time cut short
        ("010402" + TIME + "e807030f07", 10),  # second user facing time cut short
        ("010302e8070d0f071e00", 3),  # month 13
        ("010302e807030f071e3c", 3),  # 60 seconds
        ("0101ff", 2),  # all records takes no operand
        ("030000", 2),  # abort takes no operand
        ("0105010a00", 2),  # first record takes no operand
        ("05010a00", 1),  # response with a non-null operator
        ("06020101", 1),
        ("0500", 2),  # count absent
        ("05000a", 2),  # count cut short
        ("05000a0000", 4),  # overlong count
        ("060001", 3),  # response code value absent
        ("0600", 2),  # request op code absent
        ("0600010100", 4),  # overlong response code
    ],
)
def test_malformed(hex_value: str, offset: int) -> None:
    with pytest.raises(DecodeError) as caught:
        racp.decode_record_access_control_point(bytes.fromhex(hex_value))
    assert caught.value.characteristic == "record-access-control-point"
    assert caught.value.offset == offset


def test_builders() -> None:
    cases = [
        (RacpRequest.report_all_records(), "0101"),
        (RacpRequest.report_first_record(), "0105"),
        (RacpRequest.report_last_record(), "0106"),
        (RacpRequest.report_records_greater_or_equal(10), "0103010a00"),
        (RacpRequest.report_records_less_or_equal(10), "0102010a00"),
        (RacpRequest.report_records_within_range(10, 20), "0104010a001400"),
        (RacpRequest.report_records_greater_or_equal(WHEN), "010302" + TIME),
        (RacpRequest.report_number_of_records(), "0401"),
        (
            RacpRequest.report_number_of_records(Operator.GREATER_THAN_OR_EQUAL_TO, minimum=7),
            "0403010700",
        ),
        (RacpRequest.delete_records(), "0201"),
        (RacpRequest.delete_records(Operator.LESS_THAN_OR_EQUAL_TO, maximum=WHEN), "020202" + TIME),
        (RacpRequest.abort_operation(), "0300"),
    ]
    for request, hex_value in cases:
        assert racp.encode_record_access_control_point(request) == bytes.fromhex(hex_value)
        assert racp.decode_record_access_control_point(bytes.fromhex(hex_value)) == request
    assert RacpRequest.report_all_records().response(Code.SUCCESS) == RacpResponseCode(
        Op.REPORT_STORED_RECORDS, Code.SUCCESS
    )
    assert RacpResponseCode(Op.REPORT_STORED_RECORDS, Code.SUCCESS).success
    assert not RacpResponseCode(Op.REPORT_STORED_RECORDS, Code.NO_RECORDS_FOUND).success


@pytest.mark.parametrize(
    "build",
    [
        lambda: RacpRequest.report_records_greater_or_equal(0x10000),
        lambda: RacpRequest.report_records_greater_or_equal(-1),
        lambda: RacpRequest.report_records_within_range(1, WHEN),
        lambda: RacpRequest.report_records_within_range(20, 10),
        lambda: RacpRequest.delete_records(Operator.NULL),
        lambda: RacpRequest.report_number_of_records(Operator.LESS_THAN_OR_EQUAL_TO),
        lambda: RacpRequest.report_number_of_records(Operator.ALL_RECORDS, minimum=3),
        lambda: RacpRequest.build(Op.ABORT_OPERATION, Operator.ALL_RECORDS),
        lambda: RacpRequest.build(Op.RESPONSE_CODE, Operator.NULL),
    ],
)
def test_builders_refuse_invalid_requests(build: object) -> None:
    with pytest.raises(EncodeError):
        build()  # type: ignore[operator]


@pytest.mark.parametrize(
    "value",
    [
        RacpRequest(Op.NUMBER_OF_STORED_RECORDS_RESPONSE, Operator.NULL),
        RacpRequest(256, Operator.NULL),
        RacpRequest(Op.REPORT_STORED_RECORDS, 256),
        RacpRequest(Op.REPORT_STORED_RECORDS, Operator.ALL_RECORDS, unparsed_operand=b"\x00"),
        RacpRequest(Op.REPORT_STORED_RECORDS, Operator.ALL_RECORDS, SEQ),
        RacpRequest(Op.REPORT_STORED_RECORDS, Operator.GREATER_THAN_OR_EQUAL_TO),
        RacpRequest(Op.REPORT_STORED_RECORDS, Operator.GREATER_THAN_OR_EQUAL_TO, SEQ),
        RacpRequest(Op.REPORT_STORED_RECORDS, Operator.GREATER_THAN_OR_EQUAL_TO, SEQ, None, 5),
        RacpRequest(Op.REPORT_STORED_RECORDS, Operator.LESS_THAN_OR_EQUAL_TO, SEQ, 5, 5),
        RacpRequest(Op.REPORT_STORED_RECORDS, Operator.GREATER_THAN_OR_EQUAL_TO, UFT, 5),
        RacpRequest(Op.REPORT_STORED_RECORDS, Operator.GREATER_THAN_OR_EQUAL_TO, SEQ, WHEN),
        RacpRequest(Op.REPORT_STORED_RECORDS, Operator.GREATER_THAN_OR_EQUAL_TO, SEQ, True),
        RacpRequest(Op.REPORT_STORED_RECORDS, Operator.WITHIN_RANGE_OF, SEQ, 1),
        RacpRequest(
            Op.REPORT_STORED_RECORDS, Operator.GREATER_THAN_OR_EQUAL_TO, SEQ, 1, None, b"\x00"
        ),
        RacpRequest(Op.REPORT_STORED_RECORDS, Operator.GREATER_THAN_OR_EQUAL_TO, 3, 1),
        RacpRequest(Op.REPORT_STORED_RECORDS, Operator.GREATER_THAN_OR_EQUAL_TO, 256),
        RacpRequest(7, Operator.GREATER_THAN_OR_EQUAL_TO, SEQ, 1),
        racp.RacpNumberOfRecordsResponse(0x10000),
        RacpResponseCode(Op.REPORT_STORED_RECORDS, 256),
        racp.RecordAccessControlPoint(),
    ],
)
def test_encoder_refuses(value: racp.RecordAccessControlPoint) -> None:
    with pytest.raises(EncodeError):
        racp.encode_record_access_control_point(value)
