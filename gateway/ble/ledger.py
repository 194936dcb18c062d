"""The high-water ledger of one connection: which stored-record keys the consumer has
acknowledged, and so which high-water mark may be stored (pure: no I/O, no session).

A high-water mark is the next record key to ask a device for (``>= mark``). Storing it says
"every record below it is durably kept": stored too far, a record is lost; stored too short,
records repeat (the FHIR side de-duplicates them). The rules, in :meth:`HighWaterLedger.next_mark`:

* after a complete transfer: past the highest acknowledged record;
* after an interrupted one: past the longest run of consecutive acknowledged records from the
  old mark (values on different characteristics may arrive out of order, so a gap is a record
  not delivered yet), never past a record still awaiting a value it announced (a glucose
  measurement whose context follows): that record is fetched again;
* a live record (outside a transfer) counts only when it is the next one expected and the
  profile's keys are consecutive;
* once the consumer failed (:meth:`halt`), the mark never moves again on this connection.

The session stores the mark (:mod:`~gateway.ble.highwater`) and then calls :meth:`stored`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class RecordRules(Protocol):
    """What the ledger needs of a profile's stored-record rules
    (:class:`~gateway.ble.profile_table.StoredRecords`)."""

    @property
    def live_advances_mark(self) -> bool:
        """Keys are consecutive, so a live record with the next key may advance the mark."""
        ...

    @property
    def awaits_more(self) -> Callable[[object], bool]:
        """True for a record value that announces another value with the same key."""
        ...


class HighWaterLedger:
    """Acknowledged record keys of one connection and the mark they allow.

    Until :meth:`begin` (no stored-record transfer on this connection) nothing is counted."""

    def __init__(self) -> None:
        self.mark: int | None = None
        """The stored mark: the transfer's start, then each mark stored since."""
        self._rules: RecordRules | None = None
        self._acked: set[int] = set()
        self._acked_max: int | None = None
        self._awaiting: set[int] = set()
        self._halted = False

    def begin(self, mark: int | None, rules: RecordRules) -> None:
        """Count records under ``rules`` from the stored ``mark`` (None: none stored, or the
        records have no numbering to keep a mark by)."""
        self.mark = mark
        self._rules = rules

    @property
    def halted(self) -> bool:
        return self._halted

    def halt(self) -> None:
        """The consumer failed: no more mark advances on this connection."""
        self._halted = True

    @property
    def awaiting(self) -> frozenset[int]:
        """Keys of acknowledged records still waiting for a value they announced."""
        return frozenset(self._awaiting)

    def stop_awaiting(self) -> list[int]:
        """Give up on the announced values still missing (the device said every record was
        sent); returns their keys, sorted. Those records now count as complete."""
        missing = sorted(self._awaiting)
        self._awaiting.clear()
        return missing

    def acknowledge(self, key: int, *, stored: bool, value: object = None) -> None:
        """The consumer kept the record (or announced value) with ``key``; ``stored`` when it
        came in a stored-record transfer, else live. ``value`` is the decoded record (None
        for one that did not decode)."""
        rules = self._rules
        if not stored:
            if rules is None or not rules.live_advances_mark:
                return
            expected = self._acked_max + 1 if self._acked_max is not None else self.mark
            if key != expected:
                return
        seen_before = key in self._acked
        self._acked.add(key)
        if rules is not None and rules.awaits_more(value):
            if not seen_before:  # the announced value may have overtaken its record
                self._awaiting.add(key)
        else:
            self._awaiting.discard(key)
        if self._acked_max is None or key > self._acked_max:
            self._acked_max = key

    def next_mark(self, *, complete: bool) -> int | None:
        """The mark that may be stored now, or None when the mark would not advance;
        ``complete`` when the device said every record was sent."""
        candidate = self._candidate(complete)
        if candidate is None or (self.mark is not None and candidate <= self.mark):
            return None
        return candidate

    def stored(self, mark: int) -> None:
        """``mark`` (from :meth:`next_mark`) is durably stored."""
        self.mark = mark

    def _candidate(self, complete: bool) -> int | None:
        if self._halted or self._acked_max is None:
            return None
        if complete:
            return self._acked_max + 1
        done = self._acked - self._awaiting
        if not done:
            return None
        start = self.mark if self.mark is not None else min(done)
        following = start
        while following in done:
            following += 1
        return following if following > start else None
