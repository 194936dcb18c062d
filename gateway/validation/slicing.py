"""Assigning the items of a sliced element to its slices, by the slicing's discriminators."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gateway.validation import patterns, structure, terminology
from gateway.validation.structure import Discriminator, ElementDef


@dataclass(slots=True)
class Item:
    """One value of an element: the JSON value, the ``_name`` object of a primitive, its type
    and its path (``Observation.component[0]``)."""

    value: Any
    extra: Any
    type: str
    path: str


Conforms = Callable[[Item, str], bool]
_Matcher = Callable[[Item, Conforms], bool]
_MATCHERS: dict[int, tuple[ElementDef, tuple[_Matcher, ...]]] = {}


def _always(_item: Item, _conforms: Conforms) -> bool:
    return True


def _type_children(node: ElementDef) -> dict[str, ElementDef]:
    if not node.types:
        target = node.reference_target
        return target.children if target is not None else {}
    ref = node.types[0]
    tree = structure.tree(ref.profiles[0]) if ref.profiles else None
    if tree is None:
        tree = structure.type_tree(ref.code)
    return tree.root.children if tree is not None else {}


def _resolve(node: ElementDef, segments: list[str]) -> tuple[ElementDef, list[str]] | None:
    """The element at ``segments`` below ``node``, or the first one on the way that carries
    fixed[x]/pattern[x] (with the segments left to follow inside that value)."""
    for index, segment in enumerate(segments):
        if node.fixed is not None or node.pattern is not None:
            return node, segments[index:]
        child = (node.children or _type_children(node)).get(segment)
        if child is None:
            return None
        node = child
    return node, []


def _in_value_set(value_set: str, value: Any) -> bool:
    if isinstance(value, str):
        return terminology.member(value_set, None, value) is True
    if isinstance(value, dict) and "coding" in value:
        return terminology.concept_member(value_set, value) is True
    return terminology.coding_member(value_set, value) is True


def _value_matcher(target: ElementDef, rest: list[str], segments: list[str]) -> _Matcher:
    constraint = target.fixed or target.pattern
    if constraint is not None:
        expected = constraint[1]
        if rest:
            wanted = list(patterns.values_at(expected, rest))
            if not wanted:
                return _always

            def sub_match(item: Item, _c: Conforms) -> bool:
                found = list(patterns.values_at(item.value, segments))
                return all(any(patterns.equals(v, w) for v in found) for w in wanted)

            return sub_match
        compare = patterns.equals if target.fixed is not None else patterns.contains

        def match(item: Item, _c: Conforms) -> bool:
            return any(compare(v, expected) for v in patterns.values_at(item.value, segments))

        return match
    value_set = target.binding_value_set
    if target.binding_strength == "required" and value_set is not None:

        def bound(item: Item, _c: Conforms) -> bool:
            values = patterns.values_at(item.value, segments)
            return any(_in_value_set(value_set, v) for v in values)

        return bound
    return _always


def _matcher(slice_node: ElementDef, discriminator: Discriminator) -> _Matcher:
    path = discriminator.path
    segments = [] if path == "$this" else path.removeprefix("$this.").split(".")
    resolved = _resolve(slice_node, segments)
    if resolved is None:
        return _always
    target, rest = resolved
    kind = discriminator.type
    if kind in ("value", "pattern"):
        return _value_matcher(target, rest, segments)
    if kind == "exists":
        must_exist = target.min > 0

        def exists(item: Item, _c: Conforms) -> bool:
            present = any(True for _ in patterns.values_at(item.value, segments))
            return present == must_exist

        return exists
    if kind == "type" and not segments:
        codes = set(target.type_codes())
        return lambda item, _c: item.type in codes
    if kind == "profile" and target.types and target.types[0].profiles:
        profile = target.types[0].profiles[0]
        return lambda item, conforms: conforms(item, profile)
    return _always


def _matchers(slice_node: ElementDef, owner: ElementDef) -> tuple[_Matcher, ...]:
    cached = _MATCHERS.get(id(slice_node))
    if cached is not None:
        return cached[1]
    slicing = owner.slicing
    discriminators = slicing.discriminators if slicing else ()
    matchers = tuple(_matcher(slice_node, d) for d in discriminators)
    _MATCHERS[id(slice_node)] = (slice_node, matchers)
    return matchers


def assign(
    owner: ElementDef, items: list[Item], conforms: Conforms
) -> tuple[list[list[Item]], list[Item]]:
    """Items per slice of ``owner`` (in ``owner.slices`` order), and the unmatched items.
    An item goes to the first slice whose discriminators all match."""
    groups: list[list[Item]] = [[] for _ in owner.slices]
    unmatched: list[Item] = []
    for item in items:
        for index, slice_node in enumerate(owner.slices):
            if all(m(item, conforms) for m in _matchers(slice_node, owner)):
                groups[index].append(item)
                break
        else:
            unmatched.append(item)
    return groups, unmatched
