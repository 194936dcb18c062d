import asyncio

from gateway.ble.racp_fetch import FetchOutcome, RacpFetch
from profiles.racp import (
    RacpOpCode,
    RacpOperator,
    RacpResponseCode,
    RacpResponseCodeValue,
    decode_record_access_control_point,
)

SUCCESS = RacpResponseCode(RacpOpCode.REPORT_STORED_RECORDS, RacpResponseCodeValue.SUCCESS)


def test_first_fetch_asks_for_all_records() -> None:
    assert RacpFetch(None).request.operator == RacpOperator.ALL_RECORDS


def test_contour_quirk_asks_for_ge_zero_instead_of_all() -> None:
    request = RacpFetch(None, all_records_as_ge_zero=True).request
    assert request.operator == RacpOperator.GREATER_THAN_OR_EQUAL_TO
    assert request.minimum == 0


def test_incremental_fetch_asks_from_the_mark() -> None:
    request = RacpFetch(42).request
    assert request.operator == RacpOperator.GREATER_THAN_OR_EQUAL_TO
    assert request.minimum == 42


def test_mark_beyond_uint16_is_capped_and_filtered() -> None:
    fetch = RacpFetch(0x10000)
    assert fetch.request.minimum == 0xFFFF
    assert not fetch.on_record(0xFFFF)


def test_records_are_counted_and_success_completes() -> None:
    fetch = RacpFetch(5)
    assert fetch.on_record(5)
    assert fetch.on_record(7)
    assert fetch.on_control_point(SUCCESS)
    assert fetch.outcome is FetchOutcome.COMPLETE
    assert (fetch.records, fetch.max_sequence) == (2, 7)


def test_no_records_found() -> None:
    fetch = RacpFetch(5)
    fetch.on_control_point(
        RacpResponseCode(RacpOpCode.REPORT_STORED_RECORDS, RacpResponseCodeValue.NO_RECORDS_FOUND)
    )
    assert fetch.outcome is FetchOutcome.NO_RECORDS


def test_responses_to_other_requests_are_ignored() -> None:
    fetch = RacpFetch(5)
    other = RacpResponseCode(RacpOpCode.ABORT_OPERATION, RacpResponseCodeValue.SUCCESS)
    assert not fetch.on_control_point(other)
    assert not fetch.done


def test_unsupported_ge_falls_back_once_to_all_and_filters_locally() -> None:
    fetch = RacpFetch(10)
    unsupported = RacpResponseCode(
        RacpOpCode.REPORT_STORED_RECORDS, RacpResponseCodeValue.OPERATOR_NOT_SUPPORTED
    )
    assert fetch.on_control_point(unsupported)
    assert not fetch.done
    assert fetch.request.operator == RacpOperator.ALL_RECORDS
    assert not fetch.on_record(9)
    assert fetch.on_record(10)
    assert fetch.dropped == 1
    # "all" unsupported too: give up.
    fetch.on_control_point(unsupported)
    assert fetch.outcome is FetchOutcome.FAILED


def test_other_failure_codes_fail() -> None:
    fetch = RacpFetch(None)
    fetch.on_control_point(
        RacpResponseCode(
            RacpOpCode.REPORT_STORED_RECORDS, RacpResponseCodeValue.PROCEDURE_NOT_COMPLETED
        )
    )
    assert fetch.outcome is FetchOutcome.FAILED


def test_run_writes_request_and_ends_on_response() -> None:
    async def scenario() -> tuple[FetchOutcome, list[bytes]]:
        fetch = RacpFetch(3)
        written: list[bytes] = []

        async def write(value: bytes) -> None:
            written.append(value)
            loop = asyncio.get_running_loop()
            loop.call_later(0.01, fetch.on_record, 3)
            loop.call_later(0.02, fetch.on_control_point, SUCCESS)

        return await fetch.run(write, idle_timeout=1.0), written

    outcome, written = asyncio.run(scenario())
    assert outcome is FetchOutcome.COMPLETE
    assert written == [bytes((1, 3, 1, 3, 0))]


def test_run_resends_fallback_request() -> None:
    async def scenario() -> list[bytes]:
        fetch = RacpFetch(3)
        written: list[bytes] = []
        unsupported = RacpResponseCode(
            RacpOpCode.REPORT_STORED_RECORDS, RacpResponseCodeValue.OPERATOR_NOT_SUPPORTED
        )

        async def write(value: bytes) -> None:
            written.append(value)
            answer = unsupported if len(written) == 1 else SUCCESS
            asyncio.get_running_loop().call_soon(fetch.on_control_point, answer)

        assert await fetch.run(write, idle_timeout=1.0) is FetchOutcome.COMPLETE
        return written

    assert asyncio.run(scenario()) == [bytes((1, 3, 1, 3, 0)), bytes((1, 1))]


def test_run_times_out_after_inactivity_and_aborts() -> None:
    async def scenario() -> tuple[FetchOutcome, list[bytes]]:
        fetch = RacpFetch(None)
        written: list[bytes] = []

        async def write(value: bytes) -> None:
            written.append(value)
            if len(written) == 1:  # a few records, then silence
                loop = asyncio.get_running_loop()
                for i in range(3):
                    loop.call_later(0.01 * (i + 1), fetch.on_record, i)

        return await fetch.run(write, idle_timeout=0.05), written

    outcome, written = asyncio.run(scenario())
    assert outcome is FetchOutcome.TIMEOUT
    assert len(written) == 2
    abort = decode_record_access_control_point(written[1])
    assert abort.op_code == RacpOpCode.ABORT_OPERATION  # type: ignore[union-attr]


def test_disconnect_ends_a_running_fetch() -> None:
    async def scenario() -> FetchOutcome:
        fetch = RacpFetch(None)

        async def write(value: bytes) -> None:
            asyncio.get_running_loop().call_soon(fetch.disconnected)

        return await fetch.run(write, idle_timeout=5)

    assert asyncio.run(scenario()) is FetchOutcome.DISCONNECTED
