"""The one reader of the capture line format (profiles.capture_log)."""

from __future__ import annotations

import pytest

from profiles.capture_log import CaptureLine, parse_hex, read_lines

LOG = """# header of the file

# first value
# (the comment just above counts)
2A35 00 7800
  !2AA7 07:00-64  \n\
2A19 57
"""


def test_read_lines_gives_numbers_comments_and_refusals() -> None:
    assert list(read_lines(LOG.splitlines())) == [
        CaptureLine(5, "2A35", "00 7800", refused=False, comment="(the comment just above counts)"),
        CaptureLine(6, "2AA7", "07:00-64", refused=True, comment=""),
        CaptureLine(7, "2A19", "57", refused=False, comment=""),
    ]


def test_payload_accepts_separators() -> None:
    assert [line.payload() for line in read_lines(LOG.splitlines())] == [
        bytes.fromhex("007800"),
        bytes.fromhex("070064"),
        bytes.fromhex("57"),
    ]


@pytest.mark.parametrize("text", ["zz", "123", "0x1"])
def test_parse_hex_refuses_what_is_not_bytes(text: str) -> None:
    with pytest.raises(ValueError, match="hex"):
        parse_hex(text)
