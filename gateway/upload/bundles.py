"""Transaction Bundles from outbox items, and server ids from transaction-responses.

- Items are taken in order while the bundle stays within ``max_entries`` entries (a single item
  larger than that is sent alone, or in parts: :func:`parts`).
- A participant (Patient, Device, coincident time stamp) whose server id is cached is left out
  and every reference to its ``urn:uuid`` becomes ``Device/123``; one sent by several items of
  the bundle is sent once (the latest version: a PhdDevice may have gained a specialization).
- After a proven answer, ``response.location`` of each participant entry
  (``[base/]Device/123/_history/1``) gives its id, cached for later bundles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from gateway.outbox.items import OutboxItem


@dataclass(frozen=True, slots=True)
class PreparedEntry:
    full_url: str
    text: str
    """The entry's JSON text, known references rewritten."""
    cache_key: str | None
    """The id-cache key of a participant entry, else None."""


@dataclass(frozen=True, slots=True)
class PreparedBundle:
    entries: tuple[PreparedEntry, ...]
    rewritten: frozenset[str]
    """The cache keys of the known server ids it refers to instead of sending them."""

    @property
    def body(self) -> str:
        return bundle_text(self.entries)


def bundle_text(entries: Sequence[PreparedEntry]) -> str:
    """The transaction Bundle as JSON text, built from the entry texts without parsing them."""
    return (
        '{"resourceType":"Bundle","type":"transaction","entry":['
        + ",".join(e.text for e in entries)
        + "]}"
    )


def _needed(cache_key: str | None, known: Mapping[str, str]) -> bool:
    return cache_key is None or cache_key not in known


def take_items(
    items: Sequence[OutboxItem], known: Mapping[str, str], max_entries: int
) -> list[OutboxItem]:
    """The leading items whose bundle has at most ``max_entries`` entries (at least one)."""
    seen: set[str] = set()
    taken: list[OutboxItem] = []
    for item in items:
        new = {url for url, key in item.keys if _needed(key, known)} - seen
        if taken and len(seen) + len(new) > max_entries:
            break
        seen |= new
        taken.append(item)
    return taken


def prepare(items: Sequence[OutboxItem], known: Mapping[str, str]) -> PreparedBundle:
    rewrite: dict[str, str] = {}
    used: set[str] = set()
    chosen: dict[str, tuple[str, str | None]] = {}
    for item in items:
        for text, (full_url, key) in zip(item.texts, item.keys, strict=True):
            if _needed(key, known):
                chosen[full_url] = (text, key)
            else:
                assert key is not None
                rewrite[full_url] = known[key]
                used.add(key)
    entries = tuple(
        PreparedEntry(url, rewrite_references(text, rewrite), key)
        for url, (text, key) in chosen.items()
    )
    return PreparedBundle(entries, frozenset(used))


def rewrite_references(text: str, references: Mapping[str, str]) -> str:
    """Replace each JSON string that is exactly a known ``urn:uuid`` by its server reference.
    A ``urn:uuid`` is a name-based UUID: as a whole quoted JSON string it occurs only where a
    reference (or the full URL of an entry that is not sent) names it."""
    for urn, reference in references.items():
        text = text.replace(f'"{urn}"', f'"{reference}"')
    return text


def reference_from_location(location: str) -> str | None:
    """``Type/id`` from a Location (absolute or relative, with or without ``_history``)."""
    path = urlsplit(location).path if "://" in location else location
    parts = [p for p in path.split("/") if p]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) < 2 or not parts[-2][:1].isupper():
        return None
    return f"{parts[-2]}/{parts[-1]}"


def learned_ids(
    entries: Sequence[PreparedEntry], locations: Sequence[str | None]
) -> dict[str, str]:
    """Server ids of the participant entries of a proven answer (an entry without a usable
    location is skipped: its id is then learnt from a later answer)."""
    found: dict[str, str] = {}
    for entry, location in zip(entries, locations, strict=True):
        if entry.cache_key is None or location is None:
            continue
        reference = reference_from_location(location)
        if reference is not None:
            found[entry.cache_key] = reference
    return found


# --- one item in several transactions ---------------------------------------------------------
def dependency_order(entries: Sequence[PreparedEntry]) -> list[PreparedEntry]:
    """The entries in an order where each comes after the entries it refers to (by their
    ``urn:uuid``), otherwise keeping their order. A cycle (none is ever built) keeps the rest
    in their order."""
    quoted = {e.full_url: f'"{e.full_url}"' for e in entries}
    needs = {
        e.full_url: {u for u, q in quoted.items() if u != e.full_url and q in e.text}
        for e in entries
    }
    ordered: list[PreparedEntry] = []
    placed: set[str] = set()
    remaining = list(entries)
    while remaining:
        ready = next((e for e in remaining if needs[e.full_url] <= placed), remaining[0])
        remaining.remove(ready)
        ordered.append(ready)
        placed.add(ready.full_url)
    return ordered


def parts(entries: Sequence[PreparedEntry], size: int) -> list[list[PreparedEntry]]:
    """The entries in dependency order, cut into transactions of at most ``size`` entries."""
    ordered = dependency_order(entries)
    return [ordered[i : i + size] for i in range(0, len(ordered), max(1, size))]
