"""Start-up cost of the offline commands: ``phg decode``, ``phg map`` and ``phg validate``.

Each command runs ``--runs`` times as a fresh process (``python -m gateway ...``, as the ``phg``
script does), interleaved with a bare ``python -c pass`` of the same interpreter; printed: the
median wall time, the peak RSS of the child, and the ratio to the bare start (target for
``decode``: <= 3). Byte-code caches are used as on an installed system (PYTHONDONTWRITEBYTECODE
is dropped for the children; a warm-up run fills them). The modules each command imports that
an offline command should not (bleak, dbus_fast, httpx, cryptography) are listed.

Run: .venv/bin/python bench/cli.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BP = "1e780050005d00ea070b16081e2d4800022d00"
HEAVY = ("bleak", "dbus_fast", "httpx", "cryptography", "structlog", "asyncio")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _run_once(argv: list[str], stdin: bytes | None) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one child."""
    start = time.perf_counter()
    child = subprocess.Popen(
        argv,
        env=_env(),
        cwd=ROOT,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if stdin is not None:
        assert child.stdin is not None
        child.stdin.write(stdin)
        child.stdin.close()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    if child.returncode not in (0, 1):  # validate exits 1 on errors; anything else is broken
        raise SystemExit(f"{' '.join(argv)}: exit status {child.returncode}")
    return elapsed, usage.ru_maxrss


def _heavy_modules(args: list[str]) -> list[str]:
    code = (
        "import runpy, sys\n"
        f"sys.argv = ['phg', *{args!r}]\n"
        "try:\n    runpy.run_module('gateway', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        input="",
    )
    return done.stderr.strip().splitlines()[-1].split() if done.stderr.strip() else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()
    phg = [sys.executable, "-m", "gateway"]
    with tempfile.TemporaryDirectory(prefix="phg-bench-cli-") as tmp:
        bundle = Path(tmp) / "bundle.json"
        map_args = [
            "map", "2A35", BP, "--device-info", "config/device-info.example.json",
            "--patient", "example-patient", "--user", "2=example-patient",
            "--received-at", "2026-11-22T08:31:00Z",
        ]  # fmt: skip
        bundle.write_bytes(subprocess.run([*phg, *map_args], env=_env(), cwd=ROOT,
                                          capture_output=True, check=True).stdout)  # fmt: skip
        commands: dict[str, tuple[list[str], bytes | None]] = {
            "python -c pass": ([sys.executable, "-c", "pass"], None),
            "phg decode 2A35 HEX": ([*phg, "decode", "2A35", BP], None),
            "phg map 2A35 HEX ...": ([*phg, *map_args], None),
            "phg validate bundle.json": ([*phg, "validate", str(bundle)], None),
        }
        for argv, stdin in commands.values():  # warm-up: byte-code caches
            _run_once(argv, stdin)
        times: dict[str, list[float]] = {name: [] for name in commands}
        rss: dict[str, int] = dict.fromkeys(commands, 0)
        for _ in range(options.runs):
            for name, (argv, stdin) in commands.items():
                elapsed, peak = _run_once(argv, stdin)
                times[name].append(elapsed)
                rss[name] = max(rss[name], peak)
        heavy = {
            "phg decode 2A35 HEX": _heavy_modules(["decode", "2A35", BP]),
            "phg map 2A35 HEX ...": _heavy_modules(map_args),
            "phg validate bundle.json": _heavy_modules(["validate", str(bundle)]),
        }
    base = statistics.median(times["python -c pass"])
    print(f"{'command':28} {'median ms':>9} {'ratio':>6} {'peak RSS MiB':>12}  heavy imports")
    for name in commands:
        median = statistics.median(times[name])
        loaded = " ".join(heavy.get(name, [])) or "-"
        print(
            f"{name:28} {median * 1000:9.1f} {median / base:6.2f} {rss[name] / 1024:12.1f}  "
            f"{loaded if name in heavy else ''}"
        )
    print(f"target: phg decode <= 3.00 x python -c pass ({options.runs} runs each, median)")


if __name__ == "__main__":
    main()
