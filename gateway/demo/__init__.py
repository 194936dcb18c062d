"""``phg demo``: the whole chain on one machine with no hardware.

- :mod:`.server_process`: a local FHIR server as a child process (start, ready, stop);
- :mod:`.fhir_server`: a local SEKMET FHIR server process;
- :mod:`.medplum_server`: a local Medplum FHIR engine process (``medplum/server.mjs``);
- :mod:`.servers`: the two by name (``sekmet``, ``medplum``), for ``--fhir-server``;
- :mod:`.stack`: the test bus, the simulated devices and the FHIR server, started and stopped
  (by PID) together, and the gateway configuration binding the devices to demo patients;
- :mod:`.corpus`: the older decode-only demo (``phg demo --decode-only``).
"""
