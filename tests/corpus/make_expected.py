"""Write the expected decode of every corpus log: gateway/corpus/<profile>/<name>.json beside
<name>.log, one line per value as ``phg decode -`` prints it
(:func:`gateway.measurement_json.decode_line`). Review the diff before committing: the test
tests/profiles/test_corpus.py holds the decoders to these files.

Run from the repository root: .venv/bin/python -m tests.corpus.make_expected
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Final

from gateway import corpus, exact_json
from gateway.measurement_json import decode_line
from profiles.capture_log import read_lines
from profiles.registry_types import AnyCharacteristic

CORPUS: Final = Path(corpus.__file__).resolve().parent


def profile_folder(characteristic: AnyCharacteristic) -> str:
    """The corpus folder of a characteristic: its profile module (``profiles.ghs.service`` ->
    ``ghs``)."""
    return characteristic.decode.__module__.split(".")[1]


def expected_lines(log_text: str) -> list[str]:
    """The expected ``*.json`` lines of a log."""
    return [exact_json.dumps(decode_line(line)) for line in read_lines(log_text.splitlines())]


def main() -> int:
    for name, log in corpus.log_files(CORPUS):
        path = CORPUS / corpus.expected_name(name)
        lines = expected_lines(log.read_text())
        path.write_text("".join(line + "\n" for line in lines))
        print(f"wrote {path} ({len(lines)} values)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
