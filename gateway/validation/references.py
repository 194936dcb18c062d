"""Reference target types: the referenced resource type must be one the profile allows."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, Final

from gateway.validation import store, structure

_LITERAL: Final = re.compile(
    r"(?:^|/)([A-Z][A-Za-z]+)/[A-Za-z0-9\-.]{1,64}(?:/_history/[A-Za-z0-9\-.]{1,64})?$"
)


@functools.cache
def allowed_types(target_profiles: tuple[str, ...]) -> frozenset[str] | None:
    """Resource types the target profiles stand for; None means any type."""
    types: set[str] = set()
    for url in target_profiles:
        tree = structure.tree(url)
        if tree is None:
            base = store.strip_version(url)
            if not base.startswith(store.CORE_PREFIX):
                return None  # an unknown profile: its type cannot be told
            types.add(base.removeprefix(store.CORE_PREFIX))  # a core resource not packaged
            continue
        if tree.type == "Resource":
            return None
        types.add(tree.type)
    return frozenset(types) or None


def target_type(reference: str, local: Mapping[str, str]) -> str | None:
    """Type of the referenced resource: from ``local`` (Bundle fullUrls, ``#id`` of contained
    resources) or the literal ``Type/id`` form; None when unknown (e.g. urn:uuid not found)."""
    if reference in local:
        return local[reference]
    match = _LITERAL.search(reference)
    return match.group(1) if match else None


def problem(target_profiles: tuple[str, ...], value: Any, local: Mapping[str, str]) -> str | None:
    """Why the Reference ``value`` points at a type the profile forbids, or None."""
    allowed = allowed_types(target_profiles)
    if allowed is None or not isinstance(value, dict):
        return None
    found: set[str] = set()
    if isinstance(value.get("type"), str):
        found.add(value["type"].rsplit("/", 1)[-1])
    if isinstance(value.get("reference"), str):
        resolved = target_type(value["reference"], local)
        if resolved is not None:
            found.add(resolved)
    bad = sorted(found - allowed)
    if not bad:
        return None
    return f"reference to {', '.join(bad)} is not allowed (allowed: {', '.join(sorted(allowed))})"
