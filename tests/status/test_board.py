"""The status board fed through the daemon's observed outbox, held-back store and consumer:
a real Pipeline and a real outbox on disk, BP readings from the test builders."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

from gateway.ble.events import SessionState, SessionStateEvent
from gateway.daemon.observed import ObservedKept, ObservedOutbox, observed_consumer
from gateway.daemon.pipeline import Pipeline
from gateway.fhir.patient import PatientBinding, PatientId
from gateway.outbox import ItemState
from gateway.status.board import Happening, StatusBoard
from gateway.status.source import DaemonStatus
from tests.daemon.fakes import ADDRESS, PHG, FakeKept, bp_event
from tests.status.promtext import parse, value

BOUND = {ADDRESS: PatientBinding(PatientId("pat-default"), {1: PatientId("pat-one")})}


async def _scenario(tmp_path: Path) -> tuple[StatusBoard, dict[str, Any], str, list[Happening]]:
    board = StatusBoard("http://fhir.test/fhir")
    told: list[Happening] = []
    board.listeners.append(told.append)
    outbox = await ObservedOutbox.open_for(board, tmp_path / "outbox.sqlite", max_bytes=10**7)
    try:
        kept = FakeKept()
        consume = observed_consumer(
            Pipeline(outbox, ObservedKept(kept, board), PHG, dt.UTC, BOUND), board
        )
        await consume(SessionStateEvent(ADDRESS, SessionState.CONNECTING, adapter="hci0"))
        await consume(SessionStateEvent(ADDRESS, SessionState.CONNECTED, adapter="hci0"))
        await consume(bp_event(131, user_id=1))
        await consume(bp_event(140, user_id=9))  # unbound user: held back
        await consume(bp_event(122))
        [first, second] = await outbox.next_items(10)
        # The server accepts the first reading (answering with locations) and rejects the other.
        body = json.dumps({"entry": [json.loads(t) for t in first.texts]})
        answer = {
            "entry": [
                {"response": {"location": f"http://fhir.test/fhir/X/{n}/_history/1"}}
                for n in range(len(first.texts))
            ]
        }
        board.on_transaction(body, 200, answer, 0.3, "")
        await outbox.mark_done([first.id], "http://fhir.test/fhir", {})
        await outbox.quarantine(second.id, "HTTP 422: value out of range", None)
        source = DaemonStatus(board, outbox)
        snapshot = await source.snapshot()
        metrics = await source.metrics()
    finally:
        await outbox.close()
    return board, snapshot, metrics, told


def test_the_board_follows_readings_from_device_to_server(tmp_path: Path) -> None:
    _board, snapshot, metrics, told = asyncio.run(_scenario(tmp_path))
    [device] = snapshot["devices"]
    assert (device["address"], device["state"], device["battery_percent"]) == (
        ADDRESS,
        "connected",
        90,
    )
    assert device["last_seen"] is not None
    newest_first = snapshot["readings"]
    assert [r["state"] for r in newest_first] == ["quarantined", "held-back", "uploaded"]
    uploaded = newest_first[2]
    assert "Systolic: 131 mmHg" in uploaded["values"]
    # Only the reading's own Observations (not the Patient/Device entries) get server ids.
    assert uploaded["server_ids"]
    assert all(i.startswith("X/") for i in uploaded["server_ids"])
    assert newest_first[0]["reason"] == "HTTP 422: value out of range"
    assert snapshot["outbox"] == {"pending": 0, "done": 1, "quarantined": 1}
    assert [q["error"] for q in snapshot["quarantined"]] == ["HTTP 422: value out of range"]
    assert snapshot["fhir"]["ok"] is True

    _, samples = parse(metrics)
    assert (
        value(samples, "phg_readings_decoded_total", characteristic="blood-pressure-measurement")
        == 3
    )
    assert value(samples, "phg_readings_stored_total") == 2
    assert value(samples, "phg_readings_kept_total", kind="held-back") == 1
    assert value(samples, "phg_readings_uploaded_total") == 1
    assert value(samples, "phg_readings_quarantined_total") == 1
    assert value(samples, "phg_outbox_items", state=ItemState.PENDING.value) == 0
    assert value(samples, "phg_connection_attempts_total", address=ADDRESS) == 1
    assert value(samples, "phg_upload_duration_seconds_count") == 1
    assert [h.kind for h in told].count("uploaded") == 1
    assert "pat-one" not in json.dumps(snapshot)  # no patient identifiers on the board
