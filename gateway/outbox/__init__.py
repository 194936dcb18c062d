"""The durable outbox: mapped readings wait here, on disk, until the FHIR server has them.

- :mod:`~gateway.outbox.schema`: the SQLite file, its durability settings and schema;
- :mod:`~gateway.outbox.items`: what is stored per reading (bundle entries, id-cache keys);
- :mod:`~gateway.outbox.store`: the synchronous store (insert, batches, states, size limit);
- :mod:`~gateway.outbox.outbox`: the asyncio face: ``await put(...)`` returns after commit.
"""

from gateway.outbox.errors import (
    NotAnOutboxError,
    OutboxError,
    OutboxFullError,
    OutboxUnavailableError,
)
from gateway.outbox.items import ItemState, OutboxItem, StoredEntry, entries_of
from gateway.outbox.outbox import Outbox
from gateway.outbox.store import OutboxStore

__all__ = [
    "ItemState",
    "NotAnOutboxError",
    "Outbox",
    "OutboxError",
    "OutboxFullError",
    "OutboxItem",
    "OutboxStore",
    "OutboxUnavailableError",
    "StoredEntry",
    "entries_of",
]
