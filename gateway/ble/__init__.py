"""The gateway's Bluetooth LE layer on bleak: discovery (:mod:`.scanner`) and one always-on
session per allowed device (:mod:`.session`).

Small modules, each doing one thing:

- :mod:`.uuids`: the SIG UUIDs the layer uses; :mod:`.allowlist`: which devices may be connected;
- :mod:`.scanner`: scan on one or more adapters, report health devices, pick an adapter per device;
- :mod:`.link`: the tiny GATT client interface the session uses, and its bleak implementation;
- :mod:`.session`: connect, read device facts, sync the clock, subscribe, fetch stored records,
  reconnect with :mod:`.backoff`; :mod:`.racp_fetch` and :mod:`.highwater` for stored records;
- :mod:`.profile_table`: what to subscribe to, read and fetch (RACP) per health profile;
- :mod:`.reassembly`: measurements sent in several packets (body composition), per connection;
- :mod:`.quirks`: per-device adjustments keyed by manufacturer/model;
- :mod:`.events`: the typed events the layer emits; :mod:`.agent`: BlueZ pairing agent.
"""
