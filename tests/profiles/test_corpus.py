"""The capture corpus (gateway/corpus/<profile>/*.log), laid out like rtl_433_tests: every value
decodes to the expected JSON beside its log (``!`` marks a value that must be refused), what
decodes re-encodes to a value that decodes the same, and the corpus is package data."""

from __future__ import annotations

import fnmatch
import tomllib
from importlib.resources import files

import pytest

from gateway import corpus
from profiles.capture_log import CaptureLine, read_lines
from profiles.errors import DecodeError
from profiles.registry import lookup
from tests.corpus.make_expected import CORPUS, expected_lines

PYPROJECT = CORPUS.parents[1] / "pyproject.toml"


def corpus_lines() -> list[tuple[str, CaptureLine]]:
    return [
        (name, line)
        for name, log in corpus.log_files(CORPUS)
        for line in read_lines(log.read_text().splitlines())
    ]


def test_corpus_is_not_empty() -> None:
    assert len(corpus_lines()) >= 5


def test_every_profile_folder_has_captures_or_samples_and_a_readme() -> None:
    folders = [p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_")]
    assert len(folders) >= 10
    for folder in folders:
        assert (folder / "README.md").is_file(), folder
        assert list(folder.glob("*.log")), folder


@pytest.mark.parametrize("name", [name for name, _ in corpus.log_files(CORPUS)])
def test_log_decodes_to_its_expected_json(name: str) -> None:
    expected = (CORPUS / corpus.expected_name(name)).read_text().splitlines()
    assert expected_lines((CORPUS / name).read_text()) == expected


@pytest.mark.parametrize(("file", "line"), corpus_lines(), ids=lambda v: str(v))
def test_corpus_line(file: str, line: CaptureLine) -> None:
    characteristic = lookup(line.characteristic)
    data = line.payload()
    if line.refused:
        with pytest.raises(DecodeError):
            characteristic.decode(data)
        return
    value = characteristic.decode(data)
    again = characteristic.decode(characteristic.encode(value))
    assert repr(again) == repr(value)


def test_the_corpus_is_found_as_package_data() -> None:
    """Through importlib.resources, as from an installed wheel, not a path into the repository."""
    root = files("gateway") / "corpus"
    logs = corpus.log_files(root, samples=False)
    names = {name for name, _ in logs}
    assert {"blood_pressure/captures.log", "ghs/captures.log"} <= names
    for name, log in logs:
        assert (root / corpus.expected_name(name)).is_file(), name
        assert list(read_lines(log.read_text().splitlines())), name


def test_every_corpus_file_is_declared_package_data() -> None:
    """Each file of the corpus matches a pattern of pyproject's package-data, so the wheel
    holds it."""
    package_data = tomllib.loads(PYPROJECT.read_text())["tool"]["setuptools"]["package-data"]
    patterns = package_data["gateway.corpus"] + package_data["*"]
    for path in CORPUS.rglob("*"):
        if path.is_file() and path.suffix != ".py" and "__pycache__" not in path.parts:
            relative = path.relative_to(CORPUS).as_posix()
            assert any(fnmatch.fnmatchcase(relative, p) for p in patterns), relative
