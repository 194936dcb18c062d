"""BodyCompositionAssembler: complete measurements only, nothing dropped silently."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from gateway.ble.reassembly import BodyCompositionAssembler
from profiles import body_composition as bc
from profiles import weight_scale as ws
from profiles.errors import DecodeError

FULL = bc.BodyCompositionMeasurement(
    Decimal("20.5"),
    user_id=1,
    basal_metabolism=6000,
    muscle_percentage=Decimal("40.0"),
    muscle_mass=Decimal("30.5"),
    fat_free_mass=Decimal("55.5"),
    soft_lean_mass=Decimal("50.5"),
    body_water_mass=Decimal("40.5"),
    impedance=Decimal("500.0"),
    weight=Decimal("70.5"),
    height=Decimal("1.750"),
)
FIRST, SECOND = bc.encode_body_composition_packets(FULL)
# Flags 0x0400 (weight), body fat 19.0 % (190), weight 70.0 kg (14000 x 0.005 kg).
SINGLE = bytes.fromhex("0004" + "be00" + "b036")


def test_single_packet_measurement_is_complete_at_once() -> None:
    fed = BodyCompositionAssembler().feed(SINGLE)
    assert fed.complete == bc.BodyCompositionMeasurement(Decimal("19.0"), weight=Decimal("70"))
    assert fed.raw == SINGLE
    assert fed.abandoned is None


def test_two_packets_make_one_measurement_with_the_feature_resolution() -> None:
    feature = bc.BodyCompositionFeature(mass_resolution=ws.MassResolution.KG_0_5_OR_LB_1)
    assembler = BodyCompositionAssembler(feature)
    first = assembler.feed(FIRST)
    assert (first.complete, first.abandoned, assembler.pending) == (None, None, 1)
    done = assembler.feed(SECOND)
    assert done.complete == FULL
    assert isinstance(done.complete, bc.BodyCompositionMeasurement)
    assert repr(done.complete.weight) == "Decimal('70.5')"
    assert done.raw == FIRST + SECOND
    assert assembler.pending == 0
    assert assembler.flush("end") is None


def test_for_features_picks_the_body_composition_feature() -> None:
    feature = bc.BodyCompositionFeature(mass_resolution=ws.MassResolution.KG_0_5_OR_LB_1)
    assembler = BodyCompositionAssembler.for_features({"body-composition-feature": feature})
    assembler.feed(FIRST)
    weight = assembler.feed(SECOND).complete
    assert isinstance(weight, bc.BodyCompositionMeasurement)
    assert repr(weight.weight) == "Decimal('70.5')"
    plain = BodyCompositionAssembler.for_features({})
    plain.feed(FIRST)
    other = plain.feed(SECOND).complete
    assert isinstance(other, bc.BodyCompositionMeasurement)
    assert repr(other.weight) == "Decimal('70.500')"


def test_flush_returns_the_packets_and_partial_fields() -> None:
    assembler = BodyCompositionAssembler()
    assembler.feed(FIRST)
    left = assembler.flush("link lost")
    assert left is not None
    assert left.packets == (FIRST,)
    assert left.reason == "incomplete multiple-packet measurement (1 of 2 packets): link lost"
    assert isinstance(left.partial, bc.BodyCompositionMeasurement)
    assert left.partial.multiple_packet
    assert (left.partial.user_id, left.partial.weight) == (1, None)
    assert assembler.pending == 0
    # Emptied: the next measurement starts clean.
    assembler.feed(FIRST)
    assert assembler.feed(SECOND).complete == FULL


def test_inconsistent_packet_abandons_the_measurement_and_starts_a_new_one() -> None:
    assembler = BodyCompositionAssembler()
    assembler.feed(FIRST)
    other = replace(FULL, body_fat_percentage=Decimal("21.0"))
    other_first, other_second = bc.encode_body_composition_packets(other)
    fed = assembler.feed(other_first)  # another measurement's first packet
    assert fed.complete is None
    assert fed.abandoned is not None
    assert fed.abandoned.packets == (FIRST,)
    assert "body fat percentage differs" in fed.abandoned.reason
    assert assembler.pending == 1
    assert assembler.feed(other_second).complete == other


def test_undecodable_packet_raises_and_keeps_the_measurement_in_progress() -> None:
    assembler = BodyCompositionAssembler()
    assembler.feed(FIRST)
    with pytest.raises(DecodeError):
        assembler.feed(b"\x00\x10\x01")
    assert assembler.pending == 1
    assert assembler.feed(SECOND).complete == FULL
