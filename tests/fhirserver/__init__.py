"""A real FHIR R4 test server (SEKMET) for integration tests and benchmarks."""
