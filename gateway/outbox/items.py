"""What the outbox keeps per reading: its transaction Bundle entries, in order, and for each
Patient/Device/coincident-stamp entry the key under which its server id is cached.

A reading is stored whole (its participants, then its Observations): it is the unit that is
sent, retried, quarantined and acknowledged. The participant entries are stored with every
reading; when the bundle is built, those whose server id is already known are left out and
references to their ``urn:uuid`` are rewritten to ``Device/123`` (see
:mod:`gateway.upload.bundles`).

Cache keys are the participant entries' own (the keys of :data:`gateway.fhir.entries.KnownIds`,
so the mapping can reference them directly); items stored by older versions keep theirs.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from gateway import exact_json
from gateway.fhir.connection import Mapped
from gateway.fhir.elements import JsonDict
from gateway.fhir.entries import BundleEntry


class ItemState(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """One transaction Bundle entry; ``cache_key`` is set for participants (Patient, Device,
    coincident time stamp), whose server ids are cached and reused."""

    full_url: str
    resource: JsonDict
    if_none_exist: str | None = None
    cache_key: str | None = None
    method: str = "POST"
    url: str | None = None

    def bundle_entry(self) -> JsonDict:
        """The transaction Bundle entry, as :meth:`BundleEntry.to_json` writes it."""
        entry = BundleEntry(self.full_url, self.resource, self.if_none_exist, self.method, self.url)
        return entry.to_json()

    def to_json(self) -> JsonDict:
        data = self.bundle_entry()
        if self.cache_key is not None:
            data["cacheKey"] = self.cache_key
        return data

    @classmethod
    def of(cls, entry: BundleEntry, cache_key: str | None = None) -> StoredEntry:
        return cls(
            entry.full_url,
            entry.resource,
            entry.if_none_exist,
            cache_key,
            entry.method,
            entry.url,
        )


EntryKey = tuple[str, str | None]
"""(full URL, cache key or None) of a stored entry."""


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One stored reading. Its entries are kept as the exact JSON text of their transaction
    Bundle entries (``texts``), so uploading never parses and re-encodes them;
    :attr:`entries` parses them for display and tests."""

    id: int
    device: str
    state: ItemState
    created_at: dt.datetime
    texts: tuple[str, ...]
    keys: tuple[EntryKey, ...]
    attempts: int = 0
    last_error: str | None = None
    outcome: JsonDict | None = None

    @property
    def entries(self) -> tuple[StoredEntry, ...]:
        out = []
        for text, (_, cache_key) in zip(self.texts, self.keys, strict=True):
            data = json.loads(text, parse_float=Decimal)
            request = data["request"]
            resource_type = data["resource"]["resourceType"]
            url = request.get("url")
            out.append(
                StoredEntry(
                    data["fullUrl"],
                    data["resource"],
                    request.get("ifNoneExist"),
                    cache_key,
                    request.get("method", "POST"),
                    None if url == resource_type else url,
                )
            )
        return tuple(out)


def participant_cache_key(entry: BundleEntry) -> str:
    """The participant's cache key (its full URL if it has none)."""
    return entry.cache_key if entry.cache_key is not None else entry.full_url


def entries_of(reading: Mapped) -> tuple[StoredEntry, ...]:
    """The stored entries of one mapped reading: participants first (in bundle order: Patient,
    Devices, coincident stamp), then its Observations."""
    rank = {"Patient": 0, "Device": 1, "Observation": 2}
    participants = sorted(
        (p.entry for p in reading.participants if p.entry is not None),
        key=lambda e: rank.get(str(e.resource["resourceType"]), 3),
    )
    stored = [StoredEntry.of(e, participant_cache_key(e)) for e in participants]
    stored += [StoredEntry.of(e) for e in reading.entries]
    return tuple(stored)


ENTRY_SEPARATOR: Final = "\n"
"""Compact JSON never contains a raw newline (newlines in strings are escaped), so the entry
texts of an item are stored joined by one."""


def encode_entries(entries: tuple[StoredEntry, ...]) -> tuple[str, str]:
    """(entry texts joined by newlines, JSON of the entry keys). Exact JSON: Decimals keep
    their digits."""
    texts = ENTRY_SEPARATOR.join(exact_json.dumps(e.bundle_entry()) for e in entries)
    keys = json.dumps([[e.full_url, e.cache_key] for e in entries], separators=(",", ":"))
    return texts, keys


def decode_texts(texts: str, keys: str) -> tuple[tuple[str, ...], tuple[EntryKey, ...]]:
    pairs: list[list[Any]] = json.loads(keys)
    return tuple(texts.split(ENTRY_SEPARATOR)), tuple((str(u), k) for u, k in pairs)


def decode_json(text: str | None) -> Any:
    return None if text is None else json.loads(text, parse_float=Decimal)
