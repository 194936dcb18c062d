"""The Record Access Control Point (0x2A52) as the Generic Health Sensor Service uses it.

The layout is that of :mod:`profiles.racp` (op code, operator, operand) with GHS's differences:
filter type 1 is the record number of a stored observation, a uint32; the number of stored
records response (op code 5) carries a uint32; GHS adds the combined report (op code 7: report
the records and then their number) with its response (op code 8, uint32 number of records), and
the response code value 0x0A, server busy. Filter types other than 1 are kept unparsed, as are
the operands of unknown op codes and operators, so a server can answer with the right response
code.

0x2A52 is registered once, for the glucose and CGM layout (:mod:`profiles.racp`); a GHS session
uses :func:`decode_ghs_racp` and :func:`encode_ghs_racp`, which raise DecodeError/EncodeError
like a registered codec.

Sources: ST's STM32WBA-BLE-GenericHealthSensor (``ghs_racp.c``: op codes 1-8, record number
filter, uint32 counts, response codes 1-10) and Philips' BLE-GHS-Client-Example
(``GhsRacpHandler.kt``: the same op codes and a uint32 record number operand).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from profiles import _bytes
from profiles._bytes import ByteString, Reader
from profiles._fields import is_known, member_or_int
from profiles.errors import EncodeError
from profiles.racp import (
    RacpLayout,
    RacpNumberOfRecordsResponse,
    RacpOperator,
    RacpRequest,
    RacpResponseCode,
    RecordAccessControlPoint,
    check_response_operator,
    response_code_bytes,
)

NAME: Final = "record-access-control-point"


class GhsRacpOpCode(enum.IntEnum):
    REPORT_STORED_RECORDS = 1
    DELETE_STORED_RECORDS = 2
    ABORT_OPERATION = 3
    REPORT_NUMBER_OF_STORED_RECORDS = 4
    NUMBER_OF_STORED_RECORDS_RESPONSE = 5
    RESPONSE_CODE = 6
    COMBINED_REPORT = 7
    COMBINED_REPORT_RESPONSE = 8


class GhsRacpResponseCodeValue(enum.IntEnum):
    SUCCESS = 1
    OP_CODE_NOT_SUPPORTED = 2
    INVALID_OPERATOR = 3
    OPERATOR_NOT_SUPPORTED = 4
    INVALID_OPERAND = 5
    NO_RECORDS_FOUND = 6
    ABORT_UNSUCCESSFUL = 7
    PROCEDURE_NOT_COMPLETED = 8
    OPERAND_NOT_SUPPORTED = 9
    SERVER_BUSY = 10


RECORD_NUMBER_FILTER: Final = 1

_REQUESTS: Final = frozenset((1, 2, 3, 4, 7))
_COUNT_RESPONSES: Final = frozenset((5, 8))
_FILTERED: Final = frozenset((2, 3, 4))


@dataclass(frozen=True, slots=True)
class GhsRacpRequest:
    """A request (or an unknown op code). With operators 2-4 and filter type 1 the record
    numbers are in ``minimum``/``maximum`` (operator 2 only a maximum, 3 only a minimum, 4
    both); ``unparsed_operand`` holds operand bytes this module cannot interpret."""

    op_code: GhsRacpOpCode | int
    operator: RacpOperator | int = RacpOperator.NULL
    filter_type: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    unparsed_operand: bytes = b""

    @classmethod
    def records_from(cls, op_code: GhsRacpOpCode, record_number: int) -> GhsRacpRequest:
        """``op_code`` applied to the records with a record number of at least the given one
        (e.g. the combined report after the last record a gateway stored)."""
        return cls(op_code, RacpOperator.GREATER_THAN_OR_EQUAL_TO, 1, record_number)


@dataclass(frozen=True, slots=True)
class GhsRacpNumberOfRecords:
    """Op code 5 (number of stored records response) or 8 (combined report response)."""

    count: int
    combined_report: bool = False


@dataclass(frozen=True, slots=True)
class GhsRacpResponseCode:
    """Op code 6: the outcome of the request with ``request_op_code``."""

    request_op_code: GhsRacpOpCode | int
    value: GhsRacpResponseCodeValue | int


GhsRacpValue = GhsRacpRequest | GhsRacpNumberOfRecords | GhsRacpResponseCode


def decode_ghs_racp(data: ByteString) -> GhsRacpValue:
    r = Reader(data, NAME)
    op = r.u8("op code")
    operator = r.u8("operator")
    if op in _COUNT_RESPONSES or op == GhsRacpOpCode.RESPONSE_CODE:
        check_response_operator(r, operator)
        response: GhsRacpValue
        if op == GhsRacpOpCode.RESPONSE_CODE:
            request = r.u8("request op code")
            value = r.u8("response code value")
            response = GhsRacpResponseCode(
                member_or_int(GhsRacpOpCode, request),
                member_or_int(GhsRacpResponseCodeValue, value),
            )
        else:
            response = GhsRacpNumberOfRecords(
                r.u32("number of records"), op == GhsRacpOpCode.COMBINED_REPORT_RESPONSE
            )
        r.end()
        return response
    op_code = member_or_int(GhsRacpOpCode, op)
    known_operator = member_or_int(RacpOperator, operator)
    if op not in _REQUESTS or not isinstance(known_operator, RacpOperator):
        return GhsRacpRequest(op_code, known_operator, unparsed_operand=r.rest())
    if operator not in _FILTERED:
        r.end()
        return GhsRacpRequest(op_code, known_operator)
    filter_type = r.u8("filter type")
    if filter_type != RECORD_NUMBER_FILTER:
        return GhsRacpRequest(op_code, known_operator, filter_type, unparsed_operand=r.rest())
    minimum = r.u32("minimum") if operator != RacpOperator.LESS_THAN_OR_EQUAL_TO else None
    maximum = r.u32("maximum") if operator != RacpOperator.GREATER_THAN_OR_EQUAL_TO else None
    r.end()
    return GhsRacpRequest(op_code, known_operator, filter_type, minimum, maximum)


def _request_problem(m: GhsRacpRequest) -> str | None:
    op, operator = int(m.op_code), int(m.operator)
    if not 0 <= op <= 0xFF or op in _COUNT_RESPONSES or op == GhsRacpOpCode.RESPONSE_CODE:
        return f"op code {op} is not a request op code"
    if not 0 <= operator <= 0xFF:
        return f"operator {operator} is out of range 0..255"
    parsed = op in _REQUESTS and is_known(RacpOperator, operator)
    if not parsed or operator not in _FILTERED:
        if m.filter_type is not None or m.minimum is not None or m.maximum is not None:
            return "this op code and operator take no filter type or record numbers"
        if parsed and m.unparsed_operand:
            return f"operator {operator} takes no operand"
        return None
    if m.filter_type is None or not 0 <= m.filter_type <= 0xFF:
        return f"operator {operator} needs a filter type 0..255"
    if m.filter_type != RECORD_NUMBER_FILTER:
        if m.minimum is not None or m.maximum is not None:
            return "an unknown filter type takes its operand in unparsed_operand"
        return None
    if m.unparsed_operand:
        return "unparsed_operand must be empty with the record number filter"
    wants_min = operator != RacpOperator.LESS_THAN_OR_EQUAL_TO
    wants_max = operator != RacpOperator.GREATER_THAN_OR_EQUAL_TO
    if (m.minimum is not None) != wants_min or (m.maximum is not None) != wants_max:
        needed = [
            what for what, wanted in (("a minimum", wants_min), ("a maximum", wants_max)) if wanted
        ]
        return f"operator {operator} takes {' and '.join(needed)}"
    return None


def encode_ghs_racp(value: GhsRacpValue) -> bytes:
    if isinstance(value, GhsRacpNumberOfRecords):
        op = 8 if value.combined_report else 5
        return bytes((op, 0)) + _bytes.u32(value.count, "number of records")
    if isinstance(value, GhsRacpResponseCode):
        return response_code_bytes(int(value.request_op_code), int(value.value))
    if not isinstance(value, GhsRacpRequest):
        raise EncodeError(f"{type(value).__name__} is not a GHS RACP value")
    problem = _request_problem(value)
    if problem:
        raise EncodeError(problem)
    out = bytearray((int(value.op_code), int(value.operator)))
    if value.filter_type is not None:
        out.append(value.filter_type)
        for number in (value.minimum, value.maximum):
            if number is not None:
                out += _bytes.u32(number, "record number")
    return bytes(out + value.unparsed_operand)


# --- The layout a client uses (profiles.racp.RacpLayout) -------------------------------------


def encode_client_request(request: RacpRequest) -> bytes:
    """A request built with :class:`profiles.racp.RacpRequest` in GHS's layout: a filter type 1
    value is a record number (uint32). EncodeError for a user facing time (GHS has none)."""
    if request.filter_type not in (None, RECORD_NUMBER_FILTER):
        raise EncodeError(f"GHS RACP has no filter type {request.filter_type}")
    numbers = []
    for value in (request.minimum, request.maximum):
        if value is not None and not isinstance(value, int):
            raise EncodeError("GHS RACP filters on record numbers only")
        numbers.append(value)
    return encode_ghs_racp(
        GhsRacpRequest(
            int(request.op_code),
            int(request.operator),
            None if request.filter_type is None else RECORD_NUMBER_FILTER,
            numbers[0],
            numbers[1],
            request.unparsed_operand,
        )
    )


def decode_server_answer(data: ByteString) -> RecordAccessControlPoint:
    """A GHS server's RACP value as :mod:`profiles.racp` values: a response code as
    :class:`~profiles.racp.RacpResponseCode` (server busy stays the int 10), a number of records
    (also the combined report's) as :class:`~profiles.racp.RacpNumberOfRecordsResponse`."""
    value = decode_ghs_racp(data)
    if isinstance(value, GhsRacpResponseCode):
        return RacpResponseCode(int(value.request_op_code), int(value.value))
    if isinstance(value, GhsRacpNumberOfRecords):
        return RacpNumberOfRecordsResponse(value.count)
    return RacpRequest(
        int(value.op_code),
        int(value.operator),
        value.filter_type,
        value.minimum,
        value.maximum,
        value.unparsed_operand,
    )


LAYOUT: Final = RacpLayout(encode_client_request, decode_server_answer, 0xFFFFFFFF)
"""GHS's RACP layout for a client (the gateway's stored-observation transfer)."""
