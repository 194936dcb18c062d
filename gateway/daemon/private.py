"""The state directory holds patient identifiers and health data: directory mode 0700, every
file in it 0600, whatever the umask of whoever started ``phg run``.

New files are created 0600 by the code that makes them (the outbox, the held-back store, the
lock file; SQLite gives ``-wal`` and ``-shm`` the mode of their database file); at start
:func:`make_private` also tightens what an older version or a looser umask left behind.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Final

import structlog

DIR_MODE: Final = 0o700
FILE_MODE: Final = 0o600
SQLITE_SUFFIXES: Final = ("", "-wal", "-shm", "-journal")

_log = structlog.get_logger("gateway.daemon")


def make_private(state_dir: Path, files: Iterable[Path] = ()) -> None:
    """Create ``state_dir`` (mode 0700) if missing, make it 0700 when this user owns it, and
    make every regular file in it, and each of ``files`` (with their SQLite side files), 0600.

    A shared directory (sticky bit, like /tmp) is never changed: that would lock others out;
    it is logged instead."""
    state_dir.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    info = state_dir.stat()
    if info.st_mode & stat.S_ISVTX or info.st_uid != os.geteuid():
        _log.warning(
            "state_dir_not_private",
            state_dir=str(state_dir),
            hint="use a directory of its own for gateway.state_dir (e.g. /var/lib/phg)",
        )
    elif stat.S_IMODE(info.st_mode) != DIR_MODE:
        state_dir.chmod(DIR_MODE)
    for entry in state_dir.iterdir():
        _private_file(entry)
    for path in files:
        for suffix in SQLITE_SUFFIXES:
            _private_file(path.with_name(path.name + suffix))


def _private_file(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        info = path.lstat()
        if (
            stat.S_ISREG(info.st_mode)
            and info.st_uid == os.geteuid()
            and stat.S_IMODE(info.st_mode) != FILE_MODE
        ):
            path.chmod(FILE_MODE)
