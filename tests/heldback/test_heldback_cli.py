"""``phg heldback list|show|remap`` (G8): readings held back for want of a Patient binding are
mapped and put into the outbox exactly once after the binding is added to the configuration,
and uploaded once; undecodable bytes are kept with their reason and shown."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from gateway.backoff import Backoff
from gateway.ble.events import DecodeFailureEvent, MeasurementEvent
from gateway.cli import main
from gateway.daemon import heldback
from gateway.daemon.heldback import HeldBackStore
from gateway.daemon.pipeline import Pipeline
from gateway.fhir.patient import PatientBinding
from gateway.outbox import ItemState, Outbox, OutboxStore
from gateway.upload.client import FhirClient, ServerConfig
from gateway.upload.uploader import Uploader
from profiles import blood_pressure as bp
from profiles.date_time import DateTime
from tests.daemon.fakes import ADDRESS, PHG, bp_event, facts
from tests.daemon.fhir_search import LOINC, search
from tests.fhirserver.plugin import StartFhirServer

SYSTEM = "urn:oid:2.999.8"


def write_config(path: Path, base_url: str, users: dict[int, str]) -> None:
    user_lines = "".join(
        f'{u} = {{ system = "{SYSTEM}", value = "{v}" }}\n' for u, v in users.items()
    )
    path.write_text(
        f"""
[gateway]
state_dir = "state"
system_id = "ECDE3D4E58532D31"
time_zone = "UTC"
[fhir]
base_url = "{base_url}"
[[devices]]
address = "{ADDRESS}"
[devices.users]
{user_lines}
""",
        encoding="utf-8",
    )


def readings() -> list[MeasurementEvent]:
    return [
        bp_event(120 + i, user_id=1, stored=True, stamp=DateTime(2026, 3, 1, 8, 30 + i, 0))
        for i in range(3)
    ]


async def receive(state: Path, events: list[object], bindings: dict[str, PatientBinding]) -> None:
    """What the daemon did when the readings arrived (with the bindings of that time)."""
    outbox = await Outbox.open(state / "outbox.sqlite")
    kept = await HeldBackStore.open(state / "heldback.sqlite")
    try:
        pipeline = Pipeline(outbox, kept, PHG, dt.UTC, bindings)
        for event in events:
            await pipeline(event)  # type: ignore[arg-type]
    finally:
        await kept.close()
        await outbox.close()


def outbox_counts(state: Path) -> dict[ItemState, int]:
    store = OutboxStore(state / "outbox.sqlite")
    try:
        return store.counts()
    finally:
        store.close()


async def upload(state: Path, base_url: str) -> None:
    outbox = await Outbox.open(state / "outbox.sqlite")
    client = FhirClient(ServerConfig(base_url))
    try:
        await Uploader(outbox, client, backoff=Backoff(initial=0.05, maximum=0.5)).drain()
    finally:
        await client.aclose()
        await outbox.close()


@pytest.mark.integration
def test_remap_after_a_binding_is_added_uploads_each_reading_once(
    tmp_path: Path, start_fhir_server: StartFhirServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server = start_fhir_server()
    config = tmp_path / "gateway.toml"
    state = tmp_path / "state"
    write_config(config, server.base_url, {})
    unbound = {ADDRESS: PatientBinding()}
    asyncio.run(receive(state, list(readings()), unbound))
    capsys.readouterr()  # the pipeline's log lines
    assert heldback.count(state / "heldback.sqlite") == {"held-back": 3}

    assert main(["heldback", "list", "--config", str(config)]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith("held-back: 3")
    assert listed.count("blood-pressure-measurement") == 3
    # Without a binding, remap leaves them where they are.
    assert main(["heldback", "remap", "--config", str(config)]) == 0
    assert "3 still held back" in capsys.readouterr().out
    assert heldback.count(state / "heldback.sqlite") == {"held-back": 3}

    write_config(config, server.base_url, {1: "user-1"})
    assert main(["heldback", "remap", "--config", str(config)]) == 0
    assert capsys.readouterr().out.startswith("3 held-back reading(s) put into the outbox")
    assert heldback.count(state / "heldback.sqlite") == {}
    assert outbox_counts(state)[ItemState.PENDING] == 3
    # A second run adds nothing.
    assert main(["heldback", "remap", "--config", str(config)]) == 0
    assert capsys.readouterr().out.startswith("0 held-back reading(s) put")
    assert outbox_counts(state)[ItemState.PENDING] == 3

    asyncio.run(upload(state, server.base_url))
    panels = search(server.base_url, "Observation", code=f"{LOINC}|85354-9")
    assert len(panels) == 3
    [patient] = search(server.base_url, "Patient", identifier=f"{SYSTEM}|user-1")
    assert {p["subject"]["reference"] for p in panels} == {f"Patient/{patient['id']}"}
    assert outbox_counts(state)[ItemState.DONE] == 3


def test_undecodable_bytes_are_kept_with_their_reason_and_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "gateway.toml"
    state = tmp_path / "state"
    write_config(config, "http://127.0.0.1:9/fhir", {})
    raw = bytes.fromhex("1e7800")
    failure = DecodeFailureEvent(
        bp.BLOOD_PRESSURE_MEASUREMENT.name,
        bp.BLOOD_PRESSURE_MEASUREMENT.uuid16,
        raw,
        "too short",
        dt.datetime(2026, 3, 1, 9, 0, 5, tzinfo=dt.UTC),
        facts(),
    )
    asyncio.run(receive(state, [failure], {}))
    capsys.readouterr()  # the pipeline's log lines
    assert main(["heldback", "list", "--kind", "decode-failed", "--config", str(config)]) == 0
    assert "too short" in capsys.readouterr().out
    assert main(["heldback", "show", "1", "--config", str(config)]) == 0
    shown = capsys.readouterr().out
    assert "raw: 1e7800" in shown
    assert "does not decode" in shown
    assert main(["heldback", "show", "99", "--config", str(config)]) == 1
