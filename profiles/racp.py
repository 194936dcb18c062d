"""Record Access Control Point (0x2A52), per the GATT Specification Supplement and the Glucose,
Pulse Oximeter and Continuous Glucose Monitoring service specifications that share it.

Every value, in both directions, is op code (uint8), operator (uint8), operand (variable).

Requests (client to server): op code 1 report stored records, 2 delete stored records, 3 abort
operation, 4 report number of stored records. Operators 0 null, 1 all records, 5 first record,
6 last record take no operand; 2 less than or equal to, 3 greater than or equal to, 4 within
range of (inclusive) take a filter type (uint8) followed by one value (2: the maximum, 3: the
minimum) or two (4: minimum then maximum). Filter type 1 is a uint16 (sequence number for
glucose, time offset for CGM); filter type 2 is a user facing time (Date Time, glucose).

Responses (server to client), always with operator 0 (null): op code 5 number of stored records
response (uint16 count), op code 6 response code (request op code uint8, response code value
uint8).

Decoding keeps what a server must answer rather than refuse: an unknown op code or operator is
kept as an int with its operand unparsed, an unknown filter type as an int with its values
unparsed, so a simulator can reply "op code not supported", "invalid operator" or "operand not
supported" (:meth:`RacpRequest.validation_error`). An operand whose size does not match its
operator and filter type (or a value that is not a valid Date Time) is a DecodeError: a server
answers it with "invalid operand" for the op code in byte 0. A response with a non-null operator
or the wrong size is a DecodeError.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from profiles import _bytes
from profiles._bytes import ByteString, Reader
from profiles._fields import is_known, member_or_int
from profiles.date_time import DateTime, date_time_bytes, read_date_time
from profiles.errors import EncodeError
from profiles.registry_types import Characteristic


class RacpOpCode(enum.IntEnum):
    """Op codes (0 and 7-255 reserved here; they are kept as ints)."""

    REPORT_STORED_RECORDS = 1
    DELETE_STORED_RECORDS = 2
    ABORT_OPERATION = 3
    REPORT_NUMBER_OF_STORED_RECORDS = 4
    NUMBER_OF_STORED_RECORDS_RESPONSE = 5
    RESPONSE_CODE = 6


class RacpOperator(enum.IntEnum):
    """Operators (7-255 reserved)."""

    NULL = 0
    ALL_RECORDS = 1
    LESS_THAN_OR_EQUAL_TO = 2
    GREATER_THAN_OR_EQUAL_TO = 3
    WITHIN_RANGE_OF = 4
    FIRST_RECORD = 5
    LAST_RECORD = 6


class RacpFilterType(enum.IntEnum):
    """Filter types of the operand (0 and 3-255 reserved). Filter type 1 is the sequence number
    in the Glucose Service and the time offset in the CGM Service (``TIME_OFFSET`` is an alias);
    both are uint16."""

    SEQUENCE_NUMBER = 1
    TIME_OFFSET = 1
    USER_FACING_TIME = 2


class RacpResponseCodeValue(enum.IntEnum):
    """Response code values (0 and 10-255 reserved)."""

    SUCCESS = 1
    OP_CODE_NOT_SUPPORTED = 2
    INVALID_OPERATOR = 3
    OPERATOR_NOT_SUPPORTED = 4
    INVALID_OPERAND = 5
    NO_RECORDS_FOUND = 6
    ABORT_UNSUCCESSFUL = 7
    PROCEDURE_NOT_COMPLETED = 8
    OPERAND_NOT_SUPPORTED = 9


_FILTER_TYPES: Final[dict[int, RacpFilterType]] = {
    1: RacpFilterType.SEQUENCE_NUMBER,
    2: RacpFilterType.USER_FACING_TIME,
}

_REQUEST_OP_CODES: Final = frozenset((1, 2, 3, 4))
_NUMBER_RESPONSE: Final = 5
_RESPONSE_CODE: Final = 6
_LESS_OR_EQUAL: Final = 2
_GREATER_OR_EQUAL: Final = 3
_WITHIN_RANGE: Final = 4
_UINT16_FILTER: Final = 1
_TIME_FILTER: Final = 2

RacpValue = int | DateTime
"""A filter value: a uint16 (filter type 1) or a user facing time (filter type 2)."""


class RecordAccessControlPoint:
    """Base of the three kinds of RACP value: :class:`RacpRequest`,
    :class:`RacpNumberOfRecordsResponse` and :class:`RacpResponseCode`."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class RacpResponseCode(RecordAccessControlPoint):
    """Response code (op code 6): the outcome of the request with ``request_op_code``."""

    request_op_code: RacpOpCode | int
    value: RacpResponseCodeValue | int

    @property
    def success(self) -> bool:
        return self.value == RacpResponseCodeValue.SUCCESS


@dataclass(frozen=True, slots=True)
class RacpNumberOfRecordsResponse(RecordAccessControlPoint):
    """Number of stored records response (op code 5)."""

    count: int


@dataclass(frozen=True, slots=True)
class RacpRequest(RecordAccessControlPoint):
    """A request (op codes 1-4, or an unknown op code kept for the server to refuse).

    With operators 2-4 and filter type 1 or 2, ``minimum`` and/or ``maximum`` hold the values
    (operator 2 only a maximum, 3 only a minimum, 4 both). ``unparsed_operand`` holds operand
    bytes this module cannot interpret: the whole operand of an unknown op code or operator, or
    what follows an unknown filter type; it is empty otherwise.
    """

    op_code: RacpOpCode | int
    operator: RacpOperator | int = RacpOperator.NULL
    filter_type: RacpFilterType | int | None = None
    minimum: RacpValue | None = None
    maximum: RacpValue | None = None
    unparsed_operand: bytes = b""

    # Builders for clients. An int value selects filter type 1 (sequence number / time
    # offset), a DateTime filter type 2 (user facing time).

    @classmethod
    def build(
        cls,
        op_code: RacpOpCode,
        operator: RacpOperator,
        minimum: RacpValue | None = None,
        maximum: RacpValue | None = None,
    ) -> RacpRequest:
        """A request with the filter type chosen from the values; EncodeError if invalid."""
        filter_type: RacpFilterType | None = None
        for value in (minimum, maximum):
            if value is None:
                continue
            kind = (
                RacpFilterType.USER_FACING_TIME
                if isinstance(value, DateTime)
                else RacpFilterType.SEQUENCE_NUMBER
            )
            if filter_type is not None and kind is not filter_type:
                raise EncodeError("minimum and maximum must be of the same filter type")
            filter_type = kind
        request = cls(op_code, operator, filter_type, minimum, maximum)
        problem = _request_problem(request)
        if problem:
            raise EncodeError(problem)
        if request.validation_error() is not None:
            raise EncodeError(f"{operator.name} is not valid with {op_code.name}")
        return request

    @classmethod
    def report_all_records(cls) -> RacpRequest:
        return cls.build(RacpOpCode.REPORT_STORED_RECORDS, RacpOperator.ALL_RECORDS)

    @classmethod
    def report_first_record(cls) -> RacpRequest:
        return cls.build(RacpOpCode.REPORT_STORED_RECORDS, RacpOperator.FIRST_RECORD)

    @classmethod
    def report_last_record(cls) -> RacpRequest:
        return cls.build(RacpOpCode.REPORT_STORED_RECORDS, RacpOperator.LAST_RECORD)

    @classmethod
    def report_records_greater_or_equal(cls, minimum: RacpValue) -> RacpRequest:
        """Records from ``minimum`` on (a sequence number / time offset, or a DateTime)."""
        return cls.build(
            RacpOpCode.REPORT_STORED_RECORDS, RacpOperator.GREATER_THAN_OR_EQUAL_TO, minimum
        )

    @classmethod
    def report_records_less_or_equal(cls, maximum: RacpValue) -> RacpRequest:
        return cls.build(
            RacpOpCode.REPORT_STORED_RECORDS, RacpOperator.LESS_THAN_OR_EQUAL_TO, None, maximum
        )

    @classmethod
    def report_records_within_range(cls, minimum: RacpValue, maximum: RacpValue) -> RacpRequest:
        return cls.build(
            RacpOpCode.REPORT_STORED_RECORDS, RacpOperator.WITHIN_RANGE_OF, minimum, maximum
        )

    @classmethod
    def report_number_of_records(
        cls,
        operator: RacpOperator = RacpOperator.ALL_RECORDS,
        minimum: RacpValue | None = None,
        maximum: RacpValue | None = None,
    ) -> RacpRequest:
        return cls.build(RacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS, operator, minimum, maximum)

    @classmethod
    def delete_records(
        cls,
        operator: RacpOperator = RacpOperator.ALL_RECORDS,
        minimum: RacpValue | None = None,
        maximum: RacpValue | None = None,
    ) -> RacpRequest:
        return cls.build(RacpOpCode.DELETE_STORED_RECORDS, operator, minimum, maximum)

    @classmethod
    def abort_operation(cls) -> RacpRequest:
        return cls.build(RacpOpCode.ABORT_OPERATION, RacpOperator.NULL)

    # For servers.

    def validation_error(self) -> RacpResponseCodeValue | None:
        """The response code every server sends for this request whatever it supports, or None
        when the request is well formed: op code not supported for an unknown op code, invalid
        operator for an unknown operator or one the op code does not take (abort takes only
        null, the others anything but null), operand not supported for an unknown filter type,
        invalid operand for a range whose minimum exceeds its maximum. Whether the server
        supports the operator or filter type is for the server to add."""
        if self.op_code not in _REQUEST_OP_CODES:
            return RacpResponseCodeValue.OP_CODE_NOT_SUPPORTED
        operator = self.operator
        if not is_known(RacpOperator, operator):
            return RacpResponseCodeValue.INVALID_OPERATOR
        if (self.op_code == RacpOpCode.ABORT_OPERATION) != (operator == RacpOperator.NULL):
            return RacpResponseCodeValue.INVALID_OPERATOR
        if self.filter_type is not None and self.filter_type not in _FILTER_TYPES:
            return RacpResponseCodeValue.OPERAND_NOT_SUPPORTED
        low, high = self.minimum, self.maximum
        if low is not None and high is not None and _order_key(low) > _order_key(high):
            return RacpResponseCodeValue.INVALID_OPERAND
        return None

    def response(self, value: RacpResponseCodeValue) -> RacpResponseCode:
        """The response code (op code 6) answering this request with ``value``."""
        return RacpResponseCode(self.op_code, value)


def _order_key(value: RacpValue) -> tuple[int, ...]:
    if isinstance(value, DateTime):
        return (value.year, value.month, value.day, value.hours, value.minutes, value.seconds)
    return (value,)


def _value_problem(value: RacpValue | None, filter_type: int, what: str) -> str | None:
    if value is None:
        return f"{what} is required by the operator"
    if filter_type == _TIME_FILTER:
        if not isinstance(value, DateTime):
            return f"{what} must be a DateTime for filter type 2 (user facing time)"
        return None
    if isinstance(value, DateTime | bool) or not 0 <= value <= 0xFFFF:
        return f"{what} must be a uint16 for filter type 1, not {value!r}"
    return None


def _request_problem(m: RacpRequest) -> str | None:
    """Why ``m`` cannot be encoded so that it decodes back to itself, or None."""
    op, operator, filter_type = m.op_code, m.operator, m.filter_type
    if not 0 <= op <= 0xFF or op in (_NUMBER_RESPONSE, _RESPONSE_CODE):
        return f"op code {op} is not a request op code"
    if not 0 <= operator <= 0xFF:
        return f"operator {operator} is out of range 0..255"
    parsed = op in _REQUEST_OP_CODES and is_known(RacpOperator, operator)
    if not parsed or operator not in (_LESS_OR_EQUAL, _GREATER_OR_EQUAL, _WITHIN_RANGE):
        if filter_type is not None or m.minimum is not None or m.maximum is not None:
            return "this op code and operator take no filter type or values"
        if parsed and m.unparsed_operand:
            return f"operator {operator} takes no operand"
        return None
    if filter_type is None:
        return f"operator {operator} needs a filter type"
    if not 0 <= filter_type <= 0xFF:
        return f"filter type {filter_type} is out of range 0..255"
    if filter_type not in _FILTER_TYPES:
        if m.minimum is not None or m.maximum is not None:
            return f"unknown filter type {filter_type} takes its operand in unparsed_operand"
        return None
    if m.unparsed_operand:
        return "unparsed_operand must be empty with a known filter type"
    if operator == _LESS_OR_EQUAL:
        if m.minimum is not None:
            return "less than or equal to takes only a maximum"
        return _value_problem(m.maximum, filter_type, "maximum")
    if operator == _GREATER_OR_EQUAL:
        if m.maximum is not None:
            return "greater than or equal to takes only a minimum"
        return _value_problem(m.minimum, filter_type, "minimum")
    return _value_problem(m.minimum, filter_type, "minimum") or _value_problem(
        m.maximum, filter_type, "maximum"
    )


def check_response_operator(r: Reader, operator: int) -> None:
    """The operator (byte 1) of a response must be 0 (null); DecodeError otherwise."""
    if operator != 0:
        raise r.error(f"operator of a response must be 0 (null), not {operator}", 1)


def response_code_bytes(request_op_code: int, value: int) -> bytes:
    """A response code (op code 6, operator null): the request's op code and the outcome, the
    same in every RACP layout."""
    return bytes((_RESPONSE_CODE, 0)) + (
        _bytes.u8(request_op_code, "request op code") + _bytes.u8(value, "response code value")
    )


def _read_value(r: Reader, filter_type: int, what: str) -> RacpValue:
    if filter_type == _UINT16_FILTER:
        return r.u16(what)
    return read_date_time(r, what)


def decode_record_access_control_point(
    data: ByteString,
) -> RacpRequest | RacpNumberOfRecordsResponse | RacpResponseCode:
    r = Reader(data, RECORD_ACCESS_CONTROL_POINT.name)
    op_raw = r.u8("op code")
    operator_raw = r.u8("operator")
    if op_raw in (_NUMBER_RESPONSE, _RESPONSE_CODE):
        check_response_operator(r, operator_raw)
        response: RacpNumberOfRecordsResponse | RacpResponseCode
        if op_raw == _NUMBER_RESPONSE:
            response = RacpNumberOfRecordsResponse(r.u16("number of records"))
        else:
            request_op = r.u8("request op code")
            value = r.u8("response code value")
            response = RacpResponseCode(
                member_or_int(RacpOpCode, request_op), member_or_int(RacpResponseCodeValue, value)
            )
        r.end()
        return response
    op = member_or_int(RacpOpCode, op_raw)
    operator = member_or_int(RacpOperator, operator_raw)
    if op_raw not in _REQUEST_OP_CODES or not isinstance(operator, RacpOperator):
        return RacpRequest(op, operator, unparsed_operand=r.rest())
    if operator_raw not in (_LESS_OR_EQUAL, _GREATER_OR_EQUAL, _WITHIN_RANGE):
        r.end()
        return RacpRequest(op, operator)
    filter_raw = r.u8("filter type")
    if filter_raw not in _FILTER_TYPES:
        return RacpRequest(op, operator, filter_raw, unparsed_operand=r.rest())
    minimum = maximum = None
    if operator_raw == _LESS_OR_EQUAL:
        maximum = _read_value(r, filter_raw, "maximum")
    elif operator_raw == _GREATER_OR_EQUAL:
        minimum = _read_value(r, filter_raw, "minimum")
    else:
        minimum = _read_value(r, filter_raw, "minimum")
        maximum = _read_value(r, filter_raw, "maximum")
    r.end()
    return RacpRequest(op, operator, _FILTER_TYPES[filter_raw], minimum, maximum)


def encode_record_access_control_point(value: RecordAccessControlPoint) -> bytes:
    if isinstance(value, RacpRequest):
        problem = _request_problem(value)
        if problem:
            raise EncodeError(problem)
        out = bytearray((value.op_code, value.operator))
        if value.filter_type is not None:
            out.append(value.filter_type)
            for item in (value.minimum, value.maximum):
                if isinstance(item, DateTime):
                    out += date_time_bytes(item)
                elif item is not None:
                    out += _bytes.u16(item, "filter value")
        out += value.unparsed_operand
        return bytes(out)
    if isinstance(value, RacpNumberOfRecordsResponse):
        return bytes((_NUMBER_RESPONSE, 0)) + _bytes.u16(value.count, "number of records")
    if isinstance(value, RacpResponseCode):
        return response_code_bytes(int(value.request_op_code), int(value.value))
    raise EncodeError(f"{type(value).__name__} is not a Record Access Control Point value")


@dataclass(frozen=True, slots=True)
class RacpLayout:
    """How a service lays out the RACP values a client writes and reads: ``encode`` writes a
    request built with :class:`RacpRequest` (filter type 1 values up to ``max_key``), ``decode``
    reads the server's answers as this module's values. Glucose, CGM and the pulse oximeter use
    this module's layout (:data:`LAYOUT`); the Generic Health Sensor its own, with uint32
    record numbers (``profiles.ghs.racp.LAYOUT``)."""

    encode: Callable[[RacpRequest], bytes]
    decode: Callable[[ByteString], RecordAccessControlPoint]
    max_key: int = 0xFFFF


RECORD_ACCESS_CONTROL_POINT = Characteristic(
    0x2A52,
    "record-access-control-point",
    RecordAccessControlPoint,
    decode_record_access_control_point,
    encode_record_access_control_point,
)
CHARACTERISTICS: Final = (RECORD_ACCESS_CONTROL_POINT,)
LAYOUT: Final = RacpLayout(encode_record_access_control_point, decode_record_access_control_point)
