"""Fixtures shared by every test folder: the real SEKMET FHIR server (``fhir_server``,
``start_fhir_server``) from tests/fhirserver/plugin.py."""

pytest_plugins = ("tests.fhirserver.plugin",)
