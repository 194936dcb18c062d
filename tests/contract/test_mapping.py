"""The mapping contract of every registered device type, like ``tests/profiles/test_contract.py``
for the codecs: every value a device type subscribes to or delivers has a FHIR mapper, and every
such value its profile's strategy generates (values the encoders accept) maps, on a connection
that received the device type's delivered values first, to resources that validate against the
PHD IG (the validator behind ``phg validate``), or is deliberately not uploaded (skipped, held
back for a missing patient or a missing join, discarded for a clock the IG says to drop, refused
as something the IG cannot express: ``UnmappableMeasurementError``).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.fhir.connection import HeldBack, Mapped, Skipped
from gateway.fhir.mapper_types import IncompleteMeasurementError, UnmappableMeasurementError
from gateway.fhir.registry import BY_TYPE
from gateway.fhir.timeline import Discarded
from profiles import registry
from profiles.registry import device_types
from profiles.registry_types import AnyCharacteristic, DeviceType
from tests.fhir.helpers import EVERY_USER, errors, mapper
from tests.strategies import ALL_STRATEGIES

EXAMPLES = int(os.environ.get("PHG_MAPPING_EXAMPLES", "100"))
RECEIVED = dt.datetime(2018, 11, 11, 16, 40, 5, tzinfo=dt.UTC)

MAPPED_VALUES = [(t, c) for t in device_types() for c in t.mapped]
each_value = pytest.mark.parametrize(
    ("device_type", "characteristic"), MAPPED_VALUES, ids=[c.name for _, c in MAPPED_VALUES]
)


@each_value
def test_every_mapped_value_has_a_mapper(
    device_type: DeviceType, characteristic: AnyCharacteristic
) -> None:
    assert characteristic.measurement_type in BY_TYPE, device_type.name


NOT_DECLARED = {"battery-level"}
"""Mapped values no device type declares: the Battery Level every session reads."""


def test_every_mapper_of_a_characteristic_maps_a_value_a_device_type_delivers() -> None:
    delivered = {c.name for _, c in MAPPED_VALUES}
    mapped = {c.name for c in registry.ALL if c.measurement_type in BY_TYPE}
    assert mapped - delivered == NOT_DECLARED


@each_value
def test_every_generated_value_maps_to_valid_resources(
    device_type: DeviceType, characteristic: AnyCharacteristic
) -> None:
    outcomes: list[str] = []
    first = st.tuples(*(ALL_STRATEGIES[c.name] for c in device_type.deliver))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(first, ALL_STRATEGIES[characteristic.name])
    def check(delivered: tuple[Any, ...], value: Any) -> None:
        connection = mapper(patients=EVERY_USER)
        for earlier in delivered:
            connection.map(earlier, RECEIVED)
        try:
            result = connection.map(value, RECEIVED)
        except IncompleteMeasurementError:
            assert device_type.reassembled  # only a fragment the gateway reassembles first
            outcomes.append("fragment")
            return
        except UnmappableMeasurementError:
            outcomes.append("refused")  # what the IG cannot express: kept, not uploaded
            return
        assert isinstance(result, Mapped | Skipped | HeldBack | Discarded), result
        outcomes.append(type(result).__name__)
        if isinstance(result, Mapped):
            assert result.entries
            assert errors(connection.bundle([result])) == []

    check()
    # Something maps, unless the value is not uploaded on purpose or only joins what another
    # value brings (a glucose context waits for its measurement: tests/fhir/test_map_glucose.py).
    found = BY_TYPE[characteristic.measurement_type]
    assert "Mapped" in outcomes or found.skip_reason or found.join is not None, outcomes
