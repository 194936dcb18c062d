"""The status page tells the operator when uploads are held back for a reason they must fix
(a wrong base URL, a proxy answering instead of the server): field findings U1 and U5."""

from __future__ import annotations

from gateway.status.board import Happening, StatusBoard
from gateway.status.page import render
from gateway.upload.answer import Problem


def page(board: StatusBoard) -> str:
    return render(board.snapshot({"pending": 3, "done": 0, "quarantined": 0}, []))


def test_a_configuration_problem_is_a_banner_until_uploads_settle() -> None:
    board = StatusBoard("https://fhir.example.org/r4")
    heard: list[Happening] = []
    board.listeners.append(heard.append)
    board.on_upload_problem(Problem.CONFIGURATION, "HTTP 301: set fhir.base_url to https://x/")
    html = page(board)
    assert 'role="alert"' in html
    assert "Uploads held back: configuration error." in html
    assert "set fhir.base_url to https://x/" in html
    assert board.snapshot({}, [])["fhir"]["upload_problem"] == "configuration error"
    board.on_upload_problem(None)
    assert 'role="alert"' not in page(board)
    assert [h.kind for h in heard] == ["fhir", "fhir"]


def test_an_unproven_answer_is_a_banner_but_an_outage_is_not() -> None:
    board = StatusBoard("https://fhir.example.org/r4")
    board.on_upload_problem(Problem.UNPROVEN, "the server answered 2xx but not with FHIR JSON")
    assert "answer does not prove the upload" in page(board)
    board.on_upload_problem(Problem.UNAVAILABLE, "HTTP 503")
    assert 'role="alert"' not in page(board)  # an outage shows on the FHIR tile already


def test_server_text_in_a_problem_is_escaped() -> None:
    board = StatusBoard("https://fhir.example.org/r4")
    board.on_upload_problem(Problem.CONFIGURATION, "<script>alert(1)</script>")
    assert "<script>" not in page(board)
