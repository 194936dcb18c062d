"""One module per Bluetooth profile mapping, each exporting ``MAPPERS`` (see
:mod:`gateway.fhir.registry`)."""
