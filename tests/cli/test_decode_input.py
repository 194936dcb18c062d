"""``phg decode``: bad input gets one short, precise message and a telling exit status."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from gateway import corpus
from gateway.cli import main
from profiles.capture_log import ECHO_LIMIT, shorten

BP_HEX = "1e780050005d00ea070b16081e2d4800022d00"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def batch(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, text: str
) -> tuple[int, list[dict[str, object]], str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    code, out, err = run(capsys, "decode", "-")
    return code, [json.loads(line) for line in out.splitlines()], err


def test_an_odd_number_of_hex_digits_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "decode", "2A35", "1e7")
    assert (code, out) == (2, "")
    assert err == "phg decode: odd length: 3 hex digits in '1e7' (two per byte)\n"


def test_a_batch_of_good_lines_exits_0(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, lines, err = batch(capsys, monkeypatch, f"2A35 {BP_HEX}\n# comment\n2A19 64\n")
    assert (code, len(lines), err) == (0, 2, "")


def test_a_batch_where_every_line_fails_exits_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, lines, err = batch(capsys, monkeypatch, "nope 00\n2A35 zz\n2A35 1e7\n")
    assert code == 1
    assert [line["error"] for line in lines] == [
        "line 1: unknown characteristic 'nope' (see `phg decode --list`)",
        "line 2: not a hex string: 'zz'",
        "line 3: odd length: 3 hex digits in '1e7' (two per byte)",
    ]
    assert err == "phg decode: 3 line(s) could not be decoded\n"


@pytest.mark.parametrize(
    ("line", "start"),
    [
        ("A" * 5_000_000, "line 1: unknown characteristic 'AAAA"),  # one huge word
        ("2A35 " + "zz" * 2_500_000, "line 1: not a hex string: 'zzzz"),
        ("2A35 " + "a" * 4_999_999, "line 1: odd length: 4999999 hex digits in 'aaaa"),
    ],
)
def test_a_huge_bad_line_is_quoted_only_in_part(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, line: str, start: str
) -> None:
    code, lines, _ = batch(capsys, monkeypatch, line + "\n")
    assert code == 1
    (error,) = (str(entry["error"]) for entry in lines)
    assert error.startswith(start)
    assert "\u2026'" in error
    assert len(error) < 2 * ECHO_LIMIT


def test_a_huge_bad_argument_is_quoted_only_in_part(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "decode", "2A35", "g" * 100_000)
    assert code == 2
    assert len(err) < 2 * ECHO_LIMIT


def test_shorten() -> None:
    assert shorten("abc") == "abc"
    assert shorten("x" * ECHO_LIMIT) == "x" * ECHO_LIMIT
    assert shorten("x" * (ECHO_LIMIT + 1)) == "x" * (ECHO_LIMIT - 1) + "\u2026"


def test_a_batch_reads_the_refused_mark_of_the_corpus(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``!`` marks a value a decoder must refuse: the batch decodes the value after it (the
    error is the decoder's, not an unknown characteristic '!2A35')."""
    code, lines, _ = batch(capsys, monkeypatch, f"!2A35 10780050005d0000\n!2A35 {BP_HEX}\n")
    assert code == 1
    assert lines[0] == {
        "error": "line 1: blood-pressure-measurement: byte 7: truncated: measurement status"
        " needs 2 byte(s), 1 left"
    }
    assert lines[1]["type"] == "BloodPressureMeasurement"


def test_a_batch_prints_the_expected_json_of_a_corpus_log(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = Path(corpus.__file__).parent / "blood_pressure"
    monkeypatch.setattr(sys, "stdin", io.StringIO((folder / "captures.log").read_text()))
    code, out, _ = run(capsys, "decode", "-")
    assert code == 1  # the log holds one value that must be refused
    assert out == (folder / "captures.json").read_text()
