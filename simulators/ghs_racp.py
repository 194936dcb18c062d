"""The Record Access Control Point as the Generic Health Sensor Service uses it
(:mod:`profiles.ghs.racp`), for :class:`simulators.racp_server.RacpServer`: filter type 1 is
the record number (uint32, :attr:`~simulators.racp_server.StoredRecord.key`), counts are uint32,
and the combined report (op code 7) sends the records and then their number (op code 8).

The checks and their response codes are those of :func:`simulators.racp_server.decide`: op code
not supported (an unknown or a response op code), invalid operator (an unknown one; abort with
anything but null, the others with null), invalid operand (an operand that does not fit, a
range whose minimum exceeds its maximum), operand not supported (a filter type other than the
record number), no records found (report, combined report or delete selecting nothing; the
combined report then answers with that response code, as a report does). Every operator is
supported and abort always succeeds.
"""

from __future__ import annotations

from typing import Final

from profiles.errors import DecodeError
from profiles.ghs.racp import (
    RECORD_NUMBER_FILTER,
    GhsRacpNumberOfRecords,
    GhsRacpOpCode,
    GhsRacpRequest,
    GhsRacpResponseCode,
    GhsRacpValue,
    decode_ghs_racp,
    encode_ghs_racp,
)
from profiles.ghs.racp import GhsRacpResponseCodeValue as Code
from profiles.racp import RacpOperator
from simulators.racp_server import RacpDialect, RacpSupport, RecordStore, Reply

GhsReply = Reply[GhsRacpRequest, GhsRacpValue]

_REQUESTS: Final = frozenset(
    (
        GhsRacpOpCode.REPORT_STORED_RECORDS,
        GhsRacpOpCode.DELETE_STORED_RECORDS,
        GhsRacpOpCode.ABORT_OPERATION,
        GhsRacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS,
        GhsRacpOpCode.COMBINED_REPORT,
    )
)
_OPERATORS: Final = frozenset(int(o) for o in RacpOperator if o != RacpOperator.NULL)


def _answer(request: GhsRacpRequest, code: Code) -> GhsReply:
    return Reply(request, GhsRacpResponseCode(request.op_code, code))


def _problem(request: GhsRacpRequest) -> Code | None:
    """The response code every GHS server gives this request, or None when it is well formed."""
    if request.op_code == GhsRacpOpCode.ABORT_OPERATION:
        return None if request.operator == RacpOperator.NULL else Code.INVALID_OPERATOR
    if request.operator not in _OPERATORS:
        return Code.INVALID_OPERATOR
    if request.filter_type is not None and request.filter_type != RECORD_NUMBER_FILTER:
        return Code.OPERAND_NOT_SUPPORTED
    low, high = request.minimum, request.maximum
    if low is not None and high is not None and low > high:
        return Code.INVALID_OPERAND
    return None


def decide(data: bytes, store: RecordStore, _support: RacpSupport | None = None) -> GhsReply:
    """The reply to the GHS RACP value ``data`` (pure: the store is not changed)."""
    op = data[0] if data else 0
    if op not in _REQUESTS:
        return Reply(None, GhsRacpResponseCode(op, Code.OP_CODE_NOT_SUPPORTED))
    try:
        decoded = decode_ghs_racp(data)
    except DecodeError:
        return Reply(None, GhsRacpResponseCode(GhsRacpOpCode(op), Code.INVALID_OPERAND))
    assert isinstance(decoded, GhsRacpRequest)  # request op codes decode to requests
    request = decoded
    problem = _problem(request)
    if problem is not None:
        return _answer(request, problem)
    if request.op_code == GhsRacpOpCode.ABORT_OPERATION:
        return Reply(request, GhsRacpResponseCode(request.op_code, Code.SUCCESS), abort=True)
    selected = tuple(store.select(request))
    if request.op_code == GhsRacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS:
        return Reply(request, GhsRacpNumberOfRecords(len(selected)))
    if not selected:
        return _answer(request, Code.NO_RECORDS_FOUND)
    if request.op_code == GhsRacpOpCode.DELETE_STORED_RECORDS:
        return Reply(request, GhsRacpResponseCode(request.op_code, Code.SUCCESS), delete=selected)
    response: GhsRacpValue = GhsRacpResponseCode(request.op_code, Code.SUCCESS)
    if request.op_code == GhsRacpOpCode.COMBINED_REPORT:
        response = GhsRacpNumberOfRecords(len(selected), combined_report=True)
    return Reply(
        request,
        response,
        records=selected,
        not_completed=GhsRacpResponseCode(request.op_code, Code.PROCEDURE_NOT_COMPLETED),
    )


def _succeeded(response: GhsRacpValue) -> bool:
    return isinstance(response, GhsRacpResponseCode) and response.value == Code.SUCCESS


GHS_RACP: Final = RacpDialect(decide, encode_ghs_racp, _succeeded)
