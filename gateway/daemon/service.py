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
import signal
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from gateway.ble.events import EventConsumer
from gateway.config.model import GatewayConfig
from gateway.daemon.bluetooth import BleRuntime, BleSettings
from gateway.daemon.heldback import HeldBackStore
from gateway.daemon.pipeline import Pipeline
from gateway.fhir.identifiers import dashed
from gateway.outbox import Outbox
from gateway.upload.client import FhirClient
from gateway.upload.uploader import Uploader

_log = structlog.get_logger("gateway.daemon")

BleFactory = Callable[[GatewayConfig, EventConsumer], BleRuntime]


def default_ble(config: GatewayConfig, consumer: EventConsumer) -> BleRuntime:
    return BleRuntime(BleSettings.of(config), consumer)


@dataclass(slots=True)
class Daemon:
    config: GatewayConfig
    client: FhirClient
    ble_factory: BleFactory = default_ble
    upload_grace: float = 10.0
    stop: asyncio.Event | None = None

    async def run(self) -> int:
        config = self.config
        stop = self.stop = self.stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._signalled, signum)
        phg = config.gateway.phg()
        zone = config.gateway.zone()
        outbox = await Outbox.open(
            config.outbox_path, max_bytes=int(config.outbox.max_size_mb * 1024 * 1024)
        )
        try:
            kept = await HeldBackStore.open(config.heldback_path)
            try:
                pipeline = Pipeline(
                    outbox,
                    kept,
                    phg,
                    zone,
                    config.bindings(),
                    may_set_clock=config.ble.clock_sync != "never",
                )
                uploader = Uploader(outbox, self.client, max_entries=config.outbox.batch_size)
                _log.info(
                    "daemon_started",
                    phg_system_id=dashed(phg.system_id),
                    time_zone=getattr(zone, "key", None) or str(zone),
                    fhir=config.fhir.base_url,
                    auth=config.fhir.auth.kind,
                    outbox=str(config.outbox_path),
                    devices=len(config.devices),
                )
                crashed = await self._serve(pipeline, uploader, stop)
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

    def _signalled(self, signum: int) -> None:
        _log.info("stopping", signal=signal.Signals(signum).name)
        assert self.stop is not None
        self.stop.set()

    async def _serve(self, pipeline: Pipeline, uploader: Uploader, stop: asyncio.Event) -> bool:
        """Run until ``stop`` (True if a task crashed, which is an exit status of 1)."""
        crashed = False
        ble = self.ble_factory(self.config, pipeline)
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

    @staticmethod
    async def _check_server(uploader: Uploader) -> None:
        try:
            await uploader.check_server()
        except Exception as exc:  # down or not R4: readings are still collected
            _log.error("fhir_server_check_failed", error=str(exc) or type(exc).__name__)
