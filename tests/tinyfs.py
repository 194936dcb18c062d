"""Real small file systems for the disk-full and read-only tests: a tmpfs of a given size
mounted on a test's directory (the tests run as root, as CI does), and a filler file that
takes every free byte."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

FILLER = ".filler"


@contextlib.contextmanager
def mounted_tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` (``"1m"``) on ``where`` (created) until the block ends."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs the tests as root)")
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)], check=True
    )
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def remount(where: Path, option: str) -> None:
    """``ro`` or ``rw``."""
    subprocess.run(["mount", "-o", f"remount,{option}", str(where)], check=True)


def fill(where: Path) -> Path:
    """Write a file into ``where`` until the file system is full; returns it."""
    filler = where / FILLER
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (65536, 4096, 512, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)
    assert os.statvfs(where).f_bavail == 0
    return filler


def free(filler: Path) -> None:
    filler.unlink()
