"""Decode speed per characteristic: PHG versus the `bluetooth-sig` package, in the same run.

Payloads come from the capture corpus, gateway/corpus/<profile>/*.log (:mod:`profiles.capture_log`).
For each characteristic it prints PHG's decode time in microseconds per payload, the time of
bluetooth-sig's public entry point (``BluetoothSIGTranslator.parse_characteristic``) and of its
characteristic class called directly (``parse_value``), and the ratios (theirs / ours). Ratios
are what to compare across machines; absolute figures vary with load.

Run: .venv/bin/python bench/decode.py [--repeat 5] [--min-time 0.2]
(`pip install -e .[bench]` brings bluetooth-sig; without it only PHG's figures are printed.)
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from gateway import corpus
from profiles.capture_log import read_lines
from profiles.errors import DecodeError
from profiles.registry import lookup
from profiles.registry_types import AnyCharacteristic


def load_corpus() -> dict[AnyCharacteristic, list[bytes]]:
    payloads: dict[AnyCharacteristic, list[bytes]] = defaultdict(list)
    for _, log in corpus.log_files(corpus.root()):
        for line in read_lines(log.read_text().splitlines()):
            if line.refused:
                continue  # payloads that must be refused
            characteristic = lookup(line.characteristic)
            data = line.payload()
            try:
                characteristic.decode(data)
            except DecodeError:
                continue  # malformed samples are for the tests, not for speed
            payloads[characteristic].append(data)
    return payloads


def per_payload_us(decode: Callable[[bytes], Any], payloads: list[bytes], args: Any) -> float:
    """Best of ``repeat`` runs, each long enough (``min_time`` s), in µs per payload."""
    rounds = 1
    while True:  # calibrate
        start = time.perf_counter()
        for _ in range(rounds):
            for data in payloads:
                decode(data)
        if time.perf_counter() - start >= args.min_time / 4:
            break
        rounds *= 2
    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        for _ in range(rounds):
            for data in payloads:
                decode(data)
        best = min(best, time.perf_counter() - start)
    return best / (rounds * len(payloads)) * 1e6


def bluetooth_sig_decoders(
    uuid16: int,
) -> tuple[Callable[[bytes], Any] | None, Callable[[bytes], Any] | None]:
    try:
        from bluetooth_sig import BluetoothSIGTranslator
        from bluetooth_sig.gatt.characteristics.registry import CharacteristicRegistry
    except ImportError:
        return None, None
    translator = BluetoothSIGTranslator.get_instance()
    key = f"{uuid16:04X}"
    try:
        if not translator.supports(key):
            return None, None
    except Exception:  # a probe of a third-party package
        return None, None

    def public(data: bytes) -> Any:
        return translator.parse_characteristic(key, data)

    direct: Callable[[bytes], Any] | None = None
    try:
        cls = CharacteristicRegistry.get_characteristic_class_by_uuid(key)
        if cls is not None:
            instance = cls()
            direct = lambda data: instance.parse_value(bytearray(data))  # noqa: E731
    except Exception:  # a probe of a third-party package
        direct = None
    return public, direct


def accepted(decode: Callable[[bytes], Any], payloads: list[bytes]) -> list[bytes]:
    """The payloads ``decode`` accepts (bluetooth-sig rejects some valid ones)."""
    kept = []
    for data in payloads:
        try:
            decode(data)
        except Exception:  # their decoder may reject what ours accepts
            continue
        kept.append(data)
    return kept


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.2)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # bluetooth-sig logs every payload it rejects
    by_characteristic = load_corpus()
    if not by_characteristic:
        print(f"no payloads in {corpus.root()}", file=sys.stderr)
        return 1
    header = (
        f"{'characteristic':<52} {'n':>3} {'phg us':>8} {'bsig us':>9} {'ratio':>6}"
        f" {'bsig-direct us':>14} {'ratio':>6}"
    )
    print(header)
    print("-" * len(header))
    for characteristic, payloads in sorted(by_characteristic.items(), key=lambda kv: kv[0].uuid16):
        ours = per_payload_us(characteristic.decode, payloads, args)
        public, direct = bluetooth_sig_decoders(characteristic.uuid16)
        cells = []
        for theirs in (public, direct):
            same = accepted(theirs, payloads) if theirs is not None else []
            if theirs is not None and same:
                their_us = per_payload_us(theirs, same, args)
                ours_same = per_payload_us(characteristic.decode, same, args)
                cells.append(f"{their_us:>9.2f} {their_us / ours_same:>5.1f}x")
            else:
                cells.append(f"{'-':>9} {'-':>6}")
        print(
            f"{characteristic.name:<52} {len(payloads):>3} {ours:>8.2f} {cells[0]}     {cells[1]}"
        )
    print(
        "\nratio = bluetooth-sig time / PHG time on the payloads both accept, same process,"
        f" best of {args.repeat}; '-' = bluetooth-sig has no decoder or rejects every payload"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
