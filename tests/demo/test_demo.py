"""``phg demo`` as a child process: the readings of the simulated devices reach SEKMET and
the status page, headless Chromium renders the page (DOM and a PNG screenshot), and SIGTERM
stops the demo with exit status 0 and no process it started left behind. With
``--fhir-server medplum``: every stored reading reaches Medplum's FHIR engine, none is
quarantined."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.process_lines import start_phg
from tests.status.promtext import parse

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT = 90.0
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Demo:
    def __init__(self, *args: str) -> None:
        self._reader = start_phg(["demo", "--status-port", "0", "--fhir-port", "0", *args])
        self.proc = self._reader.proc
        self.output = self._reader.output

    def wait_for(self, pattern: str, timeout: float = TIMEOUT) -> re.Match[str]:
        match = self._reader.first(lambda line: re.search(pattern, line), timeout, poll=0.5)
        if match is None:
            raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(self.output)}")
        return match


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture
def demo() -> Iterator[Demo]:
    started = Demo()
    yield started
    stop(started)  # SIGTERM: a SIGKILLed demo would leave its simulators and servers running


def chromium(url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--window-size=1280,900",
            *extra,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def test_demo_uploads_shows_the_page_and_stops_cleanly_on_sigterm(
    demo: Demo, tmp_path: Path
) -> None:
    fhir = demo.wait_for(r"FHIR server:\s+(http://\S+/fhir)").group(1)
    status = demo.wait_for(r"status page:\s+(http://\S+/)").group(1)
    server_id = demo.wait_for(r"uploaded .*Blood pressure.* -> (Observation/[\w.-]+)")
    # A glucose reading shows its server ids too (not just "accepted").
    demo.wait_for(r"uploaded .*Glucose -> Observation/[\w.-]+")
    # The id the demo printed is on the server.
    reply = httpx.get(f"{fhir}/{server_id.group(1)}", timeout=10)
    assert reply.status_code == 200
    assert reply.json()["resourceType"] == "Observation"

    api = httpx.get(f"{status}api/status", timeout=10).json()
    assert any(r["state"] == "uploaded" for r in api["readings"])
    assert httpx.get(f"{status}healthz", timeout=10).status_code == 200

    if not CHROMIUM.is_file():
        pytest.fail("headless Chromium is missing: scripts/test.sh installs Debian's chromium")
    dom = chromium(status, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr
    assert "Recent readings" in dom.stdout
    assert re.search(r"Systolic: \d+ mmHg", dom.stdout), dom.stdout[:2000]
    shot = tmp_path / "status.png"
    result = chromium(status, tmp_path, f"--screenshot={shot}")
    assert result.returncode == 0, result.stderr
    data = shot.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 20_000  # a rendered page, not an empty canvas

    children = descendants(demo.proc.pid)
    assert len(children) >= 5  # dbus-daemon, BlueZoo, SEKMET, three simulators
    demo.proc.send_signal(signal.SIGTERM)
    assert demo.proc.wait(60) == 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(p) for p in children):
        time.sleep(0.2)
    assert [p for p in children if alive(p)] == []


def stop(demo: Demo) -> None:
    """SIGTERM (the demo then stops what it started), SIGKILL only if it hangs."""
    if demo.proc.poll() is None:
        demo.proc.send_signal(signal.SIGTERM)
        try:
            demo.proc.wait(60)
        except subprocess.TimeoutExpired:
            demo.proc.kill()
            demo.proc.wait(10)


def readings_counts(status: str) -> dict[str, float]:
    """The demo gateway's reading counters (``stored``, ``uploaded``, ``quarantined``)."""
    _, samples = parse(httpx.get(f"{status}metrics", timeout=10).text)
    prefix = "phg_readings_"
    return {
        s.name[len(prefix) :].removesuffix("_total"): s.value
        for s in samples
        if s.name.startswith(prefix)
    }


# At least what the simulated devices send (gateway/demo/stack.py): 3 blood pressure, 3 glucose
# (a context may be stored as a reading of its own, or with its measurement), and 2 records of
# the scale, each a weight and a body composition reading.
DEMO_READINGS = 10


def test_demo_against_medplum_uploads_every_reading() -> None:
    started = Demo("--fhir-server", "medplum")
    try:
        fhir = started.wait_for(r"FHIR server:\s+(http://\S+/fhir/R4)").group(1)
        status = started.wait_for(r"status page:\s+(http://\S+/)").group(1)
        deadline = time.monotonic() + TIMEOUT
        counts = readings_counts(status)
        while counts.get("stored", 0) < DEMO_READINGS or counts["stored"] > counts.get(
            "uploaded", 0
        ) + counts.get("quarantined", 0):
            if time.monotonic() > deadline or started.proc.poll() is not None:
                raise AssertionError(f"not settled: {counts}\n{''.join(started.output)}")
            time.sleep(0.5)
            counts = readings_counts(status)
        assert counts.get("quarantined", 0) == 0, "".join(started.output)
        assert counts["uploaded"] == counts["stored"]
        bp = httpx.get(
            f"{fhir}/Observation", params={"code": "http://loinc.org|85354-9"}, timeout=10
        ).json()
        assert len(bp.get("entry", [])) == 3
        started.proc.send_signal(signal.SIGTERM)
        assert started.proc.wait(60) == 0
    finally:
        stop(started)


def test_demo_duration_exits_by_itself() -> None:
    started = Demo("--duration", "3")
    try:
        code = started.proc.wait(120)
    finally:
        if started.proc.poll() is None:
            started.proc.kill()
    assert code == 0, "".join(started.output)
    assert "stopping the simulators" in "".join(started.output)


def test_decode_only_needs_no_bluetooth(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "bp.log").write_text("# a reading\n2A35 00780050005d00\n")
    out = subprocess.run(
        [sys.executable, "-m", "gateway", "demo", "--decode-only", "--corpus", str(corpus)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS="unix:path=/nonexistent"),
    )
    assert out.returncode == 0, out.stderr
    assert '"systolic": 120' in out.stdout


PHD_DEVICE = "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdDevice"


def phd_devices(fhir: str) -> list[dict[str, Any]]:
    bundle = httpx.get(f"{fhir}/Device", params={"_count": "100"}, timeout=10).json()
    devices = [e["resource"] for e in bundle.get("entry", [])]
    return [d for d in devices if PHD_DEVICE in d.get("meta", {}).get("profile", [])]


def test_the_three_demo_devices_are_three_phd_devices_on_the_server(demo: Demo) -> None:
    """Each simulated device has its own System ID (G6/G7), so the blood pressure monitor, the
    glucose meter and the weight scale are three PhdDevices, not one merged Device."""
    fhir = demo.wait_for(r"FHIR server:\s+(http://\S+/fhir)").group(1)
    waiting = {"Blood pressure", "Glucose", "Weight"}
    while waiting:
        kind = demo.wait_for(r"uploaded +\S+ (Blood pressure|Glucose|Weight)\b.* -> ")
        waiting.discard(kind.group(1))
    found = phd_devices(fhir)
    assert len(found) == 3, found
    sysids = {
        i["value"]
        for d in found
        for i in d["identifier"]
        if i["type"]["coding"][0]["code"] == "SYSID"
    }
    assert len(sysids) == 3
    assert "08-07-06-05-04-03-02-01" not in sysids  # the System ID all simulators shared
    models = sorted(str(d.get("modelNumber")) for d in found)
    assert len(set(models)) == 3


def test_demo_with_a_generic_health_sensor_uploads_its_observations() -> None:
    """``phg demo --ghs``: the GHS blood pressure monitor's observations reach the server, as a
    fourth PhdDevice declaring the blood pressure specialization its features name."""
    started = Demo("--ghs")
    try:
        fhir = started.wait_for(r"FHIR server:\s+(http://\S+/fhir)").group(1)
        started.wait_for(r"uploaded +\S+ Health observation\b.* -> Observation/")
        found = phd_devices(fhir)
        models = {str(d.get("modelNumber")) for d in found}
        assert "GHS-SIM-1" in models, found
    finally:
        stop(started)
