from __future__ import annotations

from hypothesis import strategies as st

from profiles import racp
from profiles.date_time import DateTime
from profiles.racp import RacpOperator, RacpRequest
from tests.strategies.common import date_times, uint
from tests.strategies.glucose import enum_or_int

_REQUEST_OPS = [
    racp.RacpOpCode.REPORT_STORED_RECORDS,
    racp.RacpOpCode.DELETE_STORED_RECORDS,
    racp.RacpOpCode.ABORT_OPERATION,
    racp.RacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS,
]
_FILTERED = [
    RacpOperator.LESS_THAN_OR_EQUAL_TO,
    RacpOperator.GREATER_THAN_OR_EQUAL_TO,
    RacpOperator.WITHIN_RANGE_OF,
]
_UNFILTERED = [o for o in RacpOperator if o not in _FILTERED]
request_ops = st.sampled_from(_REQUEST_OPS)
operands = st.binary(max_size=20)


@st.composite
def filtered_requests(draw: st.DrawFn) -> RacpRequest:
    op = draw(request_ops)
    operator = draw(st.sampled_from(_FILTERED))
    filter_type = draw(enum_or_int(racp.RacpFilterType, 8))
    if filter_type not in (1, 2):
        return RacpRequest(op, operator, filter_type, unparsed_operand=draw(operands))
    values: st.SearchStrategy[int | DateTime] = (
        uint(16) if filter_type == racp.RacpFilterType.SEQUENCE_NUMBER else date_times()
    )
    low = draw(values) if operator != RacpOperator.LESS_THAN_OR_EQUAL_TO else None
    high = draw(values) if operator != RacpOperator.GREATER_THAN_OR_EQUAL_TO else None
    return RacpRequest(op, operator, filter_type, low, high)


unfiltered_requests = st.builds(RacpRequest, request_ops, st.sampled_from(_UNFILTERED))
unknown_operator_requests = st.builds(
    RacpRequest, request_ops, st.integers(7, 255), unparsed_operand=operands
)
unknown_op_code_requests = st.builds(
    RacpRequest,
    st.sampled_from([0, *range(7, 256)]),
    enum_or_int(RacpOperator, 8),
    unparsed_operand=operands,
)
responses = st.one_of(
    st.builds(racp.RacpNumberOfRecordsResponse, uint(16)),
    st.builds(
        racp.RacpResponseCode,
        enum_or_int(racp.RacpOpCode, 8),
        enum_or_int(racp.RacpResponseCodeValue, 8),
    ),
)

STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "record-access-control-point": st.one_of(
        filtered_requests(),
        unfiltered_requests,
        unknown_operator_requests,
        unknown_op_code_requests,
        responses,
    ),
}
