"""Fixtures of the daemon tests that run on the BLE test bus."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators.testbus import TestBus


@pytest.fixture
def bus() -> Iterator[TestBus]:
    """A test bus with two adapters: the gateway's (hci0) and the simulators' (hci1)."""
    with TestBus(adapters=2) as test_bus:
        yield test_bus
