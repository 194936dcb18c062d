"""Incremental fetch of stored records through the Record Access Control Point (RACP).

:class:`RacpFetch` is the state machine of one transfer: it builds the request (">= sequence N"
from the device's high-water mark; "all records" the first time, or ">= 0" for devices that
drop the link on "all"), filters and counts the records the device sends, reads the RACP
response that ends the transfer, and falls back once to "all records" (filtering ``< N``
locally) when a device does not support ">=". :meth:`RacpFetch.run` drives it: it writes the
request through a callable and waits, with an inactivity timeout that every record resets, for
the response; on a timeout it sends "abort operation" (best effort). A device that refuses the
request with "procedure already in progress" (ATT error 0x80: a transfer started for an earlier
connection or a gateway process that died still runs; BlueZ keeps the link when its client
dies) is sent "abort operation" and asked again, up to :data:`BUSY_RETRIES` times.

The caller feeds it, in arrival order, ``on_record(sequence)`` for each record and
``on_control_point(value)`` for each RACP indication. It never advances a high-water mark
itself: the session does that once the consumer has acknowledged the records.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable
from typing import Final

from profiles import racp
from profiles.racp import (
    RacpFilterType,
    RacpLayout,
    RacpNumberOfRecordsResponse,
    RacpOpCode,
    RacpOperator,
    RacpRequest,
    RacpResponseCode,
    RacpResponseCodeValue,
    RecordAccessControlPoint,
)

BUSY_RETRIES: Final = 5
BUSY_RETRY_DELAY: Final = 0.2
"""Seconds between asking again after "procedure already in progress"."""


def procedure_in_progress(exc: BaseException) -> bool:
    """Whether a failed RACP write was refused with ATT error 0x80 "procedure already in
    progress" (as BlueZ and bleak word it in the error text)."""
    text = str(exc).lower()
    return "0x80" in text or "procedure already in progress" in text


class FetchOutcome(enum.Enum):
    COMPLETE = "complete"
    """The device reported success: every requested record was sent."""
    NO_RECORDS = "no-records"
    """Nothing at or after the requested sequence number."""
    FAILED = "failed"
    """The device answered with another response code."""
    TIMEOUT = "timeout"
    """No record and no response within the inactivity timeout."""
    DISCONNECTED = "disconnected"
    """The link went down during the transfer."""


_GE_UNSUPPORTED: Final = frozenset(
    (
        RacpResponseCodeValue.OPERATOR_NOT_SUPPORTED,
        RacpResponseCodeValue.OPERAND_NOT_SUPPORTED,
        RacpResponseCodeValue.INVALID_OPERATOR,
    )
)


class RacpFetch:
    """One stored-record transfer. ``start`` is the device's high-water mark (the next
    sequence number wanted) or None when the device was never fetched. ``layout``: how the
    service lays out its RACP values (uint16 sequence numbers, or GHS's uint32 record
    numbers)."""

    def __init__(
        self,
        start: int | None,
        *,
        all_records_as_ge_zero: bool = False,
        layout: RacpLayout = racp.LAYOUT,
    ) -> None:
        if start is not None and start < 0:
            raise ValueError("sequence numbers are >= 0")
        self.start = start
        self.all_records_as_ge_zero = all_records_as_ge_zero
        self.layout = layout
        self.records = 0
        self.dropped = 0
        self.max_sequence: int | None = None
        self.outcome: FetchOutcome | None = None
        self.response: RacpResponseCode | None = None
        self.fell_back = False
        self._filter_below = 0
        self._request = self._first_request()
        self._done: asyncio.Event | None = None
        self._activity: asyncio.Event | None = None

    def _first_request(self) -> RacpRequest:
        if self.start is None or self.start == 0:
            if self.all_records_as_ge_zero or self.start == 0:
                return RacpRequest.report_records_greater_or_equal(0)
            return RacpRequest.report_all_records()
        # Past the top of the key's range, ask for the last one and filter locally.
        return RacpRequest(
            RacpOpCode.REPORT_STORED_RECORDS,
            RacpOperator.GREATER_THAN_OR_EQUAL_TO,
            RacpFilterType.SEQUENCE_NUMBER,
            min(self.start, self.layout.max_key),
        )

    @property
    def request(self) -> RacpRequest:
        """The request to write now."""
        return self._request

    @property
    def filter_below(self) -> int:
        """Records with a lower sequence number are dropped (set when the device cannot filter,
        or when the mark is beyond the uint16 range)."""
        return max(self._filter_below, self.start or 0)

    @property
    def done(self) -> bool:
        return self.outcome is not None

    def on_record(self, sequence: int | None) -> bool:
        """A record arrived; True if it should be delivered (False: below the mark)."""
        self.touch()
        if sequence is not None and sequence < self.filter_below:
            self.dropped += 1
            return False
        self.records += 1
        if sequence is not None and (self.max_sequence is None or sequence > self.max_sequence):
            self.max_sequence = sequence
        return True

    def on_control_point(self, value: RecordAccessControlPoint) -> bool:
        """An RACP indication arrived; True when it ended the transfer (or changed the
        request: then :attr:`request` is the fallback to write)."""
        self.touch()
        if isinstance(value, RacpNumberOfRecordsResponse) or not isinstance(
            value, RacpResponseCode
        ):
            return False
        if value.request_op_code != RacpOpCode.REPORT_STORED_RECORDS or self.done:
            return False
        self.response = value
        code = value.value
        if code == RacpResponseCodeValue.SUCCESS:
            self._finish(FetchOutcome.COMPLETE)
        elif code == RacpResponseCodeValue.NO_RECORDS_FOUND:
            self._finish(FetchOutcome.NO_RECORDS)
        elif (
            code in _GE_UNSUPPORTED
            and self._request.operator == RacpOperator.GREATER_THAN_OR_EQUAL_TO
            and not self.fell_back
        ):
            self.fell_back = True
            self._filter_below = self.start or 0
            self._request = RacpRequest.report_all_records()
            if self._activity is not None:
                self._activity.set()
        else:
            self._finish(FetchOutcome.FAILED)
        return True

    def disconnected(self) -> None:
        if not self.done:
            self._finish(FetchOutcome.DISCONNECTED)

    def touch(self) -> None:
        """Note activity (a notification arrived), resetting the inactivity timeout."""
        if self._activity is not None:
            self._activity.set()

    def _finish(self, outcome: FetchOutcome) -> None:
        self.outcome = outcome
        if self._done is not None:
            self._done.set()
        if self._activity is not None:
            self._activity.set()

    async def run(
        self,
        write: Callable[[bytes], Awaitable[None]],
        *,
        idle_timeout: float = 10.0,
        abort_timeout: float = 2.0,
    ) -> FetchOutcome:
        """Write the request and wait until the transfer ends. ``write`` sends a value to the
        RACP (with response); its exceptions propagate (the session treats them as a failed
        step). An inactivity of ``idle_timeout`` seconds ends it with TIMEOUT."""
        self._done = asyncio.Event()
        self._activity = asyncio.Event()
        if self.done:
            return self._outcome()
        sent: RacpRequest | None = None
        while not self.done:
            if sent is not self._request:
                sent = self._request
                await self._write_request(write, self.layout.encode(sent))
                continue  # the response may have arrived during the write
            self._activity.clear()
            try:
                await asyncio.wait_for(self._activity.wait(), idle_timeout)
            except TimeoutError:
                if not self.done:
                    self._finish(FetchOutcome.TIMEOUT)
                    try:
                        abort = self.layout.encode(RacpRequest.abort_operation())
                        await asyncio.wait_for(write(abort), abort_timeout)
                    except Exception:  # best effort on a link that may be dead
                        pass
        return self._outcome()

    async def _write_request(self, write: Callable[[bytes], Awaitable[None]], value: bytes) -> None:
        """Write the request; while the device says a procedure is already in progress, abort
        that procedure (once) and ask again."""
        for attempt in range(BUSY_RETRIES + 1):
            try:
                await write(value)
                return
            except Exception as exc:
                if attempt == BUSY_RETRIES or not procedure_in_progress(exc):
                    raise
            if attempt == 0:
                await write(self.layout.encode(RacpRequest.abort_operation()))
            await asyncio.sleep(BUSY_RETRY_DELAY)

    def _outcome(self) -> FetchOutcome:
        assert self.outcome is not None
        return self.outcome
