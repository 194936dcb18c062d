"""The uploader against a hostile server (tests/fhirserver/hostile.py: a proxy in front of a
real SEKMET, whose behaviour is switched while it runs): for each way a server, proxy or
network can misbehave, readings of every kind are uploaded through it for a few rounds, then
it turns good and the outbox drains.

Each test checks what PHG promises (issue 10, U1/U4/U5):

- while the server misbehaves, no item is marked done: no answer proves that the server
  holds it (and in particular none is marked done that the server does not hold);
- afterwards the server holds every reading exactly once (each Observation, with or without
  an identifier, one Patient, one Device per identifier), and nothing valid was quarantined.

Everything stays on 127.0.0.1; the uploader's sleeps are recorded, not slept.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import pytest

from gateway.backoff import Backoff
from gateway.outbox import ItemState, Outbox
from gateway.upload.client import FhirClient, ServerConfig
from gateway.upload.uploader import Uploader
from tests.fhirserver.holdings import Expected, Holdings
from tests.fhirserver.hostile import SLOW_SECONDS, TLS_MODES, HostileServer, Mode, TlsFiles
from tests.fhirserver.plugin import StartFhirServer
from tests.upload.readings import DEVICE, mixed_readings

pytestmark = pytest.mark.integration

HOSTILE_ROUNDS: Final = 3
"""Failed rounds (backoff sleeps) against the hostile server before it turns good."""
CLIENT_TIMEOUT: Final = 10.0
SLOW_CLIENT_TIMEOUT: Final = SLOW_SECONDS / 2
"""In ``slow`` mode only: the server answers after it. (A short timeout everywhere would also
time out the first, slower transactions of a freshly started SEKMET.)"""
DRAIN_LIMIT: Final = 120.0
"""Only a bound against a hang (an uploader that never gives up): never reached normally."""
MAX_ENTRIES: Final = 50


@dataclass
class Run:
    """What happened while the uploader ran against the hostile server."""

    sleeps: list[float] = field(default_factory=list)
    done_while_hostile: int = 0
    """The most items seen marked done while the server misbehaved."""
    not_held: list[str] = field(default_factory=list)
    """What items marked done carry that the server did not hold, seen while it misbehaved."""


async def upload_through(
    hostile: HostileServer, upstream: str, outbox: Outbox, tls: TlsFiles | None
) -> Run:
    run = Run()

    async def check_done_items() -> None:
        done = await outbox.run(outbox.store.list_items, ItemState.DONE)
        run.done_while_hostile = max(run.done_while_hostile, len(done))
        if done:
            held = await asyncio.to_thread(Holdings, upstream)
            run.not_held += held.missing(Expected(done))

    async def sleep(delay: float) -> None:
        run.sleeps.append(delay)
        if hostile.mode is not Mode.GOOD:
            await check_done_items()
        if len(run.sleeps) >= HOSTILE_ROUNDS:
            hostile.mode = Mode.GOOD
        await asyncio.sleep(0)

    client = FhirClient(
        ServerConfig(
            hostile.base_url,
            timeout=SLOW_CLIENT_TIMEOUT if hostile.mode is Mode.SLOW else CLIENT_TIMEOUT,
            connect_timeout=CLIENT_TIMEOUT,
            ca_file=tls.ca_file if tls is not None else None,
        )
    )
    uploader = Uploader(
        outbox,
        client,
        max_entries=MAX_ENTRIES,
        backoff=Backoff(initial=0.01, maximum=0.05),
        sleep=sleep,
    )
    try:
        await asyncio.wait_for(uploader.drain(), DRAIN_LIMIT)
        if hostile.mode is not Mode.GOOD:  # the uploader stopped while the server misbehaved
            await check_done_items()
        hostile.mode = Mode.GOOD
        await asyncio.wait_for(uploader.drain(), DRAIN_LIMIT)
    finally:
        await client.aclose()
    return run


HOSTILE_MODES: Final = [m for m in Mode if m is not Mode.GOOD]


@pytest.mark.parametrize("mode", [*HOSTILE_MODES, Mode.GOOD], ids=str)
def test_every_reading_arrives_exactly_once_after_the_server_turns_good(
    mode: Mode, start_fhir_server: StartFhirServer, tmp_path: Path
) -> None:
    sekmet = start_fhir_server()
    readings = mixed_readings()
    tls = TlsFiles.create(tmp_path / "tls") if mode in TLS_MODES else None

    async def scenario() -> tuple[Run, dict[ItemState, int], Expected]:
        async with await Outbox.open(tmp_path / "outbox.sqlite3") as outbox:
            for reading in readings:
                await outbox.put(reading, device=DEVICE)
            expected = Expected(await outbox.run(outbox.store.list_items))
            with HostileServer(sekmet.base_url, tls=tls) as hostile:
                hostile.mode = mode
                run = await upload_through(hostile, sekmet.base_url, outbox, tls)
                if mode is not Mode.GOOD:
                    assert hostile.hostile_answers > 0, "the hostile behaviour was never met"
            return run, await outbox.counts(), expected

    run, counts, expected = asyncio.run(scenario())
    differences = Holdings(sekmet.base_url).differences(expected)
    print(  # the figures for reports: pytest -s -k hostile
        f"hostile {mode}: {len(readings)} readings stored, {counts[ItemState.DONE]} uploaded, "
        f"{counts[ItemState.QUARANTINED]} quarantined, {len(differences)} missing or duplicated"
    )
    assert expected.ambiguous() == [], "two readings look alike: the test could not tell"
    assert run.not_held == [], "items marked done that the server does not hold"
    assert run.done_while_hostile == 0, "items marked done on an answer that proves nothing"
    assert counts == {ItemState.PENDING: 0, ItemState.DONE: len(readings), ItemState.QUARANTINED: 0}
    assert differences == []
    if mode is Mode.TOO_MANY_REQUESTS:
        assert 1.0 in run.sleeps, f"Retry-After: 1 not honoured: {run.sleeps}"
