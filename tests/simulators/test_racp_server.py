"""The RACP record-store server: every operation and every error response, byte vectors
written out from the RACP definition (op code, operator, operand), and the procedure driver
(records, then the response; abort; a device fault; a vanished central)."""

from __future__ import annotations

import asyncio

import pytest

from profiles.date_time import DateTime
from profiles.racp import RacpOperator, RacpResponseCode, encode_record_access_control_point
from simulators.peripheral import GattError
from simulators.racp_server import (
    RacpServer,
    RacpSupport,
    RecordStore,
    RecordTransferError,
    StoredRecord,
    decide,
)

GLUCOSE = RacpSupport(filter_types=frozenset((1, 2)))


def record(key: int, hour: int | None = None) -> StoredRecord:
    time = DateTime(2024, 5, 1, hour, 0, 0) if hour is not None else None
    return StoredRecord(key, (("uuid", bytes((key,))),), time)


def store() -> RecordStore:
    return RecordStore([record(3, 8), record(4, 9), record(5, 10), record(7, None)])


def answer(data: str, support: RacpSupport = GLUCOSE) -> tuple[list[int], str]:
    """(keys of the records to send, the final response as hex)."""
    reply = decide(bytes.fromhex(data), store(), support)
    return [r.key for r in reply.records], encode_record_access_control_point(reply.response).hex()


SUCCESS = "06000101"


@pytest.mark.parametrize(
    ("request_hex", "keys"),
    [
        ("0101", [3, 4, 5, 7]),  # all records
        ("0102010500", [3, 4, 5]),  # <= sequence 5
        ("0103010400", [4, 5, 7]),  # >= sequence 4
        ("01040104000500", [4, 5]),  # within 4..5
        ("0105", [3]),  # first record
        ("0106", [7]),  # last record
        # >= user facing time 2024-05-01 09:00:00 (records without a time never match)
        ("010302e807050109000" + "0", [4, 5]),
    ],
)
def test_report_stored_records_selects(request_hex: str, keys: list[int]) -> None:
    assert answer(request_hex) == (keys, SUCCESS)


@pytest.mark.parametrize(
    ("request_hex", "response_hex"),
    [
        ("0401", "05000400"),  # number of records: all -> 4
        ("0403010500", "05000200"),  # number of records >= 5 -> 2
        ("0403010900", "05000000"),  # none is a count of 0, not an error
        ("0103010900", "06000106"),  # report >= 9: no records found
        ("0901", "06000902"),  # unknown op code 9
        ("0500", "06000502"),  # a response op code written by the client
        ("", "06000002"),  # empty write
        ("0109", "06000103"),  # unknown operator 9
        ("0100", "06000103"),  # report with the null operator
        ("0301", "06000303"),  # abort with an operator
        ("010301", "06000105"),  # >= without its value: invalid operand
        ("0101ff", "06000105"),  # all records with an operand
        ("01040105000400", "06000105"),  # range 5..4
        ("0103070000", "06000109"),  # unknown filter type 7: operand not supported
    ],
)
def test_responses(request_hex: str, response_hex: str) -> None:
    assert answer(request_hex) == ([], response_hex)


def test_unsupported_operator_op_code_and_filter_type() -> None:
    plx = RacpSupport(operators=frozenset((RacpOperator.ALL_RECORDS,)), filter_types=frozenset())
    assert answer("0105", plx) == ([], "06000104")  # first record: operator not supported
    assert answer("0103010000", plx) == ([], "06000104")
    cgm = RacpSupport()  # filter type 1 only
    assert answer("010302e80705010900" + "00", cgm) == ([], "06000109")
    no_delete = RacpSupport(op_codes=frozenset(o for o in GLUCOSE.op_codes if o != 2))
    assert answer("0201", no_delete) == ([], "06000202")


def test_delete_selects_without_touching_the_store() -> None:
    s = store()
    reply = decide(bytes.fromhex("0202010400"), s)
    assert [r.key for r in reply.delete] == [3, 4]
    assert len(s) == 4
    assert decide(bytes.fromhex("0203010900"), s).response == RacpResponseCode(2, 6)


def test_abort_unsuccessful_when_the_device_cannot_abort() -> None:
    reply = decide(bytes.fromhex("0300"), store(), RacpSupport(abortable=False))
    assert reply.abort
    assert answer("0300", RacpSupport(abortable=False)) == ([], "06000307")


class Harness:
    def __init__(
        self,
        support: RacpSupport = GLUCOSE,
        *,
        gate: bool = False,
        response_first: bool = False,
        fail_at: int | None = None,
        gone_at: int | None = None,
    ) -> None:
        self.sent: list[int] = []
        self.responses: list[str] = []
        self.order: list[int | str] = []
        """Record keys and responses, in the order the central gets them."""
        self.events: list[dict[str, object]] = []
        self.gate = asyncio.Event() if gate else None
        self.fail_at = fail_at
        self.gone_at = gone_at
        self.server = RacpServer(
            store(),
            self.send,
            self.indicate,
            self.events.append,
            support,
            response_first=response_first,
        )

    async def send(self, r: StoredRecord, index: int) -> None:
        if index == self.fail_at:
            raise RecordTransferError("read error")
        if index == self.gone_at:
            raise ConnectionError("central gone")
        if self.gate is not None:
            await self.gate.wait()
        self.sent.append(r.key)
        self.order.append(r.key)

    async def indicate(self, value: bytes) -> None:
        self.responses.append(value.hex())
        self.order.append(value.hex())

    async def settle(self) -> None:
        for _ in range(20):
            await asyncio.sleep(0)

    def after(self, *requests: str) -> Harness:
        """Writes each request (hex) and lets the server settle after each; returns itself."""

        async def scenario() -> None:
            for request in requests:
                self.server.on_write(bytes.fromhex(request))
                await self.settle()

        asyncio.run(scenario())
        return self


def test_report_sends_records_then_success() -> None:
    h = Harness().after("0103010400")
    assert h.sent == [4, 5, 7]
    assert h.responses == [SUCCESS]


def test_response_first_sends_the_success_response_before_the_records() -> None:
    reordered = Harness(response_first=True).after("0103010400")
    usual = Harness().after("0103010400")
    assert reordered.order == [SUCCESS, 4, 5, 7]
    assert usual.order == [4, 5, 7, SUCCESS]
    assert any(e["event"] == "transfer-complete" for e in reordered.events)


def test_response_first_leaves_refusals_and_empty_reports_alone() -> None:
    # none, count, then record 7
    h = Harness(response_first=True).after("0103010800", "0401", "0103010700")
    assert h.order == ["06000106", "05000400", SUCCESS, 7]


def test_delete_then_count() -> None:
    h = Harness().after("0202010400", "0401")
    assert h.sent == []
    assert h.responses == ["06000201", "05000200"]
    assert [r.key for r in h.server.store.records] == [5, 7]


def test_abort_stops_a_running_report_which_gets_no_response() -> None:
    async def scenario() -> Harness:
        h = Harness(gate=True)
        h.server.on_write(bytes.fromhex("0101"))
        await h.settle()
        with pytest.raises(GattError, match="0x80"):
            h.server.on_write(bytes.fromhex("0101"))  # procedure already in progress
        h.server.on_write(bytes.fromhex("0300"))
        await h.settle()
        return h

    h = asyncio.run(scenario())
    assert h.sent == []
    assert h.responses == ["06000301"]
    assert not h.server.busy


def test_a_device_fault_ends_with_procedure_not_completed() -> None:
    h = Harness(fail_at=2).after("0101")
    assert h.sent == [3, 4]
    assert h.responses == ["06000108"]


def test_a_vanished_central_gets_nothing_more() -> None:
    h = Harness(gone_at=1).after("0101")
    assert h.sent == [3]
    assert h.responses == []
    assert any(e["event"] == "transfer-aborted" for e in h.events)


def test_writes_need_racp_indications_enabled() -> None:
    h = Harness()
    h.server.is_subscribed = lambda: False
    with pytest.raises(GattError, match="0x81"):
        h.server.on_write(bytes.fromhex("0101"))
