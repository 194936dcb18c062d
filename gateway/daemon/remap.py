"""Mapping held-back readings again, with the Patient bindings of the configuration as it is
now (``phg heldback remap``): a reading kept because its user index (or its device) had no
Patient is put into the outbox once a binding exists, and leaves the held-back store.

Each row is rebuilt from what the store kept: the raw bytes (decoded again), the connection
facts (PhdDevice facts through :func:`gateway.fhir.device_facts.phd_device_info`, the clock the
stamp is read against through :mod:`gateway.daemon.facts`) and the reception time, so the
reading maps as the daemon would have mapped it: same Observation identifiers, so a server
matches a reading it already has. Rows of one connection share one mapper (one coincident
time stamp per connection, a glucose context joins the measurement remapped before it).
Limitation: the feature characteristics a connection read are not kept, so a value whose
decoding depends on them (a weight scale's declared resolution) is decoded with the
characteristic's default, and what a connection delivered only to be joined (a thermometer's
Temperature Type, a heart rate sensor's location) is not applied; ``phg heldback show`` prints
what the bytes decode to.

Exactly once: a row is deleted right after its reading was committed to the outbox, so running
remap again adds nothing. A crash between the two commits leaves the row, and a second run
stores the reading once more; its conditional-create identifier keeps the server from holding
it twice.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from gateway.daemon.facts import ClockEra, device_clock, era_at
from gateway.daemon.heldback import KeptRow, delete, facts_from_json
from gateway.daemon.record_join import decode_kept
from gateway.fhir.connection import ConnectionMapper, HeldBack, Mapped
from gateway.fhir.device_facts import phd_device_info
from gateway.fhir.patient import PatientBinding
from gateway.fhir.phg_device import PhgConfig
from gateway.fhir.timeline import Discarded

REMAPPED_KINDS: tuple[str, ...] = ("held-back",)
"""What remap maps by default: readings that waited for a Patient binding."""

Store = Callable[[str, Mapped], int]
"""Puts one mapped reading for a device into the outbox; returns the item id once committed."""


@dataclass(slots=True)
class RemapReport:
    remapped: list[tuple[int, int]] = field(default_factory=list)
    """(held-back row id, outbox item id) of each reading now in the outbox."""
    still_held: list[tuple[int, str]] = field(default_factory=list)
    """(row id, why) of each row left as it was."""


def remap(
    conn: sqlite3.Connection,
    rows: Iterable[KeptRow],
    store: Store,
    phg: PhgConfig,
    zone: dt.tzinfo,
    bindings: Mapping[str, PatientBinding],
    *,
    dry_run: bool = False,
) -> RemapReport:
    """Map ``rows`` (oldest first) and store what maps; see the module docstring."""
    report = RemapReport()
    mappers: dict[tuple[str, int, ClockEra], ConnectionMapper] = {}
    for row in rows:
        try:
            facts = facts_from_json(row.facts)
            binding = bindings.get(facts.address)
            if binding is None:
                report.still_held.append((row.id, "no [[devices]] entry for this address"))
                continue
            era = era_at(facts.clock, row.received_at, stored=row.stored)
            key = (facts.address, facts.connection_number, era)
            mapper = mappers.get(key)
            if mapper is None:
                mapper = ConnectionMapper(
                    phg=phg,
                    phd=phd_device_info(facts),
                    patients=binding,
                    zone=zone,
                    clock=device_clock(facts.clock, era),
                )
                mappers[key] = mapper
            result = mapper.map(decode_kept(row.uuid16, row.raw), row.received_at)
        except Exception as exc:  # undecodable, unknown characteristic, unidentifiable device
            report.still_held.append((row.id, f"cannot be mapped: {exc}"))
            continue
        if isinstance(result, Mapped):
            if dry_run:
                report.remapped.append((row.id, 0))
                continue
            item = store(facts.address, result)
            delete(conn, row.id)
            report.remapped.append((row.id, item))
        elif isinstance(result, HeldBack | Discarded):
            report.still_held.append((row.id, result.reason))
        else:
            report.still_held.append((row.id, f"not uploaded: {result.reason}"))
    return report
