"""``phg run`` killed with SIGKILL at random (seeded) moments while a glucose meter on the test
bus hands over 1,000 stored records, and restarted each time with the same state directory and
configuration: SEKMET ends up with exactly the 1,000 readings, no duplicate, none missing, and
the context Observations of exactly the records that had a context.

Each kill lands a random time after the restarted daemon stored its first reading of that run,
so it hits the RACP transfer, the outbox commits and the uploads in flight at random points. The
meter sends a record every ``PACE`` seconds, slow enough that the 20 kills cannot outrun the
1,000 records; the run after the last kill fetches the rest.

A gateway process that dies leaves BlueZ's link up and the meter's RACP procedure running: the
restarted gateway is refused with "procedure already in progress" and must abort it and ask
again (unit tests of that at the end).

In the middle of the kills the state directory's file system (a real tmpfs) is full for a few
runs (field finding G2). The run before them has the FHIR server down, so the first daemon on
the full disk finds readings waiting: it uploads them although marking them done cannot be
written (no crash: the mark is kept in memory and the batch is not sent again). Each of those
daemons keeps running until it is killed, refuses and does not acknowledge the records it
cannot store; once there is room again the refused records are fetched again, and still every
reading reaches the server exactly once.

Also: the FHIR server (SEKMET, and Medplum's FHIR engine) down for a while during a transfer,
then back: everything arrives once."""

from __future__ import annotations

import asyncio
import functools
import random
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from gateway.ble.link import LinkError
from gateway.ble.racp_fetch import FetchOutcome, RacpFetch
from gateway.outbox import ItemState, OutboxStore
from profiles.racp import (
    RacpOpCode,
    RacpRequest,
    RacpResponseCodeValue,
    decode_record_access_control_point,
)
from simulators.runner import SimulatorProcess
from simulators.testbus import TestBus
from tests.daemon import expected, run_helpers
from tests.daemon.fhir_search import MDC, duplicate_identifiers, patient_reference, search, total
from tests.daemon.process import Daemon
from tests.fhirserver.plugin import StartAnyFhirServer, StartFhirServer
from tests.tinyfs import fill, free, mounted_tmpfs

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SEED = 20240311
RECORDS = 1000
KILLS = 20
PACE = "0.02"  # seconds between records: about 50 records/s at most
MAX_KILL_DELAY = 0.8  # seconds after a run's first stored reading
FINISH_TIMEOUT = 120.0
OUTAGE_RECORDS = 300
FULL_DISK_RUNS = range(8, 12)  # the runs (0-based) during which the disk is full
STATE_SIZE = "64m"


def glucose_on_server(base_url: str) -> int:
    return sum(
        total(base_url, "Observation", code=f"{MDC}|{code}")
        for code in expected.GLUCOSE_CODES.values()
    )


def stored_any(log: run_helpers.LogCounter) -> bool:
    return log.count("reading_stored") > 0


def pending_in(outbox: Path) -> int:
    store = OutboxStore(outbox, readonly=True)
    try:
        return store.counts()[ItemState.PENDING]
    finally:
        store.close()


def empty_the_wal(state: Path) -> sqlite3.Connection:
    """Checkpoint and truncate the (killed) daemon's write-ahead log, so that on a full disk
    the outbox's next write fails (its old space could take a few more). Keep the returned
    connection open until the next daemon opened the outbox: closing the last connection
    would delete the ``-wal``/``-shm`` files, which a full disk could not give back."""
    conn = sqlite3.connect(state / "outbox.sqlite")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return conn


def started(log: run_helpers.LogCounter) -> bool:
    return log.count("daemon_started") > 0


def uploaded_at_least(log: run_helpers.LogCounter, items: int) -> bool:
    return log.count("uploaded", "items") >= items


def refused_any(log: run_helpers.LogCounter) -> bool:
    """A reading the full disk refused (and that was therefore not acknowledged)."""
    return log.count("outbox_put_failed") > 0


def start_meter(bus: TestBus, records: int, pace: str, seed: int) -> SimulatorProcess:
    return run_helpers.start_simulator(
        bus, "simulators.glucose", "--records", str(records), "--seed", str(seed), "--pace", pace
    )


def finish(daemon: Daemon, log: run_helpers.LogCounter, base_url: str, count: int) -> None:
    """Let ``daemon`` run until the server holds ``count`` glucose readings and nothing is left
    to upload, then SIGTERM it (exit status 0)."""
    try:
        run_helpers.until(
            lambda: glucose_on_server(base_url) >= count, FINISH_TIMEOUT, f"{count} readings"
        )
    except AssertionError as exc:
        quiet = ("reading_stored", "uploaded", "uploaded_in_parts")
        notable = [e for e in log.events if e.get("event") not in quiet]
        raise AssertionError(
            f"{exc}: {glucose_on_server(base_url)} on the server, "
            f"{log.count('reading_stored')} stored by this run; log: {notable[-40:]}"
        ) from None
    run_helpers.until(
        lambda: log.count("reading_stored") <= log.uploaded_items(),
        FINISH_TIMEOUT,
        "the outbox drained",
    )
    assert daemon.stop(signal.SIGTERM) == 0
    assert log.problems() == []


def check_server(base_url: str, ready: dict[str, Any]) -> None:
    subject = patient_reference(base_url, run_helpers.PATIENT_SYSTEM, "meter-owner")
    observations = search(base_url, "Observation", subject=subject)
    assert duplicate_identifiers(observations) == []
    assert expected.glucose_problems(observations, expected.glucose_records(ready)) == []
    assert total(base_url, "Patient") == 1


def test_sigkill_at_random_points_loses_and_duplicates_nothing(
    tmp_path: Path, bus: TestBus, start_fhir_server: StartFhirServer
) -> None:
    rng = random.Random(SEED)
    server = start_fhir_server()
    sim = start_meter(bus, RECORDS, PACE, SEED)
    config = run_helpers.simulator_config(tmp_path, server.base_url, sim, "meter-owner")
    daemon: Daemon | None = None
    filler: Path | None = None
    try:
        with mounted_tmpfs(tmp_path / "state", STATE_SIZE) as state:
            stored_per_run: list[int] = []
            for run in range(KILLS):
                waiting = 0
                holder: sqlite3.Connection | None = None
                if run == FULL_DISK_RUNS.start - 1:
                    server.stop()  # this run's readings stay in the outbox
                elif run == FULL_DISK_RUNS.start:
                    waiting = pending_in(state / "outbox.sqlite")
                    holder = empty_the_wal(state)
                    filler = fill(state)
                    server.start()
                elif run == FULL_DISK_RUNS.stop and filler is not None:
                    free(filler)
                daemon = Daemon(config, bus.env())
                log = run_helpers.LogCounter(daemon)
                if holder is not None:
                    run_helpers.until(
                        functools.partial(started, log), 60, "the daemon on the full disk"
                    )
                    holder.close()
                if run in FULL_DISK_RUNS:
                    run_helpers.until(functools.partial(refused_any, log), 60, "a refused reading")
                else:
                    run_helpers.until(functools.partial(stored_any, log), 60, "a stored reading")
                if waiting:  # uploaded although the disk is full, marked done in memory only
                    upload = functools.partial(uploaded_at_least, log, waiting)
                    run_helpers.until(upload, 60, f"the upload of {waiting} waiting readings")
                    assert log.count("outbox_mark_deferred") > 0, log.summary()
                time.sleep(rng.uniform(0, MAX_KILL_DELAY))
                assert daemon.proc.poll() is None, f"run {run} exited: {log.summary()}"
                daemon.proc.kill()
                daemon.proc.wait(10)
                assert log.count("task_crashed") == 0, log.summary()
                if waiting:  # nothing the server accepted was sent again meanwhile
                    assert log.count("uploaded", "items") == waiting, log.summary()
                stored_per_run.append(log.count("reading_stored"))
            assert glucose_on_server(server.base_url) < RECORDS, (
                f"the kills did not interrupt the transfer: {stored_per_run}"
            )
            daemon = Daemon(config, bus.env())
            finish(daemon, run_helpers.LogCounter(daemon), server.base_url, RECORDS)
            check_server(server.base_url, sim.ready)
    finally:
        if daemon is not None and daemon.proc.poll() is None:
            daemon.proc.kill()
        sim.stop()


def test_fhir_server_down_during_a_transfer_then_back(
    tmp_path: Path, bus: TestBus, start_any_fhir_server: StartAnyFhirServer
) -> None:
    server = start_any_fhir_server()
    sim = start_meter(bus, OUTAGE_RECORDS, "0.01", SEED + 1)
    config = run_helpers.simulator_config(tmp_path, server.base_url, sim, "meter-owner")
    daemon = Daemon(config, bus.env())
    try:
        log = run_helpers.LogCounter(daemon)
        run_helpers.until(lambda: glucose_on_server(server.base_url) > 0, 60, "the first upload")
        server.stop()
        run_helpers.until(lambda: log.count("upload_failed_retrying") >= 2, 60, "failed uploads")
        stored_while_down = log.count("reading_stored")
        sim.wait_for("transfer-complete", 60)
        server.start()  # same port, same database
        finish(daemon, log, server.base_url, OUTAGE_RECORDS)
        assert log.count("reading_stored") > stored_while_down  # the transfer went on meanwhile
        check_server(server.base_url, sim.ready)
    finally:
        if daemon.proc.poll() is None:
            daemon.proc.kill()
        sim.stop()


class BusyDevice:
    """An RACP that refuses requests with 0x80 while an old procedure runs, until aborted."""

    def __init__(self, fetch: RacpFetch, refusals: int) -> None:
        self.fetch = fetch
        self.refusals = refusals
        self.writes: list[bytes] = []

    async def write(self, value: bytes) -> None:
        self.writes.append(value)
        request = decode_record_access_control_point(value)
        assert isinstance(request, RacpRequest)
        if request.op_code == RacpOpCode.ABORT_OPERATION:
            return
        if self.refusals:
            self.refusals -= 1
            raise LinkError(
                "write 0x2A52: [org.bluez.Error.Failed] 0x80: procedure already in progress"
            )
        self.fetch.on_control_point(request.response(RacpResponseCodeValue.SUCCESS))


@pytest.mark.parametrize("refusals", [1, 2])
def test_racp_procedure_in_progress_is_aborted_and_requested_again(refusals: int) -> None:
    fetch = RacpFetch(17)
    device = BusyDevice(fetch, refusals)
    outcome = asyncio.run(fetch.run(device.write, idle_timeout=5))
    assert outcome is FetchOutcome.COMPLETE
    ops = [decode_record_access_control_point(w) for w in device.writes]
    assert [getattr(o, "op_code", None) for o in ops] == [
        RacpOpCode.REPORT_STORED_RECORDS,
        RacpOpCode.ABORT_OPERATION,
        *[RacpOpCode.REPORT_STORED_RECORDS] * refusals,
    ]


def test_racp_other_write_errors_are_not_retried() -> None:
    fetch = RacpFetch(None)

    async def broken(value: bytes) -> None:
        raise LinkError("write 0x2A52: [org.bluez.Error.Failed] Not connected")

    with pytest.raises(LinkError):
        asyncio.run(fetch.run(broken, idle_timeout=5))
