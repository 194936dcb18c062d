"""Transaction Bundles from outbox items, and server ids from transaction-responses.

- Items are taken in order while the bundle stays within ``max_entries`` entries (a single item
  larger than that is sent alone).
- A participant (Patient, Device, coincident time stamp) whose server id is cached is left out
  and every reference to its ``urn:uuid`` becomes ``Device/123``; one sent by several items of
  the bundle is sent once (the latest version: a PhdDevice may have gained a specialization).
- After a 2xx, ``response.location`` of each participant entry (``[base/]Device/123/_history/1``)
  gives its id, cached for later bundles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from gateway.outbox.items import OutboxItem


@dataclass(frozen=True, slots=True)
class PreparedBundle:
    items: tuple[OutboxItem, ...]
    body: str
    """The transaction Bundle as JSON text, references rewritten."""
    cache_keys: tuple[str | None, ...]
    """Per bundle entry: the id-cache key of a participant entry, else None."""


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
    """The bundle text, built from the stored entry texts without parsing them."""
    rewrite: dict[str, str] = {}
    chosen: dict[str, tuple[str, str | None]] = {}
    for item in items:
        for text, (full_url, key) in zip(item.texts, item.keys, strict=True):
            if _needed(key, known):
                chosen[full_url] = (text, key)
            else:
                assert key is not None
                rewrite[full_url] = known[key]
    body = (
        '{"resourceType":"Bundle","type":"transaction","entry":['
        + ",".join(text for text, _ in chosen.values())
        + "]}"
    )
    keys = tuple(key for _, key in chosen.values())
    return PreparedBundle(tuple(items), _rewrite(body, rewrite), keys)


def _rewrite(body: str, references: Mapping[str, str]) -> str:
    """Replace each JSON string that is exactly a known ``urn:uuid`` by its server reference.
    A ``urn:uuid`` is a name-based UUID: as a whole quoted JSON string it occurs only where a
    reference (or the full URL of an entry that is not sent) names it."""
    for urn, reference in references.items():
        body = body.replace(f'"{urn}"', f'"{reference}"')
    return body


def reference_from_location(location: str) -> str | None:
    """``Type/id`` from a Location (absolute or relative, with or without ``_history``)."""
    path = urlsplit(location).path if "://" in location else location
    parts = [p for p in path.split("/") if p]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) < 2 or not parts[-2][:1].isupper():
        return None
    return f"{parts[-2]}/{parts[-1]}"


def learned_ids(response: Any, prepared: PreparedBundle) -> dict[str, str]:
    """Server ids of the participant entries from a transaction-response (missing or
    malformed parts are skipped: the ids are then learnt from a later response)."""
    if not isinstance(response, dict) or response.get("resourceType") != "Bundle":
        return {}
    entries = response.get("entry")
    if not isinstance(entries, list) or len(entries) != len(prepared.cache_keys):
        return {}
    found: dict[str, str] = {}
    for key, entry in zip(prepared.cache_keys, entries, strict=True):
        if key is None or not isinstance(entry, dict):
            continue
        reply = entry.get("response")
        reference = None
        if isinstance(reply, dict) and isinstance(reply.get("location"), str):
            reference = reference_from_location(reply["location"])
        resource = entry.get("resource")
        if reference is None and isinstance(resource, dict) and resource.get("id"):
            reference = f"{resource.get('resourceType')}/{resource['id']}"
        if reference is not None:
            found[key] = reference
    return found
