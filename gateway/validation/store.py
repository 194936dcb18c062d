"""Loading the packaged conformance resources (StructureDefinitions, ValueSets, CodeSystems).

Files are read lazily, one canonical URL at a time, through ``definitions/index.json``
(URL to file name), and cached for the life of the process.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

CORE_PREFIX = "http://hl7.org/fhir/StructureDefinition/"
_PACKAGE = "gateway.validation.definitions"
_registered: dict[str, dict[str, Any]] = {}


def strip_version(url: str) -> str:
    """``http://x/StructureDefinition/y|4.0.1`` -> ``http://x/StructureDefinition/y``."""
    return url.partition("|")[0]


@functools.cache
def _index() -> dict[str, str]:
    text = resources.files(_PACKAGE).joinpath("index.json").read_text(encoding="utf-8")
    index: dict[str, str] = json.loads(text)
    return index


@functools.cache
def load(url: str) -> dict[str, Any] | None:
    """The conformance resource with canonical ``url`` (version suffix ignored), or None."""
    if strip_version(url) in _registered:
        return _registered[strip_version(url)]
    name = _index().get(strip_version(url))
    if name is None:
        return None
    text = resources.files(_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    resource: dict[str, Any] = json.loads(text)
    return resource


def known(url: str) -> bool:
    return strip_version(url) in _registered or strip_version(url) in _index()


def register(resource: dict[str, Any]) -> None:
    """Add a conformance resource (e.g. a local profile with a snapshot) under its ``url``.
    Register before the first validation that uses that URL (lookups are cached)."""
    _registered[strip_version(resource["url"])] = resource


def type_url(type_code: str) -> str:
    """Canonical URL of the base StructureDefinition of a FHIR type or resource type."""
    return CORE_PREFIX + type_code
