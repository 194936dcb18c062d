"""``phg run``: the daemon that wires the BLE layer to the outbox and the uploader.

- :mod:`.pipeline`: the BLE event consumer (map per connection, store, then acknowledge);
- :mod:`.facts`: connection facts -> PHD device information and device clock;
- :mod:`.heldback`: readings kept but not uploaded (unbound users, discarded, unmapped);
- :mod:`.ports`: what the pipeline needs from the stores;
- :mod:`.bluetooth`: pairing agent, scanner and sessions from the configuration;
- :mod:`.server`: the FHIR client and its authentication from the configuration;
- :mod:`.service`: start, signals, ordered shutdown; :mod:`.logs`: structlog set-up.
"""
