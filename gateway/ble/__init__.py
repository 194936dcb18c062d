"""The gateway's Bluetooth LE layer on bleak: discovery (:mod:`.scanner`) and one always-on
session per allowed device (:mod:`.session`).

Small modules, each doing one thing:

- :mod:`.uuids`: the SIG UUIDs the layer uses; :mod:`.allowlist`: which devices may be connected;
- :mod:`.scanner`: scan on one or more adapters, report health devices, pick an adapter per device;
- :mod:`.link`: the tiny GATT client interface the session uses, its bleak implementation, and
  its failures by kind (not found, out of connection slots, authentication, aborted);
- :mod:`.session`: the connection loop: connect, read device facts, subscribe, reconnect after
  a :mod:`gateway.backoff`; its settings and counters in :mod:`.session_config`, what its parts
  share in :mod:`.session_context`, one connection's state in :mod:`.connection`;
- :mod:`.value_worker`: received values decoded in order and handed to the consumer;
  :mod:`.clock_writer`: setting the device clock (Current Time);
- :mod:`.record_transfer`: the stored-records transfer of a connection, through
  :mod:`.racp_fetch`; :mod:`.ledger`: which high-water mark the acknowledged records allow
  (pure); :mod:`.highwater`: where marks are stored;
- :mod:`.profile_table`: what to subscribe to, read and fetch (RACP) per health profile;
- :mod:`.reassembly`: measurements sent in several packets (body composition), per connection;
- :mod:`.quirks`: per-device adjustments keyed by manufacturer/model;
- :mod:`.events`: the typed events the layer emits; :mod:`.agent`: BlueZ pairing agent.
"""
