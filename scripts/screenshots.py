"""The status page screenshots in docs/ (shown in the README), from a real ``phg demo``: desktop
(1280 px) and phone (390 px) width, taken by headless Chromium once all three simulated
devices' readings are uploaded.

Run: .venv/bin/python scripts/screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
SIZES = {"status-page.png": (1280, 2300), "status-page-phone.png": (390, 2600)}


def shoot(url: str, out: Path, width: int, height: int) -> None:
    with tempfile.TemporaryDirectory(prefix="phg-shot-") as profile:
        subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--hide-scrollbars",
             f"--window-size={width},{height}", f"--screenshot={out}", url],
            check=True, capture_output=True, timeout=90,
        )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    demo = subprocess.Popen(
        [sys.executable, "-m", "gateway", "demo", "--duration", "120"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert demo.stdout is not None
    url, uploaded, deadline = None, set(), time.monotonic() + 100
    try:
        for line in demo.stdout:
            print(line, end="")
            if match := re.search(r"status page:\s+(http://\S+/)", line):
                url = match.group(1)
            if match := re.search(r"uploaded\s+(\S+) ", line):
                uploaded.add(match.group(1))
            if (url and len(uploaded) >= 3) or time.monotonic() > deadline:
                break
        if url is None or len(uploaded) < 3:
            print("the demo did not upload from all three devices", file=sys.stderr)
            return 1
        time.sleep(6)  # the remaining uploads and their server ids
        for name, (width, height) in SIZES.items():
            shoot(url, args.out / name, width, height)
            print(f"wrote {args.out / name}")
        return 0
    finally:
        demo.terminate()
        demo.wait(60)


if __name__ == "__main__":
    sys.exit(main())
