"""The daemon's log set-up: JSON lines, level filter, credentials masked."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from gateway.daemon import logs


@pytest.fixture(autouse=True)
def restore() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


def test_json_lines_with_level_filter_and_masked_credentials() -> None:
    stream = io.StringIO()
    logs.setup("json", "info", stream)
    log = structlog.get_logger("gateway.test")
    log.debug("hidden")
    log.info("shown", access_token="abc", client_secret="def", items=3)
    logging.getLogger("httpx").info("library info is below warning: hidden")
    logging.getLogger("httpx").warning("library warning")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ["shown", "library warning"]
    assert lines[0]["access_token"] == "***"
    assert lines[0]["client_secret"] == "***"
    assert lines[0]["items"] == 3
    assert lines[0]["level"] == "info"
    assert lines[0]["logger"] == "gateway.test"
