"""Offline ValueSet membership for the ValueSets the packaged definitions can expand.

Answers are three-valued: True (in the ValueSet), False (not in it), None (cannot tell
offline, e.g. LOINC, SNOMED CT or UCUM). ISO/IEEE 11073 MDC codes are checked as numbers:
whole-system includes accept any decimal code, and "partition" filters are computed from the
code (partition = code // 65536), since no MDC CodeSystem is available.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from gateway.validation import store

MDC_SYSTEM = "urn:iso:std:iso:11073:10101"
Answer = bool | None
_CodeTest = Callable[[str], Answer]


def _decided(answers: Iterable[Answer], decisive: bool) -> Answer:
    """Three-valued ``all`` (``decisive`` False) or ``any`` (True): ``decisive`` as soon as one
    answer is, else None if any answer is unknown, else ``not decisive``."""
    result: Answer = not decisive
    for answer in answers:
        if answer is decisive:
            return decisive
        if answer is None:
            result = None
    return result


def _all(answers: Iterable[Answer]) -> Answer:
    return _decided(answers, False)


def _any(answers: Iterable[Answer]) -> Answer:
    return _decided(answers, True)


@dataclass(frozen=True, slots=True)
class CodeSystemIndex:
    complete: bool
    properties: dict[str, dict[str, set[str]]]
    parents: dict[str, set[str]]

    def has(self, code: str) -> Answer:
        if code in self.properties:
            return True
        return False if self.complete else None

    def is_a(self, code: str, ancestor: str, *, strict: bool = False) -> bool:
        if code == ancestor:
            return not strict
        seen: set[str] = set()
        todo = list(self.parents.get(code, ()))
        while todo:
            parent = todo.pop()
            if parent == ancestor:
                return True
            if parent not in seen:
                seen.add(parent)
                todo.extend(self.parents.get(parent, ()))
        return False


def _property_value(prop: dict[str, Any]) -> str:
    for key, value in prop.items():
        if key.startswith("value"):
            return str(value.get("code") if isinstance(value, dict) else value)
    return ""


@functools.cache
def code_system(url: str) -> CodeSystemIndex | None:
    resource = store.load(url)
    if resource is None or resource.get("resourceType") != "CodeSystem":
        return None
    properties: dict[str, dict[str, set[str]]] = {}
    parents: dict[str, set[str]] = {}

    def walk(concepts: list[dict[str, Any]], parent: str | None) -> None:
        for concept in concepts:
            code = concept["code"]
            props = properties.setdefault(code, {})
            for prop in concept.get("property", ()):
                value = _property_value(prop)
                props.setdefault(prop["code"], set()).add(value)
                if prop["code"] in ("parent", "subsumedBy"):
                    parents.setdefault(code, set()).add(value)
            if parent is not None:
                parents.setdefault(code, set()).add(parent)
            walk(concept.get("concept", []), code)

    walk(resource.get("concept", []), None)
    return CodeSystemIndex(resource.get("content") == "complete", properties, parents)


def _mdc_partition(values: set[int]) -> _CodeTest:
    def test(code: str) -> Answer:
        return code.isdigit() and int(code) // 65536 in values

    return test


def _filter(system: str | None, raw: dict[str, Any]) -> _CodeTest:
    prop, op, value = raw.get("property", ""), raw.get("op", ""), str(raw.get("value", ""))
    if system == MDC_SYSTEM and prop == "partition" and op in ("=", "in"):
        return _mdc_partition({int(v) for v in value.split(",") if v.strip().isdigit()})
    index = code_system(system) if system else None
    if index is None:
        return lambda _code: None
    if prop == "concept" and op in ("is-a", "descendent-of"):
        strict = op == "descendent-of"
        return lambda code: index.has(code) and index.is_a(code, value, strict=strict)
    if op in ("=", "in"):
        wanted = set(value.split(",")) if op == "in" else {value}

        def test(code: str) -> Answer:
            props = index.properties.get(code)
            if props is None:
                return index.has(code)
            return bool(props.get(prop, set()) & wanted)

        return test
    return lambda _code: None


@dataclass(frozen=True, slots=True)
class _Include:
    system: str | None
    codes: frozenset[str] | None
    filters: tuple[_CodeTest, ...]
    value_sets: tuple[str, ...]

    def contains(self, system: str | None, code: str) -> Answer:
        if self.system is not None and system is not None and system != self.system:
            return False
        answers: list[Answer] = []
        if self.codes is not None:
            answers.append(code in self.codes)
        elif self.filters:
            answers.extend(test(code) for test in self.filters)
        elif self.system is not None:
            answers.append(_whole_system(self.system, code))
        answers.extend(member(url, system, code) for url in self.value_sets)
        return _all(answers)


def _whole_system(system: str, code: str) -> Answer:
    if system == MDC_SYSTEM:
        return code.isdigit()
    index = code_system(system)
    return None if index is None else index.has(code)


def _include(raw: dict[str, Any]) -> _Include:
    system = raw.get("system")
    concepts = raw.get("concept")
    return _Include(
        system=system,
        codes=frozenset(c["code"] for c in concepts) if concepts else None,
        filters=tuple(_filter(system, f) for f in raw.get("filter", ())),
        value_sets=tuple(store.strip_version(url) for url in raw.get("valueSet", ())),
    )


@dataclass(frozen=True, slots=True)
class _CompiledValueSet:
    includes: tuple[_Include, ...]
    excludes: tuple[_Include, ...]

    def contains(self, system: str | None, code: str) -> Answer:
        answer = _any(include.contains(system, code) for include in self.includes)
        if answer is True and any(e.contains(system, code) is True for e in self.excludes):
            return False
        return answer


@functools.cache
def _compiled(url: str) -> _CompiledValueSet | None:
    resource = store.load(url)
    if resource is None or resource.get("resourceType") != "ValueSet":
        return None
    compose = resource.get("compose") or {}
    return _CompiledValueSet(
        includes=tuple(_include(raw) for raw in compose.get("include", ())),
        excludes=tuple(_include(raw) for raw in compose.get("exclude", ())),
    )


def member(value_set: str, system: str | None, code: str) -> Answer:
    """Is ``system|code`` in ``value_set``? ``system`` None matches any system (for ``code``)."""
    compiled = _compiled(store.strip_version(value_set))
    if compiled is None:
        return None
    return compiled.contains(system, code)


def expandable(value_set: str) -> bool:
    return _compiled(store.strip_version(value_set)) is not None


def coding_member(value_set: str, coding: Any) -> Answer:
    if not isinstance(coding, dict) or not isinstance(coding.get("code"), str):
        return None
    system = coding.get("system")
    return member(value_set, system if isinstance(system, str) else "", coding["code"])


def concept_member(value_set: str, concept: Any) -> Answer:
    """A CodeableConcept is in the ValueSet when any of its codings is."""
    codings = concept.get("coding") if isinstance(concept, dict) else None
    if not isinstance(codings, list) or not codings:
        return None
    return _any(coding_member(value_set, coding) for coding in codings)
