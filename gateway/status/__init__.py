"""The daemon's read-only status server and metrics:

- :mod:`.metrics`: counters, gauges and a histogram in the Prometheus text format;
- :mod:`.board`: the live state (devices, recent readings, FHIR server health), updated by the
  daemon (:mod:`gateway.daemon.observed`);
- :mod:`.summary`: a reading's values and units from its Observations;
- :mod:`.source`: the board plus the outbox's counts and quarantined items;
- :mod:`.page`: the HTML status page; :mod:`.http`: a tiny asyncio HTTP server;
- :mod:`.server`: the routes (``/``, ``/api/status``, ``/metrics``, ``/healthz``) and the token.
"""
