from __future__ import annotations

import pytest

from gateway.status.metrics import GatewayMetrics, Registry
from tests.status.promtext import parse, value


def test_counters_gauges_and_labels_render_as_prometheus_text() -> None:
    registry = Registry()
    counter = registry.counter("phg_things", "Things seen", ("kind",))
    gauge = registry.gauge("phg_depth", "Depth")
    counter.inc(2, "a")
    counter.inc(1, 'we"ird\\')
    gauge.set(7)
    types, samples = parse(registry.render())
    assert types == {"phg_things_total": "counter", "phg_depth": "gauge"}
    assert value(samples, "phg_things_total", kind="a") == 2
    assert value(samples, "phg_things_total", kind='we"ird\\') == 1
    assert value(samples, "phg_depth") == 7


def test_histogram_buckets_are_cumulative_with_sum_and_count() -> None:
    registry = Registry()
    hist = registry.histogram("phg_latency_seconds", "Latency", buckets=(0.1, 1.0))
    for seconds in (0.05, 0.5, 0.7, 3.0):
        hist.observe(seconds)
    types, samples = parse(registry.render())
    assert types == {"phg_latency_seconds": "histogram"}
    assert value(samples, "phg_latency_seconds_bucket", le="0.1") == 1
    assert value(samples, "phg_latency_seconds_bucket", le="1") == 3
    assert value(samples, "phg_latency_seconds_bucket", le="+Inf") == 4
    assert value(samples, "phg_latency_seconds_count") == 4
    assert value(samples, "phg_latency_seconds_sum") == pytest.approx(4.25)


def test_bad_names_labels_and_decrements_are_refused() -> None:
    registry = Registry()
    with pytest.raises(ValueError, match="invalid metric name"):
        registry.counter("bad-name", "x")
    with pytest.raises(ValueError, match="invalid label name"):
        registry.gauge("ok", "x", ("le",))
    counter = registry.counter("c", "x")
    with pytest.raises(ValueError, match="cannot go down"):
        counter.inc(-1)
    with pytest.raises(ValueError, match="takes labels"):
        counter.inc(1, "unexpected-label")
    with pytest.raises(ValueError, match="already registered"):
        registry.counter("c_total", "again")


def test_gateway_metrics_expose_every_documented_family() -> None:
    types, _ = parse(GatewayMetrics().render())
    for name in (
        "phg_readings_decoded_total",
        "phg_readings_uploaded_total",
        "phg_readings_quarantined_total",
        "phg_outbox_items",
        "phg_connection_attempts_total",
        "phg_connection_failures_total",
        "phg_upload_duration_seconds",
    ):
        assert name in types
