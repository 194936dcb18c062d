"""A status page reachable from the network without a token is a configuration problem the
page itself shows, as a banner; on loopback (the default) there is none."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, cast

from gateway.config import parse
from gateway.daemon.service import Daemon
from gateway.status.board import StatusBoard
from gateway.status.source import DaemonStatus
from gateway.upload.client import FhirClient, ServerConfig


class _Source:
    def __init__(self) -> None:
        self.board = StatusBoard("http://fhir.test/fhir")


def _banners(host: str, tmp_path: Path) -> list[tuple[str, str]]:
    data: dict[str, Any] = {
        "gateway": {"state_dir": str(tmp_path)},
        "fhir": {"base_url": "http://fhir.test/fhir"},
        "status": {"enabled": True, "host": host, "port": 0},
    }
    daemon = Daemon(parse(data, {}), FhirClient(ServerConfig("http://fhir.test/fhir")))
    source = _Source()

    async def start() -> None:
        await daemon._start_status(cast(DaemonStatus, source))
        assert daemon.status_server is not None
        await daemon.status_server.stop()

    asyncio.run(start())
    return list(source.board.banners)


def test_no_banner_on_loopback(tmp_path: Path) -> None:
    assert _banners("127.0.0.1", tmp_path) == []


def test_open_status_page_without_token_is_a_warning_banner(tmp_path: Path) -> None:
    [(severity, text)] = _banners("0.0.0.0", tmp_path)
    assert severity == "warning"
    assert "without a token" in text
