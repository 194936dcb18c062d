"""Notices an operator must see (a damaged outbox set aside at start): in the status JSON and
as a banner on the page, escaped."""

from __future__ import annotations

from gateway.status.board import StatusBoard
from gateway.status.page import render


def test_a_notice_is_in_the_status_data_and_a_banner_on_the_page() -> None:
    board = StatusBoard("http://fhir.test/fhir")
    board.on_notice("The outbox was damaged (<malformed>) and set aside")
    status = board.snapshot({"pending": 0, "done": 0, "quarantined": 0}, [])
    assert status["notices"] == ["The outbox was damaged (<malformed>) and set aside"]
    page = render(status)
    assert 'role="alert"' in page
    assert "The outbox was damaged (&lt;malformed&gt;) and set aside" in page
    assert 'role="alert"' not in render(StatusBoard("http://fhir.test/fhir").snapshot({}, []))
