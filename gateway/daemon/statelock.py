"""One daemon per state directory: an exclusive ``flock`` on ``<state_dir>/phg.lock``.

``phg run`` takes the lock before it opens anything in the state directory and holds it for
its whole life (the kernel releases it when the process ends, even after SIGKILL, so a stale
lock file never blocks a restart). A second ``phg run`` with the same state directory gets
:class:`StateDirBusyError` and refuses to start: two daemons would upload the same readings.
``phg outbox retry|purge`` take the same lock for the moment they write (they race with the
uploader otherwise); ``list`` and ``show`` only read and need no lock.

The lock file holds the owner's process id (for the message); it is created mode 0600.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Final

LOCK_NAME: Final = "phg.lock"


class StateDirBusyError(Exception):
    """Another process holds the state directory's lock."""


class StateLock:
    """Held from :meth:`acquire` until :meth:`release` (or the process ends)."""

    def __init__(self, fd: int, path: Path) -> None:
        self._fd: int | None = fd
        self.path = path

    @classmethod
    def acquire(cls, state_dir: Path) -> StateLock:
        """Lock ``state_dir`` (created, mode 0700, if missing) for this daemon; raises
        :class:`StateDirBusyError` when another process holds it."""
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = state_dir / LOCK_NAME
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        os.fchmod(fd, 0o600)
        _lock(fd, state_dir)
        _write_owner(fd)
        return cls(fd, path)

    @classmethod
    def acquire_existing(cls, state_dir: Path) -> StateLock | None:
        """For the command line: lock ``state_dir`` if a daemon ever ran there (the lock file
        exists; it is never created here, it belongs to the daemon's user), else None."""
        path = state_dir / LOCK_NAME
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        _lock(fd, state_dir)
        return cls(fd, path)

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the last descriptor releases the flock

    def __enter__(self) -> StateLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _lock(fd: int, state_dir: Path) -> None:
    """flock ``fd`` exclusively without waiting; closes it and raises when that fails."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = _owner(fd)
        os.close(fd)
        who = "another phg process" if owner is None else f"another phg process (pid {owner})"
        raise StateDirBusyError(
            f"{who} is using the state directory {state_dir}; stop it first "
            "(`systemctl stop phg` for the service)"
        ) from None
    except BaseException:
        os.close(fd)
        raise


def _owner(fd: int) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 32, 0).decode("ascii").strip()
        return int(text) if text else None
    return None


def _write_owner(fd: int) -> None:
    """Best effort (a full disk must not stop the daemon): the pid, for the busy message."""
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
