"""Heart Rate Measurement → PHD IG: code, reception time, RR intervals, body site, contact."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from gateway.fhir.connection import Skipped
from profiles.heart_rate import (
    BodySensorLocation,
    BodySensorLocationValue,
    HeartRateMeasurement,
    SensorContact,
)
from tests.fhir.helpers import assert_only_upload_identifier, mapper, resources

RECEIVED = dt.datetime(2018, 11, 11, 16, 40, 5, tzinfo=dt.UTC)


def test_heart_rate_at_reception_time_with_rr_intervals() -> None:
    m = HeartRateMeasurement(72, rr_intervals=(Decimal("0.8330078125"), Decimal("0.5000000000")))
    obs = resources(mapper().map(m, RECEIVED))[0]
    assert [c["code"] for c in obs["code"]["coding"]] == ["147842", "8867-4"]
    assert obs["effectiveDateTime"] == "2018-11-11T11:40:05-05:00"
    assert_only_upload_identifier(obs)
    assert obs["valueQuantity"]["value"] == 72
    assert obs["valueQuantity"]["code"] == "/min"
    rr = [
        (c["code"]["coding"][0]["code"], str(c["valueQuantity"]["value"])) for c in obs["component"]
    ]
    assert rr == [("147240", "833.0078125"), ("147240", "500.0000000")]
    assert obs["component"][0]["valueQuantity"]["code"] == "ms"
    assert "bodySite" not in obs


def test_body_sensor_location_becomes_body_site() -> None:
    mp = mapper()
    assert isinstance(mp.map(BodySensorLocationValue(BodySensorLocation.CHEST), RECEIVED), Skipped)
    obs = resources(mp.map(HeartRateMeasurement(60), RECEIVED))[0]
    assert obs["bodySite"]["coding"][0]["code"] == "51185008"
    mp.map(BodySensorLocationValue(BodySensorLocation.OTHER), RECEIVED)
    assert "bodySite" not in resources(mp.map(HeartRateMeasurement(60), RECEIVED))[0]


def test_no_skin_contact_is_questionable() -> None:
    m = HeartRateMeasurement(0, sensor_contact=SensorContact.NOT_DETECTED)
    obs = resources(mapper().map(m, RECEIVED))[0]
    assert obs["interpretation"][0]["coding"][0]["code"] == "questionable"
