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

Count first (``count_first``): before each request, the device is asked "report number of
stored records" with the same operator and filter, so the transfer knows how many records to
take as stored. A device stack may send a pending indication before queued notifications
(bluetoothd does: docs/real-bluez.md, finding 3), so the "success" response can overtake some
or all of the notified records. After the response, records keep counting as stored ones until
the counted number has arrived; if some are still missing after ``late_timeout`` seconds
without a record, the transfer ends SHORT: what arrived is delivered, and the mark only moves
past the consecutive records acknowledged, so the missing ones are fetched again next time.
Values arriving while the count is asked are not part of the transfer (live). A device that
refuses the count ("op code not supported", any other response code) or does not answer it
within the inactivity timeout is fetched as without it: the transfer ends at the response.

The caller feeds it, in arrival order, ``on_record(sequence, records)`` for each record value
it takes as stored (:meth:`RacpFetch.takes`) and ``on_control_point(value)`` for each RACP
indication. It never advances a high-water mark itself: the session does that once the
consumer has acknowledged the records.
"""

from __future__ import annotations

import asyncio
import dataclasses
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
    """The device reported success: every requested record was sent (and, when it counted
    them first, that many arrived)."""
    SHORT = "short"
    """The device reported success, but fewer records than it counted arrived before the
    wait for late ones ran out: those are fetched again next time."""
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
    numbers). ``count_first``: ask the device how many records each request selects (see the
    module docstring)."""

    def __init__(
        self,
        start: int | None,
        *,
        all_records_as_ge_zero: bool = False,
        layout: RacpLayout = racp.LAYOUT,
        count_first: bool = False,
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
        self.expected: int | None = None
        """How many records the device counted for the current request (None: not known)."""
        self.arrived = 0
        """Records of the current request arrived (delivered, dropped below the mark, or
        already delivered on this connection)."""
        self.count_refused: RacpResponseCode | None = None
        """The device's answer when it refused the last count request."""
        self._count_first = count_first
        self._counting = count_first
        self._count_answered: asyncio.Event | None = None
        self._late = False
        self._keys: set[int] = set()
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
    def count_request(self) -> RacpRequest:
        """ "Report number of stored records" selecting what :attr:`request` selects."""
        count = RacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS
        return dataclasses.replace(self._request, op_code=count)

    @property
    def filter_below(self) -> int:
        """Records with a lower sequence number are dropped (set when the device cannot filter,
        or when the mark is beyond the uint16 range)."""
        return max(self._filter_below, self.start or 0)

    @property
    def done(self) -> bool:
        return self.outcome is not None

    @property
    def missing(self) -> int:
        """Records the device counted that have not arrived (0 when it did not count)."""
        if self.expected is None:
            return 0
        return max(self.expected - self.arrived, 0)

    def takes(self, sequence: int | None) -> bool:
        """Whether a value arriving now on a record characteristic belongs to this transfer
        (else it is live): from the request until the transfer ended, and after a complete
        one a value with a key it already took (a glucose context following its
        measurement, which alone was counted)."""
        if self._counting:
            return False
        if not self.done:
            return True
        complete = self.outcome is FetchOutcome.COMPLETE
        return complete and sequence is not None and sequence in self._keys

    def on_record(self, sequence: int | None, records: int = 1) -> bool:
        """A record value of the transfer arrived, carrying ``records`` of the records the
        device counts; True if it should be delivered (False: below the mark)."""
        self.touch()
        if sequence is not None:
            self._keys.add(sequence)
        if sequence is not None and sequence < self.filter_below:
            self.dropped += 1
            self.on_arrival(records)
            return False
        self.records += 1
        if sequence is not None and (self.max_sequence is None or sequence > self.max_sequence):
            self.max_sequence = sequence
        self.on_arrival(records)
        return True

    def on_repeat(self, sequence: int, records: int = 1) -> bool:
        """A record value already delivered on this connection came again during the
        transfer. True when it came outside the transfer first (a reading the device also
        stores, sent live and then reported): one of the records the device counted; False
        for an echo of a value the transfer took."""
        self.touch()
        if sequence in self._keys:
            return False
        self._keys.add(sequence)
        self.on_arrival(records)
        return True

    def on_arrival(self, records: int) -> None:
        """``records`` of the records the device counts arrived (also a record not delivered
        again: one that already came on this connection)."""
        self.arrived += records
        if self._late and not self.done and self.missing == 0:
            self._finish(FetchOutcome.COMPLETE)

    def on_control_point(self, value: RecordAccessControlPoint) -> bool:
        """An RACP indication arrived; True when it ended the transfer, answered the count, or
        changed the request (then :attr:`request` is the fallback to write)."""
        self.touch()
        if self._counting:
            return self._on_count_answer(value)
        if not isinstance(value, RacpResponseCode):
            return False
        if value.request_op_code != RacpOpCode.REPORT_STORED_RECORDS or self.done or self._late:
            return False
        self.response = value
        code = value.value
        if code == RacpResponseCodeValue.SUCCESS:
            if self.missing:
                self._late = True  # records the response overtook are still to come
            else:
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
            self._counting = self._count_first
            if self._activity is not None:
                self._activity.set()
        else:
            self._finish(FetchOutcome.FAILED)
        return True

    def _on_count_answer(self, value: RecordAccessControlPoint) -> bool:
        if isinstance(value, RacpNumberOfRecordsResponse):
            self.expected = value.count
        elif (
            isinstance(value, RacpResponseCode)
            and value.request_op_code == RacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS
        ):
            self.expected = None
            self.count_refused = value
            if value.value == RacpResponseCodeValue.OP_CODE_NOT_SUPPORTED:
                self._count_first = False  # not even for a fallback request
        else:
            return False
        self._count_done()
        return True

    def _count_done(self) -> None:
        self._counting = False
        self.arrived = 0
        if self._count_answered is not None:
            self._count_answered.set()

    def disconnected(self) -> None:
        if not self.done:
            self._finish(FetchOutcome.DISCONNECTED)

    def touch(self) -> None:
        """Note activity (a notification arrived), resetting the inactivity timeout."""
        if self._activity is not None:
            self._activity.set()

    def _finish(self, outcome: FetchOutcome) -> None:
        self.outcome = outcome
        self._counting = False
        if self._done is not None:
            self._done.set()
        if self._activity is not None:
            self._activity.set()
        if self._count_answered is not None:
            self._count_answered.set()

    async def run(
        self,
        write: Callable[[bytes], Awaitable[None]],
        *,
        idle_timeout: float = 10.0,
        abort_timeout: float = 2.0,
        late_timeout: float | None = None,
    ) -> FetchOutcome:
        """Write the request and wait until the transfer ends. ``write`` sends a value to the
        RACP (with response); its exceptions propagate (the session treats them as a failed
        step). An inactivity of ``idle_timeout`` seconds ends it with TIMEOUT; after a success
        response, ``late_timeout`` seconds (by default ``idle_timeout``) without a record end
        the wait for counted records still missing (SHORT)."""
        self._done = asyncio.Event()
        self._activity = asyncio.Event()
        self._count_answered = asyncio.Event()
        if self.done:
            return self._outcome()
        late = idle_timeout if late_timeout is None else late_timeout
        sent: RacpRequest | None = None
        while not self.done:
            if sent is not self._request:
                sent = self._request
                if self._counting:
                    await self._count(write, idle_timeout)
                    if self.done:
                        break
                await self._write_request(write, self.layout.encode(sent))
                continue  # the response may have arrived during the write
            self._activity.clear()
            try:
                await asyncio.wait_for(self._activity.wait(), late if self._late else idle_timeout)
            except TimeoutError:
                if self.done:
                    continue
                if self._late:
                    self._finish(FetchOutcome.SHORT)  # the device's procedure is over
                    continue
                self._finish(FetchOutcome.TIMEOUT)
                try:
                    abort = self.layout.encode(RacpRequest.abort_operation())
                    await asyncio.wait_for(write(abort), abort_timeout)
                except Exception:  # best effort on a link that may be dead
                    pass
        return self._outcome()

    async def _count(self, write: Callable[[bytes], Awaitable[None]], timeout: float) -> None:
        """Ask how many records the request selects and wait for the answer; without one
        within ``timeout``, go on without a count."""
        assert self._count_answered is not None
        self._count_answered.clear()
        await self._write_request(write, self.layout.encode(self.count_request))
        try:
            await asyncio.wait_for(self._count_answered.wait(), timeout)
        except TimeoutError:
            if self._counting:
                self.expected = None
                self._count_done()

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
