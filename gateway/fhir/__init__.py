"""PHD IG 2.0.0 mapping: typed Bluetooth measurements → FHIR R4 resources as plain JSON-ready
dicts (Decimals kept exact for :mod:`gateway.exact_json`).

Modules: :mod:`~gateway.fhir.codes` (code systems, MDC/LOINC/UCUM codes, profile URLs),
:mod:`~gateway.fhir.elements` (small data types), :mod:`~gateway.fhir.identifiers` (EUI-64/48
text forms, System ID byte order), :mod:`~gateway.fhir.device_info` (PHD facts),
:mod:`~gateway.fhir.phd_device` / :mod:`~gateway.fhir.phg_device` (Device resources),
:mod:`~gateway.fhir.patient` (Patient and user-index binding), :mod:`~gateway.fhir.timeline`
(the IG's time table), :mod:`~gateway.fhir.coincident` (coincident time stamp),
:mod:`~gateway.fhir.observation` (the common Observation frame and identifier),
:mod:`~gateway.fhir.values` / :mod:`~gateway.fhir.bits` / :mod:`~gateway.fhir.status` (values,
BITS, measurement status), :mod:`~gateway.fhir.registry` + :mod:`gateway.fhir.mappers` (one
module per profile), :mod:`~gateway.fhir.entries` / :mod:`~gateway.fhir.bundle` (transaction
Bundle), :mod:`~gateway.fhir.connection` (per-connection mapping).
"""
