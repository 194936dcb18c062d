"""The capture corpus: characteristic values with their expected decodes, one folder per
profile, laid out like rtl_433_tests (a folder per device: captures, expected JSON, a README
naming where they came from).

In ``<profile>/``: ``captures.log`` holds values from specifications, public projects' tests
and real devices, commented; ``samples.log`` values drawn from PHG's own strategies and
encoders (``tests/corpus/make_samples.py``); each ``*.log`` has an expected ``*.json`` beside
it, one line per value as ``phg decode -`` prints it
(:func:`gateway.measurement_json.decode_line`, written by ``tests/corpus/make_expected.py``);
``README.md`` names the sources. The lines follow :mod:`profiles.capture_log`.

The corpus is package data, so ``phg demo --decode-only`` finds it in an installed wheel.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Final

LOG_SUFFIX: Final = ".log"
EXPECTED_SUFFIX: Final = ".json"
SAMPLES_PREFIX: Final = "samples"


def root() -> Traversable:
    """The corpus shipped with the package."""
    return files(__name__)


def log_files(corpus: Traversable, *, samples: bool = True) -> list[tuple[str, Traversable]]:
    """The capture logs in ``corpus`` and its folders, as (path relative to ``corpus``, file),
    sorted by path; without the generated ``samples*`` logs unless ``samples``."""
    found: list[tuple[str, Traversable]] = []

    def wanted(item: Traversable) -> bool:
        return (
            item.is_file()
            and item.name.endswith(LOG_SUFFIX)
            and (samples or not item.name.startswith(SAMPLES_PREFIX))
        )

    for item in corpus.iterdir():
        if wanted(item):
            found.append((item.name, item))
        elif item.is_dir():
            found.extend((f"{item.name}/{log.name}", log) for log in item.iterdir() if wanted(log))
    return sorted(found, key=lambda pair: pair[0])


def expected_name(log_name: str) -> str:
    """The expected-decode file beside a log (``captures.log`` -> ``captures.json``)."""
    return log_name.removesuffix(LOG_SUFFIX) + EXPECTED_SUFFIX
