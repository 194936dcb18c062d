"""The high-water ledger on its own (no session, no fakes, no BLE): where the mark may go for
the orders values can arrive in. Records may overtake each other's contexts (different
characteristics), and a glucose measurement that announces a context is complete only with it."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from gateway.ble.ledger import HighWaterLedger
from gateway.ble.profile_table import PROFILES, StoredRecords
from profiles.date_time import DateTime
from profiles.glucose import GlucoseMeasurement, GlucoseMeasurementContext

BASE = DateTime(2026, 11, 22, 8, 0, 0)
_GLUCOSE_RULES = next(spec for spec in PROFILES if spec.name == "glucose").stored
assert _GLUCOSE_RULES is not None
GLUCOSE: StoredRecords = _GLUCOSE_RULES


@dataclass(frozen=True)
class Rules:
    """Plain record rules: consecutive keys, no record announces another value."""

    live_advances_mark: bool = True
    awaits_more: Callable[[object], bool] = lambda value: False


def measurement(sequence: int, *, context: bool = False) -> GlucoseMeasurement:
    return GlucoseMeasurement(sequence, BASE, context_information_follows=context)


def glucose_ledger(mark: int | None) -> HighWaterLedger:
    ledger = HighWaterLedger()
    ledger.begin(mark, GLUCOSE)
    return ledger


def ack(ledger: HighWaterLedger, *values: GlucoseMeasurement | GlucoseMeasurementContext) -> None:
    for value in values:
        ledger.acknowledge(value.sequence_number, stored=True, value=value)


def test_interrupted_transfer_stops_at_the_first_gap() -> None:
    ledger = glucose_ledger(4)
    ack(ledger, measurement(4), measurement(5), measurement(7))
    assert ledger.next_mark(complete=False) == 6


def test_interrupted_transfer_with_records_out_of_order_still_advances() -> None:
    ledger = glucose_ledger(None)
    ack(ledger, measurement(2), measurement(1), measurement(3))
    assert ledger.next_mark(complete=False) == 4


def test_a_record_waiting_for_its_announced_context_is_fetched_again() -> None:
    ledger = glucose_ledger(1)
    ack(ledger, measurement(1), measurement(2, context=True), measurement(3))
    assert ledger.next_mark(complete=False) == 2
    ack(ledger, GlucoseMeasurementContext(2))
    assert ledger.next_mark(complete=False) == 4


def test_a_context_that_overtook_its_record_completes_it() -> None:
    ledger = glucose_ledger(1)
    ack(ledger, GlucoseMeasurementContext(1), measurement(1, context=True))
    assert ledger.awaiting == frozenset()
    assert ledger.next_mark(complete=False) == 2


def test_complete_transfer_goes_past_the_highest_record() -> None:
    ledger = glucose_ledger(1)
    ack(ledger, measurement(1), measurement(3))
    assert ledger.next_mark(complete=True) == 4


def test_nothing_acknowledged_leaves_the_mark() -> None:
    ledger = glucose_ledger(5)
    assert ledger.next_mark(complete=False) is None
    assert ledger.next_mark(complete=True) is None


def test_missing_announced_values_given_up_after_a_complete_transfer() -> None:
    ledger = glucose_ledger(1)
    ack(ledger, measurement(1), measurement(2, context=True), measurement(3, context=True))
    assert ledger.stop_awaiting() == [2, 3]
    assert ledger.awaiting == frozenset()
    assert ledger.next_mark(complete=False) == 4


def test_a_halted_ledger_never_moves_the_mark() -> None:
    ledger = glucose_ledger(1)
    ack(ledger, measurement(1))
    ledger.halt()
    ack(ledger, measurement(2))
    assert ledger.next_mark(complete=True) is None
    assert ledger.next_mark(complete=False) is None


def test_a_halt_before_the_transfer_begins_still_holds() -> None:
    ledger = HighWaterLedger()
    ledger.halt()
    ledger.begin(1, Rules())
    ledger.acknowledge(1, stored=True)
    assert ledger.next_mark(complete=True) is None


def test_a_live_record_counts_only_when_it_is_the_next_one() -> None:
    ledger = HighWaterLedger()
    ledger.begin(5, Rules())
    ledger.acknowledge(7, stored=False)
    assert ledger.next_mark(complete=False) is None
    ledger.acknowledge(5, stored=False)
    ledger.acknowledge(6, stored=False)
    assert ledger.next_mark(complete=False) == 7


def test_live_records_never_count_without_consecutive_keys_or_a_transfer() -> None:
    not_consecutive = HighWaterLedger()
    not_consecutive.begin(5, Rules(live_advances_mark=False))
    not_consecutive.acknowledge(5, stored=False)
    assert not_consecutive.next_mark(complete=True) is None
    no_transfer = HighWaterLedger()
    no_transfer.acknowledge(0, stored=False)
    assert no_transfer.next_mark(complete=True) is None


def test_a_stored_mark_is_the_new_start() -> None:
    ledger = glucose_ledger(1)
    ack(ledger, measurement(1), measurement(2))
    assert ledger.next_mark(complete=False) == 3
    ledger.stored(3)
    assert ledger.mark == 3
    assert ledger.next_mark(complete=False) is None
    ack(ledger, measurement(3))
    assert ledger.next_mark(complete=False) == 4


def test_the_mark_never_moves_back() -> None:
    ledger = glucose_ledger(10)
    ack(ledger, measurement(2), measurement(3))
    assert ledger.next_mark(complete=True) is None
    ack(ledger, measurement(9))  # just below the mark: it would stay where it is
    assert ledger.next_mark(complete=True) is None


# --- properties ---------------------------------------------------------------------------

marks = st.one_of(st.none(), st.integers(0, 40))
keys = st.lists(st.integers(0, 60), max_size=30)


def acknowledged_in_a_transfer(
    mark: int | None, keys: list[int], rules: Rules | None = None
) -> HighWaterLedger:
    """A ledger from ``mark`` after the records with ``keys`` were acknowledged in a transfer
    (each record's value is its key)."""
    ledger = HighWaterLedger()
    ledger.begin(mark, rules or Rules())
    for key in keys:
        ledger.acknowledge(key, stored=True, value=key)
    return ledger


@given(marks, keys)
def test_an_interrupted_transfer_never_passes_a_record_not_acknowledged(
    mark: int | None, acknowledged: list[int]
) -> None:
    """Never lose: every key from the old mark up to the new one was acknowledged."""
    ledger = acknowledged_in_a_transfer(mark, acknowledged)
    new = ledger.next_mark(complete=False)
    if new is None:
        return
    start = mark if mark is not None else min(acknowledged)
    assert new > start
    assert set(range(start, new)) <= set(acknowledged)
    assert new not in acknowledged  # the run of acknowledged keys ends just before it


@given(marks, keys, st.randoms())
def test_the_mark_does_not_depend_on_the_order_of_acknowledgements(
    mark: int | None, acknowledged: list[int], rng: random.Random
) -> None:
    shuffled = list(acknowledged)
    rng.shuffle(shuffled)
    results = []
    for order in (acknowledged, shuffled):
        ledger = acknowledged_in_a_transfer(mark, order)
        results.append((ledger.next_mark(complete=False), ledger.next_mark(complete=True)))
    assert results[0] == results[1]


@given(marks, keys)
def test_a_complete_transfer_goes_just_past_the_highest_acknowledged_record(
    mark: int | None, acknowledged: list[int]
) -> None:
    ledger = acknowledged_in_a_transfer(mark, acknowledged)
    new = ledger.next_mark(complete=True)
    if not acknowledged or (mark is not None and max(acknowledged) + 1 <= mark):
        assert new is None
    else:
        assert new == max(acknowledged) + 1


@given(marks, keys, st.sets(st.integers(0, 60)))
def test_a_record_awaiting_its_announced_value_is_never_passed(
    mark: int | None, acknowledged: list[int], announcing: set[int]
) -> None:
    """A record whose announced value never came is fetched again (the mark stays at or
    below it) after an interrupted transfer."""
    rules = Rules(awaits_more=lambda value: value in announcing)
    ledger = acknowledged_in_a_transfer(mark, acknowledged, rules)
    new = ledger.next_mark(complete=False)
    waiting = announcing & set(acknowledged)
    assert ledger.awaiting == waiting
    if new is not None:
        start = mark if mark is not None else min(set(acknowledged) - waiting)
        assert not waiting & set(range(start, new))


@given(marks, st.lists(st.tuples(st.integers(0, 60), st.booleans()), max_size=30))
def test_stored_marks_only_ever_grow(mark: int | None, steps: list[tuple[int, bool]]) -> None:
    """Storing every mark the ledger allows, live and stored records mixed, never moves the
    mark back."""
    ledger = HighWaterLedger()
    ledger.begin(mark, Rules())
    previous = mark
    for key, stored in steps:
        ledger.acknowledge(key, stored=stored)
        new = ledger.next_mark(complete=False)
        if new is not None:
            assert previous is None or new > previous
            ledger.stored(new)
            previous = new
    assert ledger.mark == previous
