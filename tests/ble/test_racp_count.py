"""RacpFetch with the count first (docs/real-bluez.md, finding 3): the device is asked how many
records a request selects, and records the RACP success response overtook still count as
stored ones until that many arrived."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from gateway.ble.link import LinkError
from gateway.ble.racp_fetch import FetchOutcome, RacpFetch
from profiles import racp
from profiles.ghs import racp as ghs_racp
from profiles.racp import RacpOpCode, RacpOperator, RacpRequest

SUCCESS = racp.RacpResponseCode(
    RacpOpCode.REPORT_STORED_RECORDS, racp.RacpResponseCodeValue.SUCCESS
)
COUNT = RacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS
COUNT_UNSUPPORTED = racp.RacpResponseCode(COUNT, racp.RacpResponseCodeValue.OP_CODE_NOT_SUPPORTED)

Answer = Callable[[RacpRequest], list[racp.RecordAccessControlPoint | int]]
"""What a fake device sends for a request: RACP indications, and ints for records (their
sequence numbers), in the order the gateway receives them."""


def transfer(
    fetch: RacpFetch, answer: Answer, *, late_timeout: float = 5.0
) -> tuple[FetchOutcome, list[RacpRequest], list[tuple[int, bool]]]:
    """Run ``fetch`` against a device answering with ``answer``; after the transfer, the
    records the device sends late (after it ended) are offered too. Returns the outcome, the
    requests written and, for every record, (sequence, taken as stored)."""
    written: list[RacpRequest] = []
    records: list[tuple[int, bool]] = []

    def receive(item: racp.RecordAccessControlPoint | int) -> None:
        if isinstance(item, int):
            stored = fetch.takes(item)
            if stored:
                fetch.on_record(item)
            records.append((item, stored))
        else:
            fetch.on_control_point(item)

    async def scenario() -> FetchOutcome:
        async def write(value: bytes) -> None:
            request = racp.decode_record_access_control_point(value)
            assert isinstance(request, RacpRequest)
            written.append(request)
            loop = asyncio.get_running_loop()
            for item in answer(request):
                loop.call_soon(receive, item)

        return await fetch.run(write, idle_timeout=5.0, late_timeout=late_timeout)

    return asyncio.run(scenario()), written, records


def device(sequences: list[int], *, response_first: bool, counted: int | None = None) -> Answer:
    """A device storing ``sequences``; ``counted``: the number it reports (default: right)."""

    def answer(request: RacpRequest) -> list[racp.RecordAccessControlPoint | int]:
        minimum = request.minimum if isinstance(request.minimum, int) else 0
        wanted: list[racp.RecordAccessControlPoint | int] = [s for s in sequences if s >= minimum]
        if request.op_code == COUNT:
            return [racp.RacpNumberOfRecordsResponse(len(wanted) if counted is None else counted)]
        if request.op_code == RacpOpCode.ABORT_OPERATION:
            return []
        return [SUCCESS, *wanted] if response_first else [*wanted, SUCCESS]

    return answer


def completed(
    mark: int | None, answer: Answer
) -> tuple[RacpFetch, list[RacpRequest], list[tuple[int, bool]]]:
    """A count-first fetch from ``mark`` run to completion against ``answer``: the fetch, the
    requests written and the records, as :func:`transfer` gives them."""
    fetch = RacpFetch(mark, count_first=True)
    outcome, written, records = transfer(fetch, answer)
    assert outcome is FetchOutcome.COMPLETE
    return fetch, written, records


def steps(written: list[RacpRequest]) -> list[tuple[RacpOpCode | int, int]]:
    return [(w.op_code, w.operator) for w in written]


def test_the_count_is_asked_with_the_filter_of_the_request_first() -> None:
    _, written, records = completed(3, device([1, 3, 4], response_first=False))
    count, report = written
    assert (count.op_code, count.operator, count.minimum) == (
        COUNT,
        RacpOperator.GREATER_THAN_OR_EQUAL_TO,
        3,
    )
    assert (report.op_code, report.operator, report.minimum) == (
        RacpOpCode.REPORT_STORED_RECORDS,
        RacpOperator.GREATER_THAN_OR_EQUAL_TO,
        3,
    )
    assert records == [(3, True), (4, True)]
    first = RacpFetch(None, count_first=True).count_request
    assert (first.op_code, first.operator) == (COUNT, RacpOperator.ALL_RECORDS)


def test_records_the_response_overtook_count_as_stored_until_the_count_is_reached() -> None:
    fetch, _, records = completed(0, device([0, 1, 2], response_first=True))
    assert records == [(0, True), (1, True), (2, True)]
    assert (fetch.expected, fetch.arrived, fetch.records) == (3, 3, 3)
    assert not fetch.takes(3)  # what comes after the counted records is live


def test_a_response_in_the_middle_of_the_records_waits_for_the_rest() -> None:
    def halfway(request: RacpRequest) -> list[racp.RecordAccessControlPoint | int]:
        if request.op_code == COUNT:
            return [racp.RacpNumberOfRecordsResponse(4)]
        return [0, 1, SUCCESS, 2, 3, 4]  # 4: a live value after the counted ones

    _, _, records = completed(None, halfway)
    assert records == [(0, True), (1, True), (2, True), (3, True), (4, False)]


def test_without_the_count_records_after_the_response_are_live() -> None:
    # Today's behaviour, kept for a device that cannot count.
    def no_count(request: RacpRequest) -> list[racp.RecordAccessControlPoint | int]:
        if request.op_code == COUNT:
            return [COUNT_UNSUPPORTED]
        return device([0, 1], response_first=True)(request)

    fetch, written, records = completed(0, no_count)
    assert [w.op_code for w in written] == [COUNT, RacpOpCode.REPORT_STORED_RECORDS]
    assert records == [(0, False), (1, False)]
    assert fetch.count_refused == COUNT_UNSUPPORTED
    assert fetch.expected is None


def test_a_device_that_cannot_count_is_not_asked_again_for_the_fallback_request() -> None:
    def old_meter(request: RacpRequest) -> list[racp.RecordAccessControlPoint | int]:
        if request.op_code == COUNT:
            return [COUNT_UNSUPPORTED]
        if request.operator == RacpOperator.GREATER_THAN_OR_EQUAL_TO:
            return [request.response(racp.RacpResponseCodeValue.OPERATOR_NOT_SUPPORTED)]
        return [4, 5, 6, SUCCESS]

    fetch, written, records = completed(5, old_meter)
    assert steps(written) == [
        (COUNT, RacpOperator.GREATER_THAN_OR_EQUAL_TO),
        (RacpOpCode.REPORT_STORED_RECORDS, RacpOperator.GREATER_THAN_OR_EQUAL_TO),
        (RacpOpCode.REPORT_STORED_RECORDS, RacpOperator.ALL_RECORDS),
    ]
    assert records == [(4, True), (5, True), (6, True)]
    assert (fetch.dropped, fetch.records) == (1, 2)


def test_the_fallback_to_all_records_is_counted_too() -> None:
    def no_ge(request: RacpRequest) -> list[racp.RecordAccessControlPoint | int]:
        if request.operator == RacpOperator.GREATER_THAN_OR_EQUAL_TO:
            return [request.response(racp.RacpResponseCodeValue.OPERATOR_NOT_SUPPORTED)]
        return device([4, 5, 6], response_first=True)(request)

    fetch, written, records = completed(5, no_ge)
    assert steps(written) == [
        (COUNT, RacpOperator.GREATER_THAN_OR_EQUAL_TO),
        (RacpOpCode.REPORT_STORED_RECORDS, RacpOperator.GREATER_THAN_OR_EQUAL_TO),
        (COUNT, RacpOperator.ALL_RECORDS),
        (RacpOpCode.REPORT_STORED_RECORDS, RacpOperator.ALL_RECORDS),
    ]
    # The record below the mark is dropped, but it is one of the three the device counted.
    assert records == [(4, True), (5, True), (6, True)]
    assert (fetch.expected, fetch.arrived, fetch.dropped) == (3, 3, 1)


def test_a_count_larger_than_what_arrives_ends_short_after_the_wait() -> None:
    fetch = RacpFetch(0, count_first=True)
    outcome, written, records = transfer(
        fetch, device([0, 1], response_first=True, counted=3), late_timeout=0.05
    )
    assert outcome is FetchOutcome.SHORT
    assert records == [(0, True), (1, True)]
    assert (fetch.expected, fetch.arrived, fetch.missing) == (3, 2, 1)
    # The device's procedure was over: nothing is aborted.
    assert [w.op_code for w in written] == [COUNT, RacpOpCode.REPORT_STORED_RECORDS]


def test_values_while_the_count_is_asked_are_not_part_of_the_transfer() -> None:
    fetch = RacpFetch(None, count_first=True)
    assert not fetch.takes(7)  # before the count was answered: live
    fetch.on_control_point(racp.RacpNumberOfRecordsResponse(1))
    assert fetch.takes(7)
    fetch_without = RacpFetch(None)
    assert fetch_without.takes(7)


def test_a_value_with_a_key_the_transfer_took_still_belongs_to_it() -> None:
    # A glucose context following its measurement, which alone was counted.
    fetch = RacpFetch(None, count_first=True)
    fetch.on_control_point(racp.RacpNumberOfRecordsResponse(1))
    fetch.on_control_point(SUCCESS)
    assert not fetch.done
    fetch.on_record(4)
    assert fetch.outcome is FetchOutcome.COMPLETE
    assert fetch.takes(4)
    assert not fetch.takes(5)


def test_a_reading_delivered_live_and_then_reported_counts_once() -> None:
    fetch = RacpFetch(None, count_first=True)
    fetch.on_control_point(racp.RacpNumberOfRecordsResponse(2))
    fetch.on_control_point(SUCCESS)
    assert fetch.on_repeat(10)  # came live before the transfer: one of the two counted
    assert not fetch.done
    fetch.on_record(15)
    assert fetch.outcome is FetchOutcome.COMPLETE
    assert not fetch.on_repeat(15)  # an echo of a record the transfer took


def test_a_count_that_never_comes_is_given_up() -> None:
    def silent_on_count(request: RacpRequest) -> list[racp.RecordAccessControlPoint | int]:
        if request.op_code == COUNT:
            return []
        return device([0], response_first=False)(request)

    async def scenario() -> tuple[FetchOutcome, RacpFetch]:
        fetch = RacpFetch(None, count_first=True)

        async def write(value: bytes) -> None:
            request = racp.decode_record_access_control_point(value)
            assert isinstance(request, RacpRequest)
            for item in silent_on_count(request):
                if isinstance(item, int):
                    fetch.on_record(item)
                else:
                    asyncio.get_running_loop().call_soon(fetch.on_control_point, item)

        return await fetch.run(write, idle_timeout=0.05), fetch

    outcome, fetch = asyncio.run(scenario())
    assert outcome is FetchOutcome.COMPLETE
    assert fetch.expected is None


def test_a_busy_device_is_aborted_and_asked_the_count_again() -> None:
    written: list[int] = []

    async def scenario() -> FetchOutcome:
        fetch = RacpFetch(17, count_first=True)
        refusals = 1

        async def write(value: bytes) -> None:
            nonlocal refusals
            request = racp.decode_record_access_control_point(value)
            assert isinstance(request, RacpRequest)
            written.append(int(request.op_code))
            if request.op_code == RacpOpCode.ABORT_OPERATION:
                return
            if refusals:
                refusals -= 1
                raise LinkError("write 0x2A52: 0x80: procedure already in progress")
            for item in device([17], response_first=True)(request):
                if isinstance(item, int):
                    asyncio.get_running_loop().call_soon(fetch.on_record, item)
                else:
                    asyncio.get_running_loop().call_soon(fetch.on_control_point, item)

        return await fetch.run(write, idle_timeout=1.0)

    assert asyncio.run(scenario()) is FetchOutcome.COMPLETE
    assert written == [COUNT, RacpOpCode.ABORT_OPERATION, COUNT, RacpOpCode.REPORT_STORED_RECORDS]


def test_the_count_request_is_in_the_layout_of_the_service() -> None:
    fetch = RacpFetch(70001, count_first=True, layout=ghs_racp.LAYOUT)
    written = ghs_racp.decode_ghs_racp(fetch.layout.encode(fetch.count_request))
    assert written == ghs_racp.GhsRacpRequest.records_from(
        ghs_racp.GhsRacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS, 70001
    )
    # A GHS count answer is a uint32.
    answer = ghs_racp.encode_ghs_racp(ghs_racp.GhsRacpNumberOfRecords(70000))
    assert fetch.on_control_point(fetch.layout.decode(answer))
    assert fetch.expected == 70000
