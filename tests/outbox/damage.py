"""Damaged outbox files, as a power cut or a failing SD card leaves them: random bytes over
some pages in the middle (the header and the schema still read, so opening works and the
damage shows only when the rows are read), or a file cut short."""

from __future__ import annotations

import random
from pathlib import Path

from gateway.outbox import OutboxStore, entries_of
from tests.upload.readings import DEVICE, bp_readings

PAGE = 4096


def outbox_with(path: Path, readings: int) -> list[int]:
    store = OutboxStore(path)
    try:
        return store.insert_many([(DEVICE, entries_of(r)) for r in bp_readings(readings)])
    finally:
        store.close()


def scramble(path: Path, seed: int = 3, pages: int = 4) -> None:
    """Random bytes over ``pages`` pages in the middle of the file."""
    data = bytearray(path.read_bytes())
    rng = random.Random(seed)
    start = len(data) // 2 // PAGE * PAGE
    for i in range(start, min(len(data), start + pages * PAGE)):
        data[i] = rng.randrange(256)
    path.write_bytes(bytes(data))


def truncate(path: Path, fraction: float = 0.5) -> None:
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.truncate(int(size * fraction) // PAGE * PAGE)
