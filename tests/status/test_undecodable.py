"""Records whose bytes did not decode are reported on the status page and in ``/api/status``
(G8): the held-back store's counts per kind and its newest ``decode-failed`` rows."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

from gateway.ble.events import DecodeFailureEvent
from gateway.daemon.heldback import HeldBackStore
from gateway.daemon.observed import ObservedKept, ObservedOutbox, observed_consumer
from gateway.daemon.pipeline import Pipeline
from gateway.status.board import StatusBoard
from gateway.status.page import render
from gateway.status.source import DaemonStatus
from profiles import glucose as gl
from tests.daemon.fakes import ADDRESS, PHG, facts

CORRUPT = bytes.fromhex("020200ea0701")


async def snapshot(tmp_path: Path) -> dict[str, Any]:
    board = StatusBoard("http://fhir.test/fhir")
    outbox = await ObservedOutbox.open_for(board, tmp_path / "outbox.sqlite", max_bytes=10**7)
    kept = await HeldBackStore.open(tmp_path / "heldback.sqlite")
    try:
        consume = observed_consumer(
            Pipeline(outbox, ObservedKept(kept, board), PHG, dt.UTC, {}), board
        )
        await consume(
            DecodeFailureEvent(
                gl.GLUCOSE_MEASUREMENT.name,
                gl.GLUCOSE_MEASUREMENT.uuid16,
                CORRUPT,
                "truncated: base time needs 7 byte(s), 3 left",
                dt.datetime(2026, 3, 1, 9, 0, 5, tzinfo=dt.UTC),
                facts(),
            )
        )
        return await DaemonStatus(board, outbox, kept).snapshot()
    finally:
        await kept.close()
        await outbox.close()


def test_undecodable_records_are_in_the_status_data_and_on_the_page(tmp_path: Path) -> None:
    status = asyncio.run(snapshot(tmp_path))
    assert status["kept"] == {"decode-failed": 1}
    [row] = status["undecodable"]
    assert (row["device"], row["characteristic"], row["raw"]) == (
        ADDRESS,
        "glucose-measurement",
        CORRUPT.hex(),
    )
    assert "truncated" in row["reason"]
    page = render(status)
    assert 'id="undecodable"' in page
    assert "1 undecodable" in page
    assert CORRUPT.hex() in page


def test_no_banner_without_undecodable_records() -> None:
    assert 'id="undecodable"' not in render({"undecodable": [], "kept": {"held-back": 2}})
