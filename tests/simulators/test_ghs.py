"""The GHS simulator's parts without a bus: its options, RACP as GHS uses it (byte vectors
written out from the GHS RACP layout: op code, operator, filter type 1 and uint32 record
numbers), the Elapsed Time clock and the seeded measurements."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import pytest

from profiles import elapsed_time as ets
from profiles.ghs.observation_codec import observation_bytes
from profiles.ghs.observations import CompoundValue, NumericValue, SampleArrayValue
from simulators.command_line import command_parser
from simulators.elapsed_time_clock import ElapsedTimeClock
from simulators.ghs import GhsOptions, GhsSimulator
from simulators.ghs_observations import Measurer, Personality
from simulators.ghs_racp import GHS_RACP, decide
from simulators.options import from_args
from simulators.peripheral import GattError
from simulators.racp_server import RecordStore, StoredRecord


def options(*argv: str) -> GhsOptions:
    return from_args(GhsOptions, command_parser(GhsSimulator).parse_args(argv))


def test_personality_and_clock_flags() -> None:
    assert options().personality is Personality.SPOT_CHECK
    chosen = options("--personality", "waveform", "--strip-seconds", "3", "--tick-counter")
    assert chosen == GhsOptions(Personality.WAVEFORM, strip_seconds=3, tick_counter=True)
    assert options("--interval", "0.25").interval == 0.25
    with pytest.raises(SystemExit):
        command_parser(GhsSimulator).parse_args(["--personality", "thermometer"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--strip-seconds", "5"), r"--strip-seconds must be 1\.\.4"),
        (("--interval", "-1"), "--interval must not be negative"),
    ],
)
def test_out_of_range_options_are_usage_errors(argv: tuple[str, ...], message: str) -> None:
    with pytest.raises(SystemExit, match=message):
        options(*argv)


def store() -> RecordStore:
    return RecordStore(StoredRecord(n, ()) for n in (1, 2, 3, 5))


def answer(request: str) -> tuple[list[int], str, list[int]]:
    """(record numbers to send, the response as hex, record numbers to delete)."""
    reply = decide(bytes.fromhex(request), store())
    return (
        [r.key for r in reply.records],
        GHS_RACP.encode(reply.response).hex(),
        [r.key for r in reply.delete],
    )


@pytest.mark.parametrize(
    ("request_hex", "expected"),
    [
        ("0101", ([1, 2, 3, 5], "06000101", [])),  # report all
        ("01030102000000", ([2, 3, 5], "06000101", [])),  # report >= 2
        ("01020103000000", ([1, 2, 3], "06000101", [])),  # report <= 3
        ("0104010200000003000000", ([2, 3], "06000101", [])),  # report 2..3
        ("0105", ([1], "06000101", [])),  # first
        ("0106", ([5], "06000101", [])),  # last
        ("0401", ([], "050004000000", [])),  # number of records: uint32
        ("04030104000000", ([], "050001000000", [])),
        ("07030103000000", ([3, 5], "080002000000", [])),  # combined report >= 3
        ("0201", ([], "06000201", [1, 2, 3, 5])),  # delete all
        ("02030106000000", ([], "06000206", [])),  # delete >= 6: no records found
        ("01030106000000", ([], "06000106", [])),  # report >= 6: no records found
        ("0300", ([], "06000301", [])),  # abort with nothing running
        ("0301", ([], "06000303", [])),  # abort takes only null: invalid operator
        ("0100", ([], "06000103", [])),  # report with null: invalid operator
        ("0109", ([], "06000103", [])),  # unknown operator
        ("010301", ([], "06000105", [])),  # operand too short: invalid operand
        ("0104010300000002000000", ([], "06000105", [])),  # minimum above maximum
        ("0103020300", ([], "06000109", [])),  # filter type 2: operand not supported
        ("0501", ([], "06000502", [])),  # a response op code: op code not supported
        ("0901", ([], "06000902", [])),
        ("", ([], "06000002", [])),
    ],
)
def test_ghs_racp_answers(request_hex: str, expected: tuple[list[int], str, list[int]]) -> None:
    assert answer(request_hex) == expected


def test_a_failed_report_is_not_completed() -> None:
    reply = decide(bytes.fromhex("0701"), store())
    assert reply.not_completed is not None
    assert GHS_RACP.encode(reply.not_completed).hex() == "06000708"
    assert GHS_RACP.succeeded(decide(bytes.fromhex("0300"), store()).response)


def test_the_clock_is_set_in_its_own_format_only() -> None:
    clock = ElapsedTimeClock()
    current = clock.current()
    assert current.clock_needs_to_be_set
    assert current.time.utc
    assert current.time.resolution is ets.TimeResolution.ONE_MILLISECOND
    moment = dt.datetime(2031, 6, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    with pytest.raises(GattError, match="0x80"):
        clock.set(replace(current.time, resolution=ets.TimeResolution.ONE_SECOND))
    clock.set(current.time.set_to(moment, ets.TimeSyncSource.GPS))
    after = clock.current()
    assert not after.clock_needs_to_be_set
    assert after.time.sync_source == ets.TimeSyncSource.GPS
    assert after.time.tz_dst_offset == 8
    shown = after.time.to_datetime()
    assert shown is not None
    assert dt.timedelta(0) <= shown - moment < dt.timedelta(minutes=1)
    assert clock.timeline == 1


def test_a_tick_counter_cannot_be_set() -> None:
    clock = ElapsedTimeClock(tick_counter=True)
    stamp = clock.now()
    assert stamp.tick_counter
    with pytest.raises(GattError, match="tick counter"):
        clock.set(stamp)


@pytest.mark.parametrize("personality", list(Personality))
def test_measurements_follow_the_seed(personality: Personality) -> None:
    stamp = ElapsedTimeClock().now()
    first = Measurer(personality, random.Random(9)).measure(stamp)
    again = Measurer(personality, random.Random(9)).measure(stamp)
    other = Measurer(personality, random.Random(10)).measure(stamp)
    assert first == again
    assert first != other
    assert all(observation_bytes(o) for o in first)  # encodable


def test_what_each_personality_measures() -> None:
    stamp = ElapsedTimeClock().now()
    bp, pulse = Measurer(Personality.SPOT_CHECK, random.Random(1)).measure(stamp)
    assert isinstance(bp.value, CompoundValue)
    assert [c.type for c in bp.value.components] == [150021, 150022, 150023]
    assert isinstance(pulse.value, NumericValue)
    strip, rate = Measurer(Personality.WAVEFORM, random.Random(1), 2).measure(stamp)
    assert isinstance(strip.value, SampleArrayValue)
    assert len(strip.value.samples) == 500
    assert strip.value.samples_per_period == 250
    assert max(strip.value.samples) - min(strip.value.samples) > 200  # R waves stand out
    assert isinstance(rate.value, NumericValue)
