"""``phg outbox list|show|retry|purge``."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.cli import main
from gateway.outbox import ItemState, OutboxStore, entries_of
from tests.upload.readings import DEVICE, bp_readings


@pytest.fixture
def outbox(tmp_path: Path) -> tuple[Path, list[int]]:
    path = tmp_path / "outbox.sqlite3"
    store = OutboxStore(path)
    ids = store.insert_many([(DEVICE, entries_of(r)) for r in bp_readings(4)])
    store.mark_done([ids[0]], "http://s", {})
    store.quarantine(
        ids[1],
        "HTTP 400: bad value",
        {"resourceType": "OperationOutcome", "issue": [{"diagnostics": "bad value"}]},
    )
    store.close()
    return path, ids


def state_of(path: Path, item: int) -> ItemState | None:
    store = OutboxStore(path)
    found = store.get(item)
    store.close()
    return None if found is None else found.state


def test_list(outbox: tuple[Path, list[int]], capsys: pytest.CaptureFixture[str]) -> None:
    path, ids = outbox
    assert main(["outbox", "--outbox", str(path), "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "pending: 2  done: 1  quarantined: 1"
    rows = [line.split() for line in out[2:]]
    assert [(int(r[0]), r[1]) for r in rows] == [
        (ids[0], "done"),
        (ids[1], "quarantined"),
        (ids[2], "pending"),
        (ids[3], "pending"),
    ]
    assert out[3].endswith("HTTP 400: bad value")
    assert main(["outbox", "--outbox", str(path), "list", "--state", "pending"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4


def test_show(outbox: tuple[Path, list[int]], capsys: pytest.CaptureFixture[str]) -> None:
    path, ids = outbox
    assert main(["outbox", "--outbox", str(path), "show", str(ids[1])]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"item {ids[1]}: quarantined\ndevice: {DEVICE}\n")
    assert "last error: HTTP 400: bad value" in out
    assert "\nreading: Systolic: " in out  # in words, with readable units
    assert " mmHg" in out
    assert '"diagnostics": "bad value"' in out
    assert '"resourceType": "Observation"' in out
    assert main(["outbox", "--outbox", str(path), "show", "999"]) == 1


def test_retry(outbox: tuple[Path, list[int]], capsys: pytest.CaptureFixture[str]) -> None:
    path, ids = outbox
    assert main(["outbox", "--outbox", str(path), "retry"]) == 0
    assert capsys.readouterr().out == "1 item(s) queued again\n"
    assert state_of(path, ids[1]) is ItemState.PENDING
    assert main(["outbox", "--outbox", str(path), "retry", str(ids[0])]) == 1  # done: not retried


def test_purge_needs_confirmation_and_spares_pending_items(
    outbox: tuple[Path, list[int]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, ids = outbox
    base = ["outbox", "--outbox", str(path), "purge"]
    assert main([*base, str(ids[1])]) == 1
    assert "add --yes" in capsys.readouterr().err
    assert state_of(path, ids[1]) is ItemState.QUARANTINED
    assert main([*base, str(ids[1]), str(ids[2]), "--yes"]) == 2  # ids[2] is pending
    assert "nothing deleted" in capsys.readouterr().err
    assert state_of(path, ids[1]) is ItemState.QUARANTINED
    assert main([*base, str(ids[1]), "--yes"]) == 0
    assert state_of(path, ids[1]) is None
    assert main([*base, "--done", "--yes"]) == 0
    assert state_of(path, ids[0]) is None
    assert state_of(path, ids[2]) is ItemState.PENDING
    assert main(base) == 2  # neither --done nor ids


def test_missing_outbox_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["outbox", "--outbox", str(tmp_path / "none.sqlite3"), "list"]) == 2
    assert "no outbox at" in capsys.readouterr().err
    assert not (tmp_path / "none.sqlite3").exists()
