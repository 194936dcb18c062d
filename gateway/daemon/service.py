"""The daemon: open the outbox and the held-back store, start the uploader and the Bluetooth
side, run until SIGTERM/SIGINT, then stop in the order that loses nothing:

1. Bluetooth: every session disconnects and hands the values it already received to the
   pipeline, which stores them (outbox or held-back store) before acknowledging;
2. the uploader: it finishes (or abandons, after ``upload_grace`` seconds) the request in
   flight; unacknowledged items simply stay pending for the next start;
3. the HTTP client, the held-back store and the outbox are closed.

A FHIR server that is down or refuses the start-up ``/metadata`` check is logged, never fatal:
readings are still collected and the uploader retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import structlog

from gateway.ble.events import EventConsumer
from gateway.config.settings import GatewayConfig
from gateway.daemon.bluetooth import BleRuntime, BleSettings
from gateway.daemon.heldback import HeldBackStore
from gateway.daemon.observed import (
    ObservedFhirClient,
    ObservedKept,
    ObservedOutbox,
    observed_consumer,
)
from gateway.daemon.pipeline import Pipeline
from gateway.daemon.private import make_private
from gateway.daemon.statelock import StateLock
from gateway.fhir.identifiers import dashed
from gateway.outbox import OutboxError
from gateway.outbox.recovery import recover
from gateway.status.board import StatusBoard
from gateway.status.server import StatusServer
from gateway.status.source import DaemonStatus
from gateway.upload.client import FhirClient
from gateway.upload.uploader import Uploader
from gateway.waits import stopped_during

_log = structlog.get_logger("gateway.daemon")

BleFactory = Callable[[GatewayConfig, EventConsumer], BleRuntime]


async def _recover_outbox(config: GatewayConfig, board: StatusBoard) -> None:
    """A damaged outbox is set aside and salvaged (:mod:`gateway.outbox.recovery`) before it
    is opened; the operator learns it from the log and the status page."""
    recovery = await asyncio.to_thread(recover, config.outbox_path)
    if recovery is None:
        return
    _log.error(
        "outbox_damaged",
        reason=recovery.reason,
        damaged_file=str(recovery.damaged),
        salvaged=recovery.salvaged,
        unreadable=recovery.unreadable,
        hint="the damaged file is kept for inspection; the gateway goes on with the new outbox",
    )
    board.on_notice(recovery.summary())


def _disk_full(path: Path) -> bool:
    try:
        return os.statvfs(path.parent).f_bavail == 0
    except OSError:
        return False


def default_ble(config: GatewayConfig, consumer: EventConsumer) -> BleRuntime:
    return BleRuntime(BleSettings.of(config), consumer)


@dataclass(slots=True)
class Daemon:
    config: GatewayConfig
    client: FhirClient
    ble_factory: BleFactory = default_ble
    upload_grace: float = 10.0
    stop: asyncio.Event | None = None
    board: StatusBoard | None = None
    """The live state behind the status server and the metrics (made when not given)."""
    health_interval: float = 60.0
    """Seconds between FHIR server checks while the status server runs."""
    status_server: StatusServer | None = None
    disk_full_retry: float = 10.0
    """Seconds between attempts to open the stores while the disk is full."""

    async def run(self) -> int:
        """Run until stopped (0) or a task crashed (1). Raises
        :class:`~gateway.daemon.statelock.StateDirBusyError` when another daemon holds the state
        directory, and outbox errors when the state directory cannot be used."""
        config = self.config
        with StateLock.acquire(config.gateway.state_dir) as _lock:
            make_private(
                config.gateway.state_dir,
                (config.outbox_path, config.heldback_path, config.highwater_path),
            )
            return await self._run_locked()

    async def _run_locked(self) -> int:
        config = self.config
        stop = self.stop = self.stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._signalled, signum)
        phg = config.gateway.phg()
        zone = config.gateway.zone()
        board = self.board = self.board or StatusBoard(config.fhir.base_url)
        if isinstance(self.client, ObservedFhirClient):
            self.client.board = board
        await _recover_outbox(config, board)
        try:
            stores = await self._open_stores(board, stop)
        except BaseException:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
            raise
        if stores is None:  # stopped while waiting for room on the disk
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
            with contextlib.suppress(Exception):
                await self.client.aclose()
            return 0
        outbox, kept = stores
        try:
            try:
                pipeline = Pipeline(
                    outbox,
                    ObservedKept(kept, board),
                    phg,
                    zone,
                    config.bindings(),
                )
                uploader = Uploader(
                    outbox,
                    self.client,
                    max_entries=config.outbox.batch_size,
                    on_problem=board.on_upload_problem,
                )
                _log.info(
                    "daemon_started",
                    phg_system_id=dashed(phg.system_id),
                    time_zone=getattr(zone, "key", None) or str(zone),
                    fhir=config.fhir.base_url,
                    auth=config.fhir.auth.kind,
                    outbox=str(config.outbox_path),
                    devices=len(config.devices),
                )
                await self._start_status(DaemonStatus(board, outbox, kept))
                try:
                    crashed = await self._serve(pipeline, uploader, stop)
                finally:
                    if self.status_server is not None:
                        await self.status_server.stop()
                _log.info("daemon_stopped", stored=pipeline.stats.stored, kept=pipeline.stats.kept)
            finally:
                await kept.close()
        finally:
            with contextlib.suppress(Exception):
                await self.client.aclose()
            await outbox.close()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
        return 1 if crashed else 0

    async def _open_stores(
        self, board: StatusBoard, stop: asyncio.Event
    ) -> tuple[ObservedOutbox, HeldBackStore] | None:
        """The outbox and the held-back store. When the disk is so full that SQLite cannot
        even make their ``-wal``/``-shm`` files, wait for room (retrying every
        ``disk_full_retry`` seconds; None if stopped meanwhile) instead of exiting into a
        restart loop. Nothing is acknowledged meanwhile: the devices keep their records."""
        config = self.config
        logged = False
        while True:
            try:
                outbox = await ObservedOutbox.open_for(
                    board,
                    config.outbox_path,
                    max_bytes=int(config.outbox.max_size_mb * 1024 * 1024),
                )
            except OutboxError as exc:
                if not _disk_full(config.outbox_path):
                    raise
                error: Exception = exc
            else:
                try:
                    return outbox, await HeldBackStore.open(config.heldback_path)
                except (sqlite3.Error, OSError) as exc:
                    await outbox.close()
                    if not _disk_full(config.heldback_path):
                        raise
                    error = exc
            if not logged:
                logged = True
                _log.error(
                    "state_dir_full",
                    state_dir=str(config.gateway.state_dir),
                    error=str(error),
                    hint=f"free space there; the daemon retries every {self.disk_full_retry} s",
                )
            if await stopped_during(stop, self.disk_full_retry):
                return None

    def _signalled(self, signum: int) -> None:
        _log.info("stopping", signal=signal.Signals(signum).name)
        assert self.stop is not None
        self.stop.set()

    async def _start_status(self, source: DaemonStatus) -> None:
        """Start the status server if configured; one that cannot listen is logged, never
        fatal (readings matter more than their display)."""
        settings = self.config.status
        if not settings.enabled:
            return
        token = None if settings.token is None else settings.token.reveal()
        server = StatusServer(source, settings.host, settings.port, token)
        try:
            await server.start()
        except OSError as exc:
            _log.error(
                "status_server_failed",
                host=settings.host,
                port=settings.port,
                error=str(exc),
                hint="another process uses the port? set status.port (0: any free port)",
            )
            return
        self.status_server = server

    async def _serve(self, pipeline: Pipeline, uploader: Uploader, stop: asyncio.Event) -> bool:
        """Run until ``stop`` (True if a task crashed, which is an exit status of 1)."""
        crashed = False
        assert self.board is not None
        ble = self.ble_factory(self.config, observed_consumer(pipeline, self.board))
        check = asyncio.create_task(self._check_server(uploader), name="fhir-check")
        upload = asyncio.create_task(uploader.run(stop), name="uploader")
        bluetooth = asyncio.create_task(ble.run(stop), name="bluetooth")
        try:
            done, _ = await asyncio.wait(
                (upload, bluetooth, asyncio.ensure_future(stop.wait())),
                return_when=asyncio.FIRST_COMPLETED,
            )
            for task in done & {upload, bluetooth}:
                if task.exception() is not None:  # a bug: stop everything, keep what is stored
                    crashed = True
                    _log.error("task_crashed", task=task.get_name(), error=repr(task.exception()))
            stop.set()
            await asyncio.gather(bluetooth, return_exceptions=True)
            _, pending = await asyncio.wait((upload,), timeout=self.upload_grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(upload, return_exceptions=True)
        finally:
            check.cancel()
            await asyncio.gather(check, return_exceptions=True)
        return crashed

    async def _check_server(self, uploader: Uploader) -> None:
        """Check the server at start (logged) and, while the status server runs, every
        ``health_interval`` seconds (for the status page's FHIR server health)."""
        assert self.board is not None
        while True:
            try:
                version = await uploader.check_server()
            except Exception as exc:  # down or not R4: readings are still collected
                error = str(exc) or type(exc).__name__
                _log.error("fhir_server_check_failed", error=error)
                self.board.on_server_check(None, error)
            else:
                self.board.on_server_check(version)
            if self.status_server is None:
                return
            await asyncio.sleep(self.health_interval)
