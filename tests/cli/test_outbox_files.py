"""``phg outbox`` and the file it is pointed at: options after the action, read-only opening
for ``list``/``show`` (also on a read-only file system), a file that is not an outbox is
refused and left unchanged, a damaged one gives one line (no traceback), and ``retry``/``purge``
refuse while the daemon holds the state directory."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.daemon.statelock import StateLock
from gateway.outbox import ItemState, OutboxStore, entries_of
from tests.outbox.damage import outbox_with, scramble
from tests.tinyfs import mounted_tmpfs, remount
from tests.upload.readings import DEVICE, bp_readings


def make_outbox(path: Path) -> list[int]:
    store = OutboxStore(path)
    ids = store.insert_many([(DEVICE, entries_of(r)) for r in bp_readings(3)])
    store.quarantine(ids[0], "HTTP 400: bad value", None)
    store.close()
    return ids


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_options_may_follow_the_action(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    make_outbox(state / "outbox.sqlite")
    config = tmp_path / "gateway.toml"
    config.write_text(
        f'[gateway]\nstate_dir = "{state}"\n[fhir]\nbase_url = "http://127.0.0.1:9/fhir"\n',
        encoding="utf-8",
    )
    assert main(["outbox", "list", "--config", str(config)]) == 0
    assert capsys.readouterr().out.startswith("pending: 2  done: 0  quarantined: 1\n")
    assert (
        main(["outbox", "list", "--outbox", str(state / "outbox.sqlite"), "--state", "quarantined"])
        == 0
    )
    assert len(capsys.readouterr().out.splitlines()) == 3
    assert main(["outbox", "--config", str(config), "list", "--outbox", "x.sqlite"]) == 2
    assert "not both" in capsys.readouterr().err


@pytest.mark.parametrize(
    "action", [["list"], ["show", "1"], ["retry"], ["purge", "--done", "--yes"]]
)
def test_a_database_that_is_not_an_outbox_is_refused_and_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], action: list[str]
) -> None:
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.execute("INSERT INTO notes VALUES ('mine')")
    conn.commit()
    conn.close()
    before = digest(other)
    assert main(["outbox", "--outbox", str(other), *action]) == 2
    err = capsys.readouterr().err
    assert err.startswith("phg outbox: ")
    assert "is not a PHG outbox" in err
    assert len(err.splitlines()) == 1
    assert digest(other) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.sqlite"]


def test_an_empty_file_is_not_an_outbox(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "outbox.sqlite"
    empty.touch()
    for action in (["list"], ["retry"]):
        assert main(["outbox", "--outbox", str(empty), *action]) == 2
        assert "not a PHG outbox" in capsys.readouterr().err
    assert empty.stat().st_size == 0


def test_list_and_show_on_a_read_only_file_system(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with mounted_tmpfs(tmp_path / "ro", "4m") as where:
        path = where / "outbox.sqlite"
        ids = make_outbox(path)
        remount(where, "ro")
        assert main(["outbox", "--outbox", str(path), "list"]) == 0
        assert capsys.readouterr().out.startswith("pending: 2  done: 0  quarantined: 1\n")
        assert main(["outbox", "--outbox", str(path), "show", str(ids[0])]) == 0
        assert capsys.readouterr().out.startswith(f"item {ids[0]}: quarantined\n")
        assert sorted(p.name for p in where.iterdir()) == ["outbox.sqlite"]


def test_a_damaged_outbox_gives_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "outbox.sqlite"
    outbox_with(path, 200)
    scramble(path)
    assert main(["outbox", "--outbox", str(path), "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"phg outbox: the outbox {path} is damaged")
    assert len(err.splitlines()) == 1


def test_retry_and_purge_refuse_while_the_daemon_holds_the_state_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "outbox.sqlite"
    ids = make_outbox(path)
    base = ["outbox", "--outbox", str(path)]
    with StateLock.acquire(tmp_path):  # what `phg run` holds for its whole life
        assert main([*base, "retry"]) == 3
        assert "the daemon is running" in capsys.readouterr().err
        assert main([*base, "purge", str(ids[0]), "--yes"]) == 3
        capsys.readouterr()
        assert main([*base, "list"]) == 0
        assert main([*base, "show", str(ids[0])]) == 0
        capsys.readouterr()
    store = OutboxStore(path, readonly=True)
    item = store.get(ids[0])
    store.close()
    assert item is not None
    assert item.state is ItemState.QUARANTINED
    assert main([*base, "retry"]) == 0  # the daemon stopped: allowed again
