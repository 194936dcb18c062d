"""The capture corpus (tests/corpus/*.log): sample payloads per profile, like rtl_433's signal
corpus. Every line decodes (``!`` marks a payload that must be refused), and what decodes
re-encodes to a value that decodes the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from profiles.errors import DecodeError
from profiles.registry import lookup

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def corpus_lines() -> list[tuple[str, int, str]]:
    lines = []
    for path in sorted(CORPUS.glob("*.log")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            text = line.strip()
            if text and not text.startswith("#"):
                lines.append((path.name, number, text))
    return lines


def test_corpus_is_not_empty() -> None:
    assert len(corpus_lines()) >= 5


@pytest.mark.parametrize(("file", "number", "text"), corpus_lines(), ids=lambda v: str(v))
def test_corpus_line(file: str, number: int, text: str) -> None:
    refused = text.startswith("!")
    key, _, hex_text = text.lstrip("!").partition(" ")
    characteristic = lookup(key)
    data = bytes.fromhex(hex_text.replace(" ", ""))
    if refused:
        with pytest.raises(DecodeError):
            characteristic.decode(data)
        return
    value = characteristic.decode(data)
    again = characteristic.decode(characteristic.encode(value))
    assert repr(again) == repr(value)
