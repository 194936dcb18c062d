"""The README's ``phg map`` / ``phg validate`` examples run as written (from the repository root,
with the example device-info JSON it ships)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8").replace("\\\n", " ")
    return [m.strip() for m in re.findall(r"^\$ (phg (?:map|validate) .*)$", text, re.MULTILINE)]


def _phg(args: list[str], stdin: str | None = None, cwd: Path = ROOT) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "gateway", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )
    assert done.returncode == 0, (args, done.stderr)
    return done.stdout


def test_readme_map_and_validate_examples_run(tmp_path: Path) -> None:
    commands = _commands()
    assert len(commands) == 3, commands
    files: dict[str, str] = {}
    for command in commands:
        left, pipe, right = command.partition(" | ")
        words = shlex.split(left)[1:]
        target = None
        if ">" in words:
            target = words[words.index(">") + 1]
            words = words[: words.index(">")]
        words = [str(ROOT / w) if w.startswith("config/") else w for w in words]
        words = [str(tmp_path / files[w]) if w in files else w for w in words]
        out = _phg(words)
        if target is not None:
            (tmp_path / target).write_text(out)
            files[target] = target
        if pipe:
            report = _phg(shlex.split(right)[1:], stdin=out)
            assert "0 error(s)" in report
        elif words[0] == "validate":
            assert "0 error(s)" in out
