"""PHG simulators: BLE health-device peripherals that register through the BlueZ D-Bus API."""
