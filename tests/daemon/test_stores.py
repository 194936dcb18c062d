"""The pipeline on the real stores: the SQLite outbox and the held-back store."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
import stat
from pathlib import Path
from typing import Any

from gateway.daemon import heldback
from gateway.daemon.heldback import HeldBackStore
from gateway.daemon.pipeline import Pipeline
from gateway.fhir.patient import PatientBinding, PatientId
from gateway.outbox import ItemState, Outbox
from tests.daemon.fakes import ADDRESS, PHG, bp_event


def has_code(element: Any, code: str) -> bool:
    return any(c.get("code") == code for c in element.get("code", {}).get("coding", []))


def test_readings_land_in_the_outbox_and_unbound_ones_only_in_the_held_back_store(
    tmp_path: Path,
) -> None:
    outbox_path, kept_path = tmp_path / "outbox.sqlite", tmp_path / "heldback.sqlite"
    held = bp_event(171, user_id=4)

    async def scenario() -> None:
        outbox = await Outbox.open(outbox_path)
        kept = await HeldBackStore.open(kept_path)
        try:
            run = Pipeline(
                outbox,
                kept,
                PHG,
                dt.UTC,
                {ADDRESS: PatientBinding(PatientId("pat-1"))},
            )
            await run(bp_event(121))
            await run(held)
            await run(bp_event(122))
            assert (await outbox.counts())[ItemState.PENDING] == 2
        finally:
            await kept.close()
            await outbox.close()

    asyncio.run(scenario())

    async def reopened() -> list[Any]:
        # Committed: visible to a fresh outbox after the stores were closed.
        outbox = await Outbox.open(outbox_path)
        try:
            items = await outbox.next_items(100)
        finally:
            await outbox.close()
        return [e.resource for item in items for e in item.entries]

    resources = asyncio.run(reopened())
    observations = [r for r in resources if has_code(r, "85354-9")]
    assert {o["subject"]["reference"] for o in observations} == {"Patient/pat-1"}
    systolic = sorted(
        c["valueQuantity"]["value"]
        for o in observations
        for c in o["component"]
        if has_code(c, "8480-6")
    )
    assert systolic == [121, 122]  # the unbound reading (171) is not in the outbox
    assert heldback.count(kept_path) == {"held-back": 1}
    db = sqlite3.connect(kept_path)
    row = db.execute("SELECT kind, user_index, raw, characteristic, facts FROM heldback").fetchone()
    db.close()
    assert row[:4] == ("held-back", 4, held.raw, "blood-pressure-measurement")
    assert json.loads(row[4])["model"] == "BP-SIM-1"
    assert stat.S_IMODE(kept_path.stat().st_mode) == 0o600
