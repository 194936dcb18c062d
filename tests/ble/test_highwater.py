import asyncio
from pathlib import Path

import pytest

from gateway.ble.highwater import JsonFileHighWaterStore, MemoryHighWaterStore


def test_json_store_round_trips_and_persists(tmp_path: Path) -> None:
    path = tmp_path / "state" / "highwater.json"

    async def scenario() -> tuple[int | None, int | None, int | None]:
        store = JsonFileHighWaterStore(path)
        missing = await store.load("AA")
        await store.store("AA", 17)
        await store.store("BB", 3)
        again = JsonFileHighWaterStore(path)
        return missing, await again.load("AA"), await again.load("BB")

    assert asyncio.run(scenario()) == (None, 17, 3)
    assert not [p for p in path.parent.iterdir() if p.name != "highwater.json"]  # no temp files


def test_json_store_refuses_a_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "highwater.json"
    path.write_text('{"AA": "x"}')
    with pytest.raises(ValueError, match="device key"):
        asyncio.run(JsonFileHighWaterStore(path).load("AA"))


def test_json_store_rejects_negative(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=">= 0"):
        asyncio.run(JsonFileHighWaterStore(tmp_path / "h.json").store("AA", -1))


def test_memory_store() -> None:
    store = MemoryHighWaterStore({"AA": 1})
    asyncio.run(store.store("AA", 2))
    assert asyncio.run(store.load("AA")) == 2
