"""A minimal metrics registry (counters, gauges, histograms, optionally labelled) rendered in
the Prometheus text exposition format 0.0.4 for ``/metrics``.

Nothing here does I/O or knows the daemon: :mod:`gateway.status.board` updates the metrics the
daemon defines in :class:`GatewayMetrics`. Label values are escaped as the format requires
(backslash, double quote, newline); metric and label names are checked when declared.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Final, TypeVar

_NAME: Final = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL: Final = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
DEFAULT_BUCKETS: Final = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

LabelValues = tuple[str, ...]
_M = TypeVar("_M", bound="_Metric")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    if value == int(value) and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def _labels(names: Sequence[str], values: Sequence[str], extra: str = "") -> str:
    parts = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


class _Metric:
    kind = ""

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        if not _NAME.fullmatch(name):
            raise ValueError(f"invalid metric name {name!r}")
        for label in labels:
            if not _LABEL.fullmatch(label) or label == "le":
                raise ValueError(f"invalid label name {label!r}")
        self.name = name
        self.help = help_text
        self.label_names = tuple(labels)

    def _key(self, labels: Sequence[str]) -> LabelValues:
        if len(labels) != len(self.label_names):
            raise ValueError(f"{self.name} takes labels {self.label_names}, got {tuple(labels)}")
        return tuple(str(v) for v in labels)

    def header(self) -> list[str]:
        help_text = self.help.replace("\\", "\\\\").replace("\n", "\\n")
        return [f"# HELP {self.name} {help_text}", f"# TYPE {self.name} {self.kind}"]

    def samples(self) -> list[str]:
        raise NotImplementedError


class _Valued(_Metric):
    """A metric with one value per label set (0 until set, when it has no labels)."""

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        super().__init__(name, help_text, labels)
        self._values: dict[LabelValues, float] = {}
        if not labels:
            self._values[()] = 0.0

    def value(self, *labels: str) -> float:
        return self._values.get(self._key(labels), 0.0)

    def samples(self) -> list[str]:
        return [
            f"{self.name}{_labels(self.label_names, k)} {_number(v)}"
            for k, v in sorted(self._values.items())
        ]


class Counter(_Valued):
    """A value that only goes up (``_total`` is appended to the name when missing)."""

    kind = "counter"

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        super().__init__(name if name.endswith("_total") else f"{name}_total", help_text, labels)

    def inc(self, amount: float = 1.0, *labels: str) -> None:
        if amount < 0:
            raise ValueError("a counter cannot go down")
        key = self._key(labels)
        self._values[key] = self._values.get(key, 0.0) + amount


class Gauge(_Valued):
    kind = "gauge"

    def set(self, value: float, *labels: str) -> None:
        self._values[self._key(labels)] = float(value)


class Histogram(_Metric):
    """Cumulative buckets (``le``), ``_sum`` and ``_count``, unlabelled."""

    kind = "histogram"

    def __init__(self, name: str, help_text: str, buckets: Iterable[float] = DEFAULT_BUCKETS):
        super().__init__(name, help_text)
        self.bounds = tuple(sorted(set(buckets)))
        if not self.bounds:
            raise ValueError("a histogram needs buckets")
        self._counts = [0] * len(self.bounds)
        self.count = 0
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.count += 1
        self.sum += value
        for i, bound in enumerate(self.bounds):
            if value <= bound:
                self._counts[i] += 1

    def samples(self) -> list[str]:
        lines = [
            f'{self.name}_bucket{{le="{_number(b)}"}} {c}'
            for b, c in zip(self.bounds, self._counts, strict=True)
        ]
        lines.append(f'{self.name}_bucket{{le="+Inf"}} {self.count}')
        lines.append(f"{self.name}_sum {_number(self.sum)}")
        lines.append(f"{self.name}_count {self.count}")
        return lines


class Registry:
    def __init__(self) -> None:
        self._metrics: dict[str, _Metric] = {}

    def _add(self, metric: _M) -> _M:
        if metric.name in self._metrics:
            raise ValueError(f"metric {metric.name} is already registered")
        self._metrics[metric.name] = metric
        return metric

    def counter(self, name: str, help_text: str, labels: Sequence[str] = ()) -> Counter:
        return self._add(Counter(name, help_text, labels))

    def gauge(self, name: str, help_text: str, labels: Sequence[str] = ()) -> Gauge:
        return self._add(Gauge(name, help_text, labels))

    def histogram(
        self, name: str, help_text: str, buckets: Iterable[float] = DEFAULT_BUCKETS
    ) -> Histogram:
        return self._add(Histogram(name, help_text, buckets))

    def render(self) -> str:
        lines: list[str] = []
        for metric in self._metrics.values():
            lines += metric.header()
            lines += metric.samples()
        return "\n".join(lines) + "\n"


class GatewayMetrics:
    """The daemon's metrics (names prefixed ``phg_``)."""

    def __init__(self) -> None:
        r = self.registry = Registry()
        self.decoded = r.counter(
            "phg_readings_decoded", "Measurements decoded from devices", ("characteristic",)
        )
        self.decode_failed = r.counter("phg_readings_decode_failed", "Values that did not decode")
        self.stored = r.counter("phg_readings_stored", "Readings committed to the outbox")
        self.kept = r.counter(
            "phg_readings_kept", "Readings kept in the held-back store, by kind", ("kind",)
        )
        self.uploaded = r.counter("phg_readings_uploaded", "Readings the FHIR server accepted")
        self.quarantined = r.counter(
            "phg_readings_quarantined", "Readings the FHIR server rejected (quarantined)"
        )
        self.outbox = r.gauge("phg_outbox_items", "Outbox items by state", ("state",))
        self.connect_attempts = r.counter(
            "phg_connection_attempts", "Bluetooth connection attempts", ("address",)
        )
        self.connect_failures = r.counter(
            "phg_connection_failures", "Bluetooth connection attempts that failed", ("address",)
        )
        self.connected = r.gauge("phg_devices_connected", "Devices connected now")
        self.transactions = r.counter(
            "phg_fhir_transactions", "Transaction bundles sent, by outcome", ("outcome",)
        )
        self.upload_seconds = r.histogram(
            "phg_upload_duration_seconds", "Duration of transaction uploads to the FHIR server"
        )
        self.fhir_up = r.gauge("phg_fhir_server_up", "1 if the last FHIR server contact succeeded")

    def render(self) -> str:
        return self.registry.render()
