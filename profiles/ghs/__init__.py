"""Generic Health Sensor Service (GHSS 1.0, service 0x1840): IEEE 11073-10206 (ACOM)
observations over Bluetooth.

- :mod:`profiles.ghs.observations`: the observation classes, as objects;
- :mod:`profiles.ghs.observation_codec`: their bytes (reading and writing one observation);
- :mod:`profiles.ghs.health_observations`: Live (0x2B8B) and Stored (0x2BDD) Health
  Observations, the segments they are sent in, reassembly and splitting;
- :mod:`profiles.ghs.service`: Health Sensor Features, GHS Control Point, Observation Schedule
  (Changed) and Valid Range and Accuracy;
- :mod:`profiles.ghs.racp`: the Record Access Control Point as GHS uses it (record numbers).

The time stamps are the Elapsed Time Service's (:mod:`profiles.elapsed_time`).

UUIDs and names are the SIG's assigned numbers (service 0x1840; characteristics 0x2B8B, 0x2BDD,
0x2BF1, 0x2BF3, 0x2BF4; descriptors 0x2910, 0x2911; ETS 0x183F/0x2BF2), checked against a
public copy of the assigned-numbers list and the UUIDs Philips' and ST's implementations use;
the SIG's own ``bluetooth-SIG/public`` repository could not be fetched here.
"""
