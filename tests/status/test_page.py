"""The status page as people read it: human names and units, a chart per patient and device
(inline SVG with title and description), banners, held-back and quarantined items with their
reasons; rendered by headless Chromium at desktop and phone width."""

from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

import pytest

from gateway.status.board import Banner
from gateway.status.charts import chart, ticks
from gateway.status.page import render
from tests.status import scenario

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def page() -> str:
    return render(scenario.snapshot())


def test_people_read_names_and_units_not_codes(page: str) -> None:
    assert "MDC_" not in page
    assert "mm[Hg]" not in page
    assert "8417" not in page
    for text in (
        "Weight: 80.3 kg",
        "mmHg",
        "Glucose",
        "mg/dL",
        "Before a meal",
        "kg",
        "BMI",
        "bpm",
    ):
        assert text in page, text


def test_a_chart_per_patient_and_device_with_title_and_description(page: str) -> None:
    titles = re.findall(r'<svg class="chart"[^>]*>\s*<title id="[^"]+">([^<]+)</title>', page)
    assert titles == [
        "Blood pressure of User 1, last 6 readings",
        "Blood pressure of User 2, last 6 readings",
        "Glucose of Patient, last 8 readings",
        "Weight of User 1, last 6 readings",
    ]
    assert page.count('role="img"') == 4
    assert "systolic from 124 to 138 mmHg, latest 126 mmHg" in page
    assert re.search(r'<p class="latest"><span class="big">126/82</span>', page)
    # every SVG labelled by its own title and description
    for chart_id in re.findall(r'aria-labelledby="(chart-\d+)-t chart-\d+-d"', page):
        assert f'id="{chart_id}-t"' in page
        assert f'id="{chart_id}-d"' in page


def test_devices_banners_held_back_and_quarantined(page: str) -> None:
    assert "-65 dBm" in page
    assert "82%" in page
    assert '<p class="banner warn"><strong>Warning:</strong> The status page is reachable' in page
    assert "user index 4 is not bound to a patient" in page
    assert "Held back (1)" in page
    assert "value out of range" in page
    assert "above the meter&#x27;s range" in page
    assert "Observation/26-0" in page  # server ids


def test_banners_are_plain_severity_text_pairs_and_escaped() -> None:
    board = scenario.board()
    board.banners.append(("error", "<b>outbox</b> is corrupt"))
    board.banners.append(Banner("info", "configuration reloaded"))
    html = render(board.snapshot({}, []))
    assert '<p class="banner bad" role="alert"><strong>Error:</strong> &lt;b&gt;outbox' in html
    assert "<strong>Note:</strong> configuration reloaded" in html


def test_chart_axes_are_round_numbers() -> None:
    assert ticks(93.5, 156) == [80, 100, 120, 140, 160]
    assert ticks(80.3, 81.4) == [80.0, 80.5, 81.0, 81.5]
    assert chart("c", "t", []) == ""


def _png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


@pytest.mark.parametrize(("width", "label"), [(1280, "desktop"), (390, "phone")])
def test_chromium_renders_the_page(page: str, tmp_path: Path, width: int, label: str) -> None:
    if not CHROMIUM.is_file():
        pytest.fail("headless Chromium is missing: scripts/test.sh installs Debian's chromium")
    html = tmp_path / "status.html"
    html.write_text(page, encoding="utf-8")
    base = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars",
        f"--window-size={width},1600",
    ]  # fmt: skip
    dom = subprocess.run(
        [*base, "--dump-dom", html.as_uri()], capture_output=True, text=True, timeout=90
    )
    assert dom.returncode == 0, dom.stderr
    assert dom.stdout.count("<svg") >= 4
    assert "Readings by patient and device" in dom.stdout
    shot = tmp_path / f"{label}.png"
    done = subprocess.run(
        [*base, f"--screenshot={shot}", html.as_uri()], capture_output=True, timeout=90
    )
    assert done.returncode == 0, done.stderr
    assert _png_size(shot) == (width, 1600)
    assert shot.stat().st_size > 30_000  # drawn, not an empty canvas
