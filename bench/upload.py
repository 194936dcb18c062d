"""Upload throughput: draining an outbox backlog into SEKMET versus posting the same bundles.

In one run, against two fresh SEKMET servers (same version, same machine):

1. ``put``: N mapped blood pressure readings (with pulse rate: 2 Observations each) are stored
   with ``Outbox.put`` in bursts of ``--burst`` concurrent calls (as a RACP transfer delivers
   them); the latency of each ``put`` from call to durable commit is recorded;
2. ``outbox``: the uploader drains that backlog (transaction Bundles of ``--max-entries``
   entries, id cache, order per device); the request bodies it sent are kept;
3. ``direct`` (the baseline): the same request bodies are POSTed with a bare ``httpx`` client,
   one after the other, to the second, empty server.

Prints readings/s for both, their ratio (outbox time / direct time; target ≤ 1.15) and the
put→commit latency p50/p99. Needs ``scripts/fhir-server.sh install``.

Run: .venv/bin/python bench/upload.py [--readings 20000] [--max-entries 200] [--burst 32]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import structlog

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway.fhir.connection import ConnectionMapper, Mapped
from gateway.fhir.device_info import PhdDeviceInfo
from gateway.fhir.patient import PatientBinding, PatientIdentifier
from gateway.fhir.phg_device import PhgConfig
from gateway.fhir.timeline import DeviceClock, WallClockStamp
from gateway.outbox import ItemState, Outbox
from gateway.upload.client import FHIR_JSON, FhirClient, ServerConfig
from gateway.upload.uploader import Uploader
from profiles.blood_pressure import BloodPressureMeasurement
from profiles.date_time import DateTime
from tests.fhirserver.server import SekmetServer

DEVICE = "B0:49:5F:00:10:71"
READ_AT = dt.datetime(2024, 3, 11, 14, 0, 0, tzinfo=dt.UTC)
ZONE = ZoneInfo("Europe/Berlin")


def readings(count: int) -> list[Mapped]:
    device_now = READ_AT.astimezone(ZONE).replace(tzinfo=None)
    mapper = ConnectionMapper(
        phg=PhgConfig(bytes.fromhex("ECDE3D4E58532D31")),
        phd=PhdDeviceInfo(
            manufacturer="Bench",
            model="BP-1",
            system_id=bytes.fromhex("711000FEFF5F49B0"),
            bluetooth_address=bytes.fromhex("B0495F001071"),
        ),
        patients=PatientBinding(PatientIdentifier("urn:oid:2.999.1.2.3", "bench-patient")),
        zone=ZONE,
        clock=DeviceClock(read_at=READ_AT, device_now=WallClockStamp(device_now)),
    )
    out = []
    for index in range(count):
        t = device_now - dt.timedelta(minutes=count - index)
        stamp = DateTime(t.year, t.month, t.day, t.hour, t.minute, t.second)
        measurement = BloodPressureMeasurement(
            systolic=Decimal(100 + index % 60),
            diastolic=Decimal(60 + index % 30),
            mean_arterial_pressure=Decimal(80),
            timestamp=stamp,
            pulse_rate=Decimal(60 + index % 40),
        )
        result = mapper.map(measurement, READ_AT)
        assert isinstance(result, Mapped), result
        out.append(result)
    return out


class RecordingClient(FhirClient):
    bodies: list[str]

    async def transaction(self, body: str) -> httpx.Response:
        response = await super().transaction(body)
        if response.is_success:
            self.bodies.append(body)
        return response


async def fill(outbox: Outbox, mapped: list[Mapped], burst: int) -> list[float]:
    latencies: list[float] = []

    async def put(reading: Mapped) -> None:
        start = time.perf_counter()
        await outbox.put(reading, device=DEVICE)
        latencies.append(time.perf_counter() - start)

    for first in range(0, len(mapped), burst):
        await asyncio.gather(*(put(r) for r in mapped[first : first + burst]))
    return latencies


async def outbox_run(
    server: SekmetServer, path: Path, mapped: list[Mapped], max_entries: int, burst: int
) -> tuple[float, list[float], list[str]]:
    async with await Outbox.open(path, max_bytes=4 * 1024**3) as outbox:
        latencies = await fill(outbox, mapped, burst)
        client = RecordingClient(ServerConfig(server.base_url))
        client.bodies = []
        uploader = Uploader(outbox, client, max_entries=max_entries)
        await uploader.check_server()
        start = time.perf_counter()
        await uploader.drain()
        elapsed = time.perf_counter() - start
        await client.aclose()
        counts = await outbox.counts()
        if counts[ItemState.DONE] != len(mapped):
            raise SystemExit(f"outbox run incomplete: {counts}")
        return elapsed, latencies, client.bodies


async def direct_run(server: SekmetServer, bodies: list[str]) -> float:
    async with httpx.AsyncClient(timeout=60) as client:
        await client.get(f"{server.base_url}/metadata")
        start = time.perf_counter()
        for body in bodies:
            response = await client.post(
                server.base_url,
                content=body.encode("utf-8"),
                headers={
                    "Content-Type": FHIR_JSON,
                    "Accept": FHIR_JSON,
                    "Prefer": "return=minimal",
                },
            )
            if not response.is_success:
                raise SystemExit(
                    f"direct post failed: {response.status_code} {response.text[:300]}"
                )
        return time.perf_counter() - start


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readings", type=int, default=20_000)
    parser.add_argument("--max-entries", type=int, default=200)
    parser.add_argument("--burst", type=int, default=32)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    mapped = readings(args.readings)
    with tempfile.TemporaryDirectory(prefix="phg-bench-upload-") as tmp:
        work = Path(tmp)
        with SekmetServer(work / "outbox-server") as server:
            elapsed, latencies, bodies = asyncio.run(
                outbox_run(server, work / "outbox.sqlite3", mapped, args.max_entries, args.burst)
            )
        with SekmetServer(work / "direct-server") as server:
            direct = asyncio.run(direct_run(server, bodies))
    n = args.readings
    print(f"readings                 {n}")
    print(f"bundles                  {len(bodies)}")
    print(f"direct httpx readings/s  {n / direct:.1f}")
    print(f"outbox+uploader readings/s {n / elapsed:.1f}")
    print(f"ratio outbox/direct time {elapsed / direct:.3f}")
    print(f"put->commit p50 ms       {statistics.median(latencies) * 1000:.2f}")
    print(f"put->commit p99 ms       {percentile(latencies, 0.99) * 1000:.2f}")


if __name__ == "__main__":
    main()
