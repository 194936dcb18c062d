"""The transaction Bundle (PHD IG "Uploading"): ``urn:uuid`` full URLs, ``POST`` with
``ifNoneExist`` for Patients and Observations, conditional ``PUT`` for Devices (see
:mod:`gateway.fhir.entries`).

Entries are written in the IG example's order (Patient, PhgDevice, PhdDevice, coincident time
stamp, measurements) by the caller; an entry whose full URL was already written is written once,
with its latest resource (a PhdDevice that gained a specialization during the connection).
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.fhir.elements import JsonDict
from gateway.fhir.entries import BundleEntry


def transaction_bundle(entries: Iterable[BundleEntry]) -> JsonDict:
    unique: dict[str, BundleEntry] = {}
    for entry in entries:
        unique[entry.full_url] = entry
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [entry.to_json() for entry in unique.values()],
    }
