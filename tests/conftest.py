"""Fixtures shared by every test folder: the real SEKMET FHIR server (``fhir_server``,
``start_fhir_server``) from tests/fhirserver/plugin.py."""

import os

pytest_plugins = ("tests.fhirserver.plugin",)

# The real-BlueZ suite needs bluetoothd and virtual controllers: it runs inside the VM of
# scripts/real-bluez.sh (which sets PHG_REAL_BLUEZ=1), and is not collected elsewhere.
collect_ignore = [] if os.environ.get("PHG_REAL_BLUEZ") == "1" else ["realbluez"]
