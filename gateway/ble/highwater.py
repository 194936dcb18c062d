"""Per-device high-water marks for stored records: the next record sequence number to fetch.

The session asks a device for records ">= sequence N" where N is the stored mark, and stores a
new mark only after the consumer has acknowledged that the records up to it are durably stored.
A crash between the two repeats records (the FHIR side de-duplicates them); it never loses one.

:class:`HighWaterStore` is the interface; :class:`JsonFileHighWaterStore` keeps all marks in one
small JSON file, replaced atomically (write temp file, fsync, rename, fsync directory), and
:class:`MemoryHighWaterStore` is for tests and dry runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from pathlib import Path
from typing import Protocol


class HighWaterStore(Protocol):
    async def load(self, device_key: str) -> int | None:
        """The next sequence number to fetch for the device, or None if never stored."""
        ...

    async def store(self, device_key: str, next_sequence: int) -> None:
        """Durably record the next sequence number to fetch (returns once it is on disk)."""
        ...


class MemoryHighWaterStore:
    def __init__(self, initial: dict[str, int] | None = None) -> None:
        self.marks: dict[str, int] = dict(initial or {})

    async def load(self, device_key: str) -> int | None:
        return self.marks.get(device_key)

    async def store(self, device_key: str, next_sequence: int) -> None:
        self.marks[device_key] = next_sequence


class JsonFileHighWaterStore:
    """All devices' marks in one JSON object ``{"device key": next_sequence}``.

    An unreadable or corrupt file is an error (raised at the first :meth:`load`), never
    silently treated as empty: starting again from 0 would re-send a device's whole memory.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = asyncio.Lock()
        self._cache: dict[str, int] | None = None

    def _read(self) -> dict[str, int]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        data = json.loads(text)
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
            for k, v in data.items()
        ):
            raise ValueError(f"{self.path}: not a JSON object of device key -> sequence number")
        return data

    def _write(self, marks: dict[str, int]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(marks, f, sort_keys=True, indent=1)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    async def _marks(self) -> dict[str, int]:
        if self._cache is None:
            self._cache = await asyncio.to_thread(self._read)
        return self._cache

    async def load(self, device_key: str) -> int | None:
        async with self._lock:
            return (await self._marks()).get(device_key)

    async def store(self, device_key: str, next_sequence: int) -> None:
        if next_sequence < 0:
            raise ValueError("sequence numbers are >= 0")
        async with self._lock:
            marks = dict(await self._marks())
            marks[device_key] = next_sequence
            await asyncio.to_thread(self._write, marks)
            self._cache = marks
