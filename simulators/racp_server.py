"""A reusable Record Access Control Point (0x2A52) server over a store of records, for the
glucose meter, CGM and pulse oximeter simulators.

:func:`decide` is the pure part: given the bytes a central wrote and the store, it returns a
:class:`Reply` (the records to send, the records to delete, the final response, or "abort").
It answers every RACP error a server can give:

- op code not supported: an unknown op code, a response op code (5, 6) written by the client,
  or an op code the device does not implement (:attr:`RacpSupport.op_codes`);
- invalid operator: an unknown operator, null with a request that needs one, anything but null
  with abort;
- operator not supported: a known operator the device does not implement;
- invalid operand: an operand whose size does not fit its operator and filter type, a range
  whose minimum exceeds its maximum;
- operand not supported: an unknown filter type or one the device does not implement;
- no records found: report (or delete) selects nothing;
- abort unsuccessful: abort on a device that cannot abort (:attr:`RacpSupport.abortable`);
- procedure not completed: the device failed while sending (a ``send_record`` that raises
  :class:`RecordTransferError`).

:class:`RacpServer` drives it on a :class:`~simulators.peripheral.Peripheral`: its
:meth:`~RacpServer.on_write` is the RACP characteristic's write handler. A report runs as a
background procedure (the write is answered first, then records are notified, then the response
is indicated; with ``response_first`` the response comes before the records); a second request
while one runs is refused with ATT error 0x80 ("procedure already in progress"), a write while
RACP indications are off with 0x81 ("client characteristic configuration descriptor improperly
configured"), as the Glucose Service specifies. Abort stops a running report, which then gets
no response of its own.

Filter type 1 selects by :attr:`StoredRecord.key`: the sequence number (glucose), the time
offset (CGM), the storage index (pulse oximeter) or the record number (GHS); filter type 2 by
the user facing time.

The RACP layout (:class:`RacpDialect`) is that of :mod:`profiles.racp` unless the server is
given another one: :data:`simulators.ghs_racp.GHS_RACP` is RACP as the Generic Health Sensor
Service uses it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Generic, TypeVar

from profiles import racp
from profiles.date_time import DateTime
from profiles.errors import DecodeError
from profiles.ghs.racp import GhsRacpRequest
from profiles.racp import RacpOpCode, RacpOperator, RacpRequest
from simulators import bluez
from simulators.background import BackgroundTasks
from simulators.peripheral import GattError

Code = racp.RacpResponseCodeValue

ATT_PROCEDURE_ALREADY_IN_PROGRESS: Final = 0x80
ATT_CCCD_IMPROPERLY_CONFIGURED: Final = 0x81

ALL_OPERATORS: Final = frozenset(
    (
        RacpOperator.ALL_RECORDS,
        RacpOperator.LESS_THAN_OR_EQUAL_TO,
        RacpOperator.GREATER_THAN_OR_EQUAL_TO,
        RacpOperator.WITHIN_RANGE_OF,
        RacpOperator.FIRST_RECORD,
        RacpOperator.LAST_RECORD,
    )
)
ALL_OP_CODES: Final = frozenset(
    (
        RacpOpCode.REPORT_STORED_RECORDS,
        RacpOpCode.DELETE_STORED_RECORDS,
        RacpOpCode.ABORT_OPERATION,
        RacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS,
    )
)
_REQUEST_OP_CODES: Final = frozenset(int(op) for op in ALL_OP_CODES)

Request = TypeVar("Request")
Response = TypeVar("Response")


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """One stored record: its filter-type-1 ``key``, the characteristic values sent for it (in
    order, as (characteristic UUID, value)) and its user facing time (filter type 2)."""

    key: int
    values: tuple[tuple[str, bytes], ...]
    user_facing_time: DateTime | None = None


@dataclass(frozen=True, slots=True)
class RacpSupport:
    """What the device implements beyond what every server must check."""

    op_codes: frozenset[RacpOpCode] = ALL_OP_CODES
    operators: frozenset[RacpOperator] = ALL_OPERATORS
    filter_types: frozenset[int] = frozenset((int(racp.RacpFilterType.SEQUENCE_NUMBER),))
    abortable: bool = True


@dataclass(frozen=True, slots=True)
class Reply(Generic[Request, Response]):
    """What to do for one request: send ``records``, delete ``delete``, then send ``response``
    (``not_completed`` instead when the device fails while sending the records); or, with
    ``abort``, stop the running procedure (``response`` is then the answer to give when there
    is nothing to stop)."""

    request: Request | None
    response: Response
    records: tuple[StoredRecord, ...] = ()
    delete: tuple[StoredRecord, ...] = ()
    abort: bool = False
    not_completed: Response | None = None


class RecordStore:
    """Records in storage order (ascending keys for every simulated device)."""

    def __init__(self, records: Iterable[StoredRecord] = ()) -> None:
        self.records: list[StoredRecord] = list(records)

    def __len__(self) -> int:
        return len(self.records)

    def add(self, record: StoredRecord) -> None:
        self.records.append(record)

    def remove(self, records: Iterable[StoredRecord]) -> None:
        gone = {id(r) for r in records}
        self.records = [r for r in self.records if id(r) not in gone]

    def next_key(self, start: int = 0) -> int:
        return max((r.key for r in self.records), default=start - 1) + 1

    def select(self, request: RacpRequest | GhsRacpRequest) -> list[StoredRecord]:
        """The records a well-formed, supported request applies to, in storage order."""
        operator = request.operator
        if operator == RacpOperator.ALL_RECORDS:
            return list(self.records)
        if operator == RacpOperator.FIRST_RECORD:
            return self.records[:1]
        if operator == RacpOperator.LAST_RECORD:
            return self.records[-1:]
        low, high = request.minimum, request.maximum
        return [r for r in self.records if _within(r, low, high)]


def _order(value: int | DateTime) -> tuple[int, ...]:
    if isinstance(value, DateTime):
        return (value.year, value.month, value.day, value.hours, value.minutes, value.seconds)
    return (value,)


def _within(record: StoredRecord, low: int | DateTime | None, high: int | DateTime | None) -> bool:
    bound = low if low is not None else high
    if isinstance(bound, DateTime):
        if record.user_facing_time is None:
            return False
        key = _order(record.user_facing_time)
    else:
        key = (record.key,)
    if low is not None and key < _order(low):
        return False
    return high is None or key <= _order(high)


GlucoseReply = Reply[RacpRequest, racp.RecordAccessControlPoint]


def _answer(op_code: int, code: Code, request: RacpRequest | None = None) -> GlucoseReply:
    return Reply(request, racp.RacpResponseCode(_op(op_code), code))


def _op(op_code: int) -> RacpOpCode | int:
    return RacpOpCode(op_code) if op_code in _REQUEST_OP_CODES else op_code


def decide(data: bytes, store: RecordStore, support: RacpSupport = RacpSupport()) -> GlucoseReply:
    """The reply to the RACP value ``data`` (pure: the store is not changed)."""
    if not data or data[0] not in _REQUEST_OP_CODES:
        return _answer(data[0] if data else 0, Code.OP_CODE_NOT_SUPPORTED)
    try:
        decoded = racp.decode_record_access_control_point(data)
    except DecodeError:
        return _answer(data[0], Code.INVALID_OPERAND)
    assert isinstance(decoded, RacpRequest)  # responses have op codes 5 and 6
    request = decoded
    error = request.validation_error()
    if error is not None:
        return Reply(request, request.response(error))
    op = request.op_code
    if op not in support.op_codes:
        return Reply(request, request.response(Code.OP_CODE_NOT_SUPPORTED))
    if op == RacpOpCode.ABORT_OPERATION:
        code = Code.SUCCESS if support.abortable else Code.ABORT_UNSUCCESSFUL
        return Reply(request, request.response(code), abort=True)
    if request.operator not in support.operators:
        return Reply(request, request.response(Code.OPERATOR_NOT_SUPPORTED))
    if request.filter_type is not None and request.filter_type not in support.filter_types:
        return Reply(request, request.response(Code.OPERAND_NOT_SUPPORTED))
    selected = tuple(store.select(request))
    if op == RacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS:
        return Reply(request, racp.RacpNumberOfRecordsResponse(len(selected)))
    if not selected:
        return Reply(request, request.response(Code.NO_RECORDS_FOUND))
    if op == RacpOpCode.DELETE_STORED_RECORDS:
        return Reply(request, request.response(Code.SUCCESS), delete=selected)
    return Reply(
        request,
        request.response(Code.SUCCESS),
        records=selected,
        not_completed=request.response(Code.PROCEDURE_NOT_COMPLETED),
    )


@dataclass(frozen=True, slots=True)
class RacpDialect(Generic[Response]):
    """How a service words RACP: the reply to a written value, the bytes of a response, and
    whether a response reports success."""

    decide: Callable[[bytes, RecordStore, RacpSupport], Reply[Any, Response]]
    encode: Callable[[Response], bytes]
    succeeded: Callable[[Response], bool]


def _succeeded(response: racp.RecordAccessControlPoint) -> bool:
    return isinstance(response, racp.RacpResponseCode) and response.success


RACP: Final = RacpDialect(decide, racp.encode_record_access_control_point, _succeeded)
"""RACP as the Glucose, CGM and Pulse Oximeter Services use it (:mod:`profiles.racp`)."""


class RecordTransferError(Exception):
    """Raised by a ``send_record`` when the device fails while the link stays up: the report
    ends with "procedure not completed"."""


SendRecord = Callable[[StoredRecord, int], Awaitable[None]]
"""Sends one record (its index within the running report is the second argument); raises
ConnectionError/TimeoutError when the central is gone, RecordTransferError on a device fault."""
Indicate = Callable[[bytes], Awaitable[None]]
Emit = Callable[[dict[str, object]], None]


@dataclass
class RacpServer:
    """Serves RACP writes over ``store``; see the module docstring."""

    store: RecordStore
    send_record: SendRecord
    indicate: Indicate
    emit: Emit
    support: RacpSupport = field(default_factory=RacpSupport)
    dialect: RacpDialect[Any] = RACP
    is_subscribed: Callable[[], bool] = lambda: True
    before_report: Callable[[RacpRequest], bool] | None = None
    """Called before a report starts; returning False drops the request silently (a device that
    disconnects instead of answering does that itself)."""
    on_change: Callable[[], None] | None = None
    """Called after records were deleted."""
    after_report: Callable[[], Awaitable[None]] | None = None
    """Awaited after a report that sent records was answered with success."""
    response_first: bool = False
    """Send a report's success response before its records, as the central receives them from
    a stack that sends a pending indication before queued notifications (bluetoothd does:
    docs/real-bluez.md, finding 3)."""
    _procedure: asyncio.Task[None] | None = field(default=None, init=False)
    _ending: bool = field(default=False, init=False)
    _tasks: BackgroundTasks = field(init=False)

    def __post_init__(self) -> None:
        self._tasks = BackgroundTasks(self.emit)

    @property
    def busy(self) -> bool:
        """A procedure runs. It ends when its response is sent: a central may write again as
        soon as it got the response, before the server has its confirmation."""
        return self._procedure is not None and not self._procedure.done() and not self._ending

    def _end(self) -> None:
        self._ending = True

    def on_write(self, value: bytes) -> None:
        """The RACP write handler: check, answer the write, start the procedure."""
        if not self.is_subscribed():
            raise GattError(
                bluez.ERROR_FAILED,
                f"0x{ATT_CCCD_IMPROPERLY_CONFIGURED:02X}: RACP indications are not enabled",
            )
        reply = self.dialect.decide(value, self.store, self.support)
        self.emit(
            {
                "event": "racp-request",
                "value": value.hex(),
                "request": repr(reply.request) if reply.request else None,
            }
        )
        if reply.abort:
            self._tasks.spawn(self._abort(reply))
            return
        if self.busy:
            raise GattError(
                bluez.ERROR_FAILED,
                f"0x{ATT_PROCEDURE_ALREADY_IN_PROGRESS:02X}: procedure already in progress",
            )
        self._ending = False
        self._procedure = self._tasks.spawn(self._run(reply))

    def cancel(self) -> None:
        """Stop whatever runs (the simulator is shutting down)."""
        self._tasks.cancel()

    async def _respond(self, response: object) -> None:
        value = self.dialect.encode(response)
        try:
            await self.indicate(value)
        except (ConnectionError, TimeoutError) as e:
            self.emit({"event": "racp-response-lost", "value": value.hex(), "error": repr(e)})
            return
        self.emit({"event": "racp-response", "value": value.hex(), "response": repr(response)})

    async def _run(self, reply: Reply[Any, Any]) -> None:
        request = reply.request
        if (
            isinstance(request, RacpRequest)
            and request.op_code == RacpOpCode.REPORT_STORED_RECORDS
            and self.before_report is not None
            and not self.before_report(request)
        ):
            return
        responded = self.response_first and bool(reply.records)
        if responded:
            self._end()
            await self._respond(reply.response)
        sent = 0
        try:
            for index, record in enumerate(reply.records):
                await self.send_record(record, index)
                sent += 1
        except (ConnectionError, TimeoutError) as e:
            self.emit({"event": "transfer-aborted", "count": sent, "error": repr(e)})
            return
        except RecordTransferError as e:
            self.emit({"event": "transfer-failed", "count": sent, "error": str(e)})
            if responded:
                return  # success was already reported
            assert reply.not_completed is not None
            self._end()
            await self._respond(reply.not_completed)
            return
        except asyncio.CancelledError:
            self.emit({"event": "transfer-stopped", "count": sent})
            raise
        if reply.delete:
            self.store.remove(reply.delete)
            self.emit({"event": "records-deleted", "keys": [r.key for r in reply.delete]})
            if self.on_change is not None:
                self.on_change()
        if reply.records:
            self.emit({"event": "transfer-complete", "count": sent})
        if not responded:
            self._end()
            await self._respond(reply.response)
        if reply.records and self.after_report is not None:
            await self.after_report()

    async def _abort(self, reply: Reply[Any, Any]) -> None:
        running = self._procedure
        succeeds = self.dialect.succeeded(reply.response)
        if succeeds and running is not None and not running.done():
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
        await self._respond(reply.response)
