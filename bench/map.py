"""BP end-to-end speed: payload bytes → decode → map → transaction Bundle JSON, per measurement.

Prints, in the same run, measurements per second for decode only (the baseline) and for the
whole chain (one Bundle serialised with ``gateway.exact_json`` per measurement), and their
ratio. Two chain variants: "steady" (Patient and Devices already on the server, referenced by
id: what the gateway sends after its first upload) and "first" (Patient, PhgDevice, PhdDevice
sent with every Bundle). Payloads are deterministic: time-stamped readings with pulse rate,
user index and measurement status in varied combinations. Target: ≥ 10,000 measurements/s on
one core for the steady chain.

Run: .venv/bin/python bench/map.py [--count 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections.abc import Callable
from decimal import Decimal
from zoneinfo import ZoneInfo

from gateway import exact_json
from gateway.fhir.connection import ConnectionMapper
from gateway.fhir.device_info import PhdDeviceInfo
from gateway.fhir.patient import PatientBinding, PatientIdentifier
from gateway.fhir.phg_device import PhgConfig
from gateway.fhir.timeline import DeviceClock, WallClockStamp
from profiles.blood_pressure import (
    BloodPressureMeasurement,
    BloodPressureMeasurementStatus,
    decode_blood_pressure_measurement,
    encode_blood_pressure_measurement,
)
from profiles.date_time import DateTime

RECEIVED = dt.datetime(2024, 3, 11, 14, 0, 0, tzinfo=dt.UTC)
PATIENT = PatientIdentifier("urn:oid:2.999.1.2.3", "patient-1")
PHG = PhgConfig(bytes.fromhex("ECDE3D4E58532D31"))
PHD = PhdDeviceInfo(
    manufacturer="ACME",
    model="BP-1",
    firmware_version="1.0",
    system_id=bytes.fromhex("711000FEFF5F49B0"),
    bluetooth_address=bytes.fromhex("B0495F001071"),
)
KNOWN = {
    f"{PATIENT.system}|{PATIENT.value}": "Patient/1",
    "urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680|EC-DE-3D-4E-58-53-2D-31": "Device/2",
    "urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680|B0-49-5F-FF-FE-00-10-71": "Device/3",
}


def payloads(count: int) -> list[bytes]:
    rng = random.Random(20240311)
    out = []
    for i in range(count):
        stamp = DateTime(
            2024,
            rng.randint(1, 3),
            rng.randint(1, 28),
            rng.randint(0, 23),
            rng.randint(0, 59),
            rng.randint(0, 59),
        )
        status = None
        if i % 4 == 0:
            status = BloodPressureMeasurementStatus.from_bits(rng.randint(0, 0x3F))
        m = BloodPressureMeasurement(
            Decimal(rng.randint(90, 180)),
            Decimal(rng.randint(50, 110)),
            Decimal(rng.randint(60, 130)),
            timestamp=stamp,
            pulse_rate=Decimal(rng.randint(40, 140)) if i % 3 else None,
            user_id=1 if i % 2 else None,
            status=status,
        )
        out.append(encode_blood_pressure_measurement(m))
    return out


def new_mapper(known: dict[str, str]) -> ConnectionMapper:
    clock = DeviceClock(RECEIVED, WallClockStamp(dt.datetime(2024, 3, 11, 10, 0, 5)))
    return ConnectionMapper(
        phg=PHG,
        phd=PHD,
        patients=PatientBinding(PATIENT, {1: PATIENT}),
        zone=ZoneInfo("America/New_York"),
        clock=clock,
        known=known,
    )


def decode_only(data: list[bytes]) -> None:
    for raw in data:
        decode_blood_pressure_measurement(raw)


def chain(known: dict[str, str]) -> Callable[[list[bytes]], None]:
    mapper = new_mapper(known)

    def run(data: list[bytes]) -> None:
        for raw in data:
            result = mapper.map(decode_blood_pressure_measurement(raw), RECEIVED)
            exact_json.dumps(mapper.bundle([result]))

    return run


def best_rate(work: Callable[[list[bytes]], None], data: list[bytes], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        work(data)
        best = min(best, time.perf_counter() - start)
    return len(data) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    data = payloads(args.count)
    decode_rate = best_rate(decode_only, data, args.repeat)
    steady = best_rate(chain(KNOWN), data, args.repeat)
    first = best_rate(chain({}), data, args.repeat)
    print(f"BP measurements: {len(data)} payloads, best of {args.repeat}")
    print(f"  decode only                    {decode_rate:12,.0f} /s")
    print(
        f"  decode+map+bundle JSON steady  {steady:12,.0f} /s"
        f"  (decode-only / chain = {decode_rate / steady:.1f}x)"
    )
    print(
        f"  decode+map+bundle JSON first   {first:12,.0f} /s"
        f"  (decode-only / chain = {decode_rate / first:.1f}x)"
    )


if __name__ == "__main__":
    main()
