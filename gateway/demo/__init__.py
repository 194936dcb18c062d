"""``phg demo``: the whole chain on one machine with no hardware.

- :mod:`.fhir_server`: a local SEKMET FHIR server process;
- :mod:`.stack`: the test bus, the simulated devices and the FHIR server, started and stopped
  (by PID) together, and the gateway configuration binding the devices to demo patients;
- :mod:`.corpus`: the older decode-only demo (``phg demo --decode-only``).
"""
