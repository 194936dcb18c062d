"""``phg run`` as a process on the test bus: idle memory and reading latency.

1. Idle RSS: ``phg run`` with BLE on the test bus (scanning hci0, one configured device that is
   not there) and a local SEKMET; after ``bluetooth_started`` and ``--settle`` seconds, VmRSS
   and VmHWM of the process from /proc (target: RSS <= 50 MiB). What is loaded is printed too.
2. Latency: a simulated glucose meter (``--records``, one every ``--pace`` s) hands its records
   to ``phg run``, which uploads them to SEKMET. Per glucose measurement:
   - sent -> committed: from the moment the bench reads the simulator's ``sent`` line (the
     value was already handed to BlueZ, so this slightly *under*-states the BLE hop) to the
     daemon's ``reading_stored`` log line (written after the outbox commit), both on this
     host's wall clock;
   - sent -> server 2xx: to the ``uploaded`` log line (written after the 2xx) of the bundle that
     carried it (the uploader sends a device's readings in order, so the k-th stored reading is
     in the first bundle whose cumulative item count reaches k).
   Log time stamps have microsecond resolution. Printed as p50/p99 in milliseconds.

3. Backlog: a glucose meter holding ``--backlog`` records (1,000) when ``phg run`` first
   connects; the daemon fetches them all (RACP), stores and uploads them. Printed: the peak RSS
   (VmHWM) of the process over the whole run, its RSS after the drain, and the drain time.

The drain ratio (outbox + uploader vs bare httpx) is bench/upload.py's.

Run: .venv/bin/python bench/daemon.py [--records 300] [--pace 0.05] [--settle 5]
     [--backlog 1000] [--only idle|latency|backlog]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulators.testbus import TestBus
from tests.daemon.process import Daemon
from tests.daemon.run_helpers import LogCounter, simulator, start_simulator, until, write_config
from tests.fhirserver.server import SekmetServer

GLUCOSE = "00002a18-0000-1000-8000-00805f9b34fb"
ABSENT_DEVICE = "00:11:22:33:44:99"


def proc_status(pid: int) -> dict[str, str]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        out[key] = value.strip()
    return out


def bench_daemon(
    work: Path, bus: TestBus, server: SekmetServer, address: str, run: str
) -> tuple[Daemon, LogCounter]:
    """``phg run`` for the device at ``address``, with a configuration and a state directory of
    this ``run``'s own (another run's stored-record marks for the same simulated address would
    make the daemon fetch only the records after them), and its log followed."""
    config = write_config(
        work / f"{run}.toml", server.base_url, address, state_dir=run, default_patient="x"
    )
    daemon = Daemon(config, bus.env())
    return daemon, LogCounter(daemon)


def idle_rss(work: Path, bus: TestBus, server: SekmetServer, settle: float) -> None:
    daemon, log = bench_daemon(work, bus, server, ABSENT_DEVICE, "idle")
    until(lambda: log.count("bluetooth_started") > 0, 60, "bluetooth_started")
    until(lambda: log.count("fhir_server_ok") > 0, 60, "fhir_server_ok")
    time.sleep(settle)
    status = proc_status(daemon.proc.pid)
    maps = Path(f"/proc/{daemon.proc.pid}/maps").read_text().splitlines()
    libs = sorted({m.split()[-1] for m in maps if m.endswith(".so") or ".so." in m})
    daemon.stop(signal.SIGTERM)
    print(f"idle VmRSS                {status['VmRSS']}  (target <= 50 MiB = 51200 kB)")
    print(f"idle VmHWM (peak RSS)     {status['VmHWM']}")
    print(f"threads                   {status['Threads']}")
    print(f"shared objects mapped     {len(libs)}")
    print(f"loaded: {', '.join(Path(lib).name for lib in libs)}")


def stamp(record: dict[str, Any]) -> float:
    return dt.datetime.fromisoformat(record["timestamp"]).timestamp()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def glucose_stored(log: LogCounter) -> int:
    log.poll()
    return sum(
        1
        for e in log.events
        if e.get("event") == "reading_stored" and e.get("characteristic") == "glucose-measurement"
    )


def latency(work: Path, bus: TestBus, server: SekmetServer, records: int, pace: float) -> None:
    sent_at: dict[int, float] = {}  # glucose sequence -> when the bench read the sent line
    sim = simulator(
        bus, "simulators.glucose", "--records", str(records), "--seed", "3", "--pace", str(pace)
    )
    original = sim._read

    def timed_read() -> None:  # stamp each line as it arrives
        assert sim.proc is not None
        assert sim.proc.stdout is not None
        for line in sim.proc.stdout:
            now = time.time()
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "sent" and event.get("uuid") == GLUCOSE:
                value = bytes.fromhex(event["value"])
                sent_at[int.from_bytes(value[1:3], "little")] = now
            sim._queue.put(event)
        sim._queue.put(None)

    sim._read = timed_read  # type: ignore[method-assign]
    del original
    sim.start()
    daemon, log = bench_daemon(work, bus, server, sim.ready["address"], "latency")
    try:
        until(lambda: glucose_stored(log) >= records, 60 + records * pace * 3, "stored")
        until(lambda: log.count("uploaded", "items") >= log.count("reading_stored"), 60, "uploaded")
        daemon.stop(signal.SIGTERM)
    finally:
        sim.stop()
    stored = [e for e in log.events if e.get("event") == "reading_stored"]
    uploads = [e for e in log.events if e.get("event") == "uploaded"]
    bundle_end: list[float] = []  # k-th stored reading -> its bundle's 2xx log time
    for upload in uploads:
        bundle_end.extend([stamp(upload)] * int(upload["items"]))
    commit, server_ok = [], []
    for k, event in enumerate(stored):
        sequence = event.get("sequence")
        if event.get("characteristic") != "glucose-measurement" or sequence not in sent_at:
            continue
        commit.append(stamp(event) - sent_at[sequence])
        if k < len(bundle_end):
            server_ok.append(bundle_end[k] - sent_at[sequence])
    print(f"readings (glucose)        {len(commit)} at one per {pace} s")
    print(f"bundles                   {len(uploads)}")
    for name, values in (("sent->committed", commit), ("sent->server 2xx", server_ok)):
        print(
            f"{name:<25} p50 {percentile(values, 0.5) * 1000:.1f} ms"
            f"   p99 {percentile(values, 0.99) * 1000:.1f} ms"
        )


def backlog(work: Path, bus: TestBus, server: SekmetServer, records: int) -> None:
    sim = start_simulator(bus, "simulators.glucose", "--records", str(records), "--seed", "5")
    started = time.monotonic()
    daemon, log = bench_daemon(work, bus, server, sim.ready["address"], "backlog")
    try:
        until(lambda: glucose_stored(log) >= records, 120 + records * 0.2, "stored")
        until(
            lambda: log.count("uploaded", "items") >= log.count("reading_stored"), 120, "uploaded"
        )
        drained = time.monotonic() - started
        status = proc_status(daemon.proc.pid)
        daemon.stop(signal.SIGTERM)
    finally:
        sim.stop()
    print(f"backlog readings          {glucose_stored(log)} (glucose), drained in {drained:.1f} s")
    print(f"backlog peak VmHWM        {status['VmHWM']}")
    print(f"backlog VmRSS after drain {status['VmRSS']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=300)
    parser.add_argument("--pace", type=float, default=0.05)
    parser.add_argument("--settle", type=float, default=5.0)
    parser.add_argument("--backlog", type=int, default=1000)
    parser.add_argument("--only", choices=("idle", "latency", "backlog"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="phg-bench-daemon-") as tmp:
        work = Path(tmp)
        with TestBus(adapters=2) as bus, SekmetServer(work / "sekmet") as server:
            if args.only in (None, "idle"):
                idle_rss(work, bus, server, args.settle)
            if args.only in (None, "latency"):
                latency(work, bus, server, args.records, args.pace)
            if args.only in (None, "backlog"):
                backlog(work, bus, server, args.backlog)


if __name__ == "__main__":
    main()
