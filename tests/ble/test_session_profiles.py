"""DeviceSession per profile against in-memory fakes: connection facts (services, Regulatory
Certification Data List, PnP ID), weight scale resolution, thermometer type, body composition
reassembly, pulse oximeter and CGM stored records."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from gateway.ble import uuids
from gateway.ble.events import DecodeFailureEvent, MeasurementEvent, RecordTransferEvent
from gateway.ble.highwater import MemoryHighWaterStore
from gateway.ble.session import DeviceSession
from profiles import body_composition as bc
from profiles import cgm
from profiles import pulse_oximeter as plx
from profiles import weight_scale as ws
from profiles.date_time import DateTime, DstOffset
from profiles.device_information import (
    AuthBody,
    ContinuaBodyStruct,
    ContinuaRegStruct,
    ContinuaRegulation,
    PnpId,
    RegCertData,
    RegulatoryCertificationDataList,
    VendorIdSource,
)
from profiles.health_thermometer import TemperatureType, TemperatureTypeValue
from profiles.racp import RacpOperator
from tests.ble.fake_record_devices import FakeRecordDevice, StoredRecord
from tests.ble.fakes import FakeConnector, FakeLink, FakeSource
from tests.ble.harness import ADDRESS, CONFIG, Collector, run_session, transfer_again, until
from tests.ble.test_reassembly import FULL
from tests.fhir.helpers import mapper, resources

BP_MEASUREMENT = 0x2A35
BP = bytes.fromhex("0078005000" + "5d00")
# MDER (big-endian): count 2, length 18; Continua (2) struc 1: IG 1.0, one device class
# 0x4008; Continua struc 2: regulation bits 0x8000 (unregulated).
REG_CERT = bytes.fromhex("0002 0012 02010008 01 00 0001 0002 4008 02020002 8000".replace(" ", ""))
# Bluetooth SIG vendor 0x000D, product 0x1234, version 1.0.0 (little-endian uint16s).
PNP = bytes.fromhex("010d00341200" + "01")


def _serve(
    make_link: Callable[[], FakeLink], sink: Collector, store: MemoryHighWaterStore | None = None
) -> tuple[DeviceSession, FakeSource, FakeConnector]:
    source = FakeSource(ADDRESS)
    connector = FakeConnector(make_link)
    session = DeviceSession(
        ADDRESS, source, connector, sink, store or MemoryHighWaterStore(), CONFIG
    )
    return session, source, connector


def _run(
    make_link: Callable[[], FakeLink],
    sink: Collector,
    body: Callable[[FakeSource, FakeConnector], Awaitable[None]],
    store: MemoryHighWaterStore | None = None,
) -> DeviceSession:
    """Run a session against ``make_link``'s device while ``body`` runs; the stopped session."""

    async def scenario() -> DeviceSession:
        session, source, connector = _serve(make_link, sink, store)
        await run_session(session, lambda: body(source, connector))
        return session

    return asyncio.run(scenario())


def _one_value(link: FakeLink, uuid16: int, value: bytes) -> tuple[Collector, DeviceSession]:
    """Serve ``link``'s device, which notifies ``value`` on ``uuid16`` once subscribed, until
    that measurement arrived."""
    sink = Collector()

    async def body(source: FakeSource, connector: FakeConnector) -> None:
        await until(lambda: uuid16 in link.subscribers)
        link.notify(uuid16, value)
        await until(lambda: any(e.uuid16 == uuid16 for e in sink.measurements()))

    return sink, _run(lambda: link, sink, body)


def _bp_link(extra: dict[int, bytes]) -> FakeLink:
    reads = {uuids.MODEL_NUMBER: b"M7", BP_MEASUREMENT: b"", **extra}
    return FakeLink(reads, {uuids.BLOOD_PRESSURE, uuids.DEVICE_INFORMATION, uuids.BATTERY_SERVICE})


def _one_bp(extra: dict[int, bytes]) -> tuple[Collector, DeviceSession]:
    link = _bp_link(extra)
    return _one_value(link, BP_MEASUREMENT, BP)


def test_facts_carry_services_regulatory_certification_and_pnp_id() -> None:
    sink, session = _one_bp({uuids.REGULATORY_CERTIFICATION_DATA_LIST: REG_CERT, uuids.PNP_ID: PNP})
    facts = sink.measurements()[0].connection
    assert facts.services == frozenset(
        {uuids.BLOOD_PRESSURE, uuids.DEVICE_INFORMATION, uuids.BATTERY_SERVICE}
    )
    info = facts.device_information
    assert info.regulatory_certification == RegulatoryCertificationDataList(
        (
            RegCertData(AuthBody.CONTINUA, 1, ContinuaBodyStruct(1, 0, (0x4008,))),
            RegCertData(
                AuthBody.CONTINUA, 2, ContinuaRegStruct(ContinuaRegulation.UNREGULATED_DEVICE)
            ),
        )
    )
    assert info.regulatory_certification.unregulated_device is True
    assert info.pnp_id == PnpId(VendorIdSource.BLUETOOTH_SIG, 0x000D, 0x1234, 0x0100)
    assert session.stats.decode_errors == 0


def test_absent_regulatory_certification_and_pnp_id_are_none() -> None:
    sink, _ = _one_bp({})
    info = sink.measurements()[0].connection.device_information
    assert info.regulatory_certification is None
    assert info.pnp_id is None
    assert info.model == "M7"


def test_undecodable_regulatory_certification_and_pnp_id_are_reported_not_fatal() -> None:
    sink, session = _one_bp(
        {uuids.REGULATORY_CERTIFICATION_DATA_LIST: REG_CERT[:-1], uuids.PNP_ID: PNP[:5]}
    )
    info = sink.measurements()[0].connection.device_information
    assert (info.regulatory_certification, info.pnp_id) == (None, None)
    assert session.stats.decode_errors == 2
    failures = sink.of(DecodeFailureEvent)
    assert [(f.uuid16, f.raw) for f in failures] == [
        (0x2A2A, REG_CERT[:-1]),
        (0x2A50, PNP[:5]),
    ]
    assert [f.characteristic for f in failures] == [
        "ieee-11073-20601-regulatory-certification-data-list",
        "pnp-id",
    ]


# --- weight scale, thermometer --------------------------------------------------------------


def test_weight_measurement_decoded_with_the_feature_resolution() -> None:
    # Resolution 0.5 kg: 70.5 kg (14100 x 0.005 kg) is given with the declared decimals.
    feature = (1 << 3).to_bytes(4, "little")
    link = FakeLink(
        {ws.WEIGHT_MEASUREMENT.uuid16: b"", ws.WEIGHT_SCALE_FEATURE.uuid16: feature},
        {uuids.WEIGHT_SCALE},
    )
    sink, _ = _one_value(
        link, ws.WEIGHT_MEASUREMENT.uuid16, b"\x00" + (14100).to_bytes(2, "little")
    )
    event = sink.measurements()[0]
    assert isinstance(event.value, ws.WeightMeasurement)
    assert str(event.value.weight) == "70.5"  # without the feature: 70.500
    assert event.connection.features["weight-scale-feature"] == ws.WeightScaleFeature(
        weight_resolution=ws.MassResolution.KG_0_5_OR_LB_1
    )


def test_thermometer_temperature_type_is_a_feature() -> None:
    link = FakeLink({0x2A1C: b"", 0x2A1D: b"\x03"}, {uuids.HEALTH_THERMOMETER})
    # Flags 0 (Celsius), 36.6 as FLOAT: mantissa 366, exponent -1.
    sink, _ = _one_value(link, 0x2A1C, b"\x00" + bytes.fromhex("6e0100ff"))
    features = sink.measurements()[0].connection.features
    assert features["temperature-type"] == TemperatureTypeValue(TemperatureType.EAR)


def _map_in_order(events: list[MeasurementEvent]) -> list[dict[str, Any]]:
    """The resources of the last event, mapped on one connection after the ones before it (as
    the daemon's pipeline does)."""
    connection = mapper()
    results = [connection.map(event.value, event.received_at) for event in events]
    return resources(results[-1])


def test_thermometer_temperature_type_gives_the_site_of_measurements_without_one() -> None:
    link = FakeLink({0x2A1C: b"", 0x2A1D: b"\x03"}, {uuids.HEALTH_THERMOMETER})  # the ear
    sink, _ = _one_value(link, 0x2A1C, b"\x00" + bytes.fromhex("6e0100ff"))  # 36.6 Cel, no type
    (temperature,) = _map_in_order(sink.measurements())
    assert temperature["code"]["coding"][0]["code"] == "188428"  # MDC_TEMP_EAR


def test_heart_rate_body_sensor_location_reaches_the_mapping() -> None:
    link = FakeLink({0x2A37: b"", 0x2A38: b"\x01"}, {uuids.HEART_RATE})  # on the chest
    sink, _ = _one_value(link, 0x2A37, bytes.fromhex("0048"))  # 72 /min
    events = sink.measurements()
    assert [e.characteristic for e in events] == ["body-sensor-location", "heart-rate-measurement"]
    (heart_rate,) = _map_in_order(events)
    assert heart_rate["bodySite"]["text"] == "Chest"


# --- body composition -----------------------------------------------------------------------

BC_FEATURE = bc.BodyCompositionFeature(
    bc.BodyCompositionFeatureFlag.WEIGHT | bc.BodyCompositionFeatureFlag.MULTIPLE_USERS,
    mass_resolution=ws.MassResolution.KG_0_5_OR_LB_1,
)
PACKETS = bc.encode_body_composition_packets(FULL)
SINGLE = bc.encode_body_composition_measurement(
    bc.BodyCompositionMeasurement(Decimal("19.0"), weight=Decimal("70.0"))
)
BCM = bc.BODY_COMPOSITION_MEASUREMENT.uuid16


def _bc_run(
    packets: list[bytes], *, drop_after: bool = False, expect: int = 0
) -> tuple[Collector, DeviceSession]:
    link = FakeLink(
        {
            BCM: b"",
            bc.BODY_COMPOSITION_FEATURE.uuid16: bc.encode_body_composition_feature(BC_FEATURE),
        },
        {uuids.BODY_COMPOSITION},
    )
    sink = Collector()

    async def body(source: FakeSource, connector: FakeConnector) -> None:
        await until(lambda: BCM in link.subscribers)
        for packet in packets:
            link.notify(BCM, packet)
        if drop_after:
            link.drop()
            await until(lambda: bool(sink.of(DecodeFailureEvent)))
        else:
            await until(lambda: len(sink.measurements()) == expect)

    return sink, _run(lambda: link, sink, body)


def test_body_composition_packets_become_one_measurement() -> None:
    assert len(PACKETS) == 2
    sink, session = _bc_run(list(PACKETS), expect=1)
    (event,) = sink.measurements()
    assert event.characteristic == "body-composition-measurement"
    assert event.value == FULL
    assert repr(event.value.weight) == "Decimal('70.5')"  # the feature's 0.5 kg resolution
    assert event.raw == PACKETS[0] + PACKETS[1]
    assert event.connection.features["body-composition-feature"] == BC_FEATURE
    assert session.stats.decode_errors == 0


def test_incomplete_body_composition_is_reported_at_disconnect() -> None:
    sink, session = _bc_run([PACKETS[0]], drop_after=True)
    assert sink.measurements() == []
    (failure,) = sink.of(DecodeFailureEvent)
    assert failure.packets == (PACKETS[0],)
    assert failure.raw == PACKETS[0]
    assert "incomplete multiple-packet measurement (1 of 2 packets)" in failure.error
    assert isinstance(failure.partial, bc.BodyCompositionMeasurement)
    assert failure.partial.multiple_packet
    assert failure.partial.user_id == 1
    assert failure.partial.weight is None  # weight travels in the second packet
    assert session.stats.incomplete_measurements == 1


def test_packet_that_cannot_continue_a_measurement_reports_it_and_starts_anew() -> None:
    sink, _ = _bc_run([PACKETS[0], SINGLE, PACKETS[0], PACKETS[1]], expect=2)
    (failure,) = sink.of(DecodeFailureEvent)
    assert failure.packets == (PACKETS[0],)
    assert "single-packet measurement" in failure.error
    values = [m.value for m in sink.measurements()]
    assert values == [bc.decode_body_composition_measurement(SINGLE), FULL]


def test_malformed_packet_does_not_break_the_measurement_in_progress() -> None:
    sink, _ = _bc_run([PACKETS[0], b"\x00\x10\x01", PACKETS[1]], expect=1)
    (failure,) = sink.of(DecodeFailureEvent)
    assert failure.raw == b"\x00\x10\x01"
    assert failure.packets == ()
    assert sink.measurements()[0].value == FULL


# --- pulse oximeter stored records ----------------------------------------------------------

SPOT = plx.PLX_SPOT_CHECK_MEASUREMENT.uuid16
CONTINUOUS = plx.PLX_CONTINUOUS_MEASUREMENT.uuid16


def _spot(spo2: int) -> bytes:
    return plx.encode_plx_spot_check_measurement(
        plx.PlxSpotCheckMeasurement(Decimal(spo2), Decimal(60))
    )


def test_pulse_oximeter_fetches_all_stored_spot_checks_every_time_without_marks() -> None:
    continuous = plx.encode_plx_continuous_measurement(
        plx.PlxContinuousMeasurement(plx.SpO2PR(Decimal(97), Decimal(70)))
    )
    device = FakeRecordDevice(
        {uuids.PULSE_OXIMETER},
        {CONTINUOUS: b"", plx.PLX_FEATURES.uuid16: b"\x04\x00"},
        SPOT,
        [StoredRecord(None, _spot(95)), StoredRecord(None, _spot(96))],
        live_during_transfer=[(CONTINUOUS, continuous)],
    )
    store = MemoryHighWaterStore()
    sink = Collector()

    async def body(source: FakeSource, connector: FakeConnector) -> None:
        await until(lambda: len(sink.of(RecordTransferEvent)) == 1)
        await transfer_again(connector, source, sink)

    _run(device.link, sink, body, store)
    assert [r.operator for r in device.requests] == [RacpOperator.ALL_RECORDS] * 2
    spots = [m for m in sink.measurements() if m.uuid16 == SPOT]
    values = [m.value for m in spots]
    assert [v.spo2 for v in values if isinstance(v, plx.PlxSpotCheckMeasurement)] == [95, 96] * 2
    assert all(m.stored and m.sequence_number is None for m in spots)
    lives = [m for m in sink.measurements() if m.uuid16 == CONTINUOUS]
    assert len(lives) == 2
    assert not any(m.stored for m in lives)
    transfers = sink.of(RecordTransferEvent)
    assert [(t.outcome, t.records, t.next_sequence) for t in transfers] == [
        ("complete", 2, None),
        ("complete", 2, None),
    ]
    assert store.marks == {}


# --- CGM stored records -----------------------------------------------------------------------

CGM_M = cgm.CGM_MEASUREMENT.uuid16
CRC_FEATURE = cgm.encode_cgm_feature(
    cgm.CgmFeature(cgm.CgmFeatureBits.E2E_CRC, cgm.CgmType.CAPILLARY_WHOLE_BLOOD, 1)
)


def _session_start(day: int) -> cgm.CgmSessionStartTime:
    return cgm.CgmSessionStartTime(
        DateTime(2026, 1, day, 8, 0, 0), 4, DstOffset.STANDARD_TIME, True
    )


def _cgm_record(offset: int, crc: bool = True) -> bytes:
    record = cgm.CgmMeasurementRecord(Decimal(100 + offset), offset, e2e_crc=crc)
    return cgm.encode_cgm_measurement(cgm.CgmMeasurement((record,)))


def _cgm_device(start: cgm.CgmSessionStartTime | None, offsets: list[int]) -> FakeRecordDevice:
    reads = {cgm.CGM_FEATURE.uuid16: CRC_FEATURE}
    if start is not None:
        reads[cgm.CGM_SESSION_START_TIME.uuid16] = cgm.encode_cgm_session_start_time(start)
    records = [StoredRecord(o, _cgm_record(o)) for o in offsets]
    return FakeRecordDevice({uuids.CONTINUOUS_GLUCOSE_MONITORING}, reads, CGM_M, records)


def _key(start: cgm.CgmSessionStartTime) -> str:
    local = start.start_time.to_datetime()
    assert local is not None
    return f"{ADDRESS}#cgm-session={local.isoformat()};tz=4;dst=0"


def test_cgm_fetches_by_time_offset_per_sensor_session() -> None:
    first, second = _session_start(2), _session_start(20)
    device = _cgm_device(first, [0, 5, 10])
    store = MemoryHighWaterStore()
    sink = Collector()

    async def body(source: FakeSource, connector: FakeConnector) -> None:
        await until(lambda: len(sink.of(RecordTransferEvent)) == 1)
        # A live record after the transfer: time offsets are not consecutive, no advance.
        device.records.append(StoredRecord(11, _cgm_record(11)))  # it also stores it
        connector.links[-1].notify(CGM_M, _cgm_record(11))
        await until(lambda: len(sink.measurements()) == 5)
        assert store.marks == {_key(first): 11}
        device.records.append(StoredRecord(15, _cgm_record(15)))
        await transfer_again(connector, source, sink)
        # A new sensor session: time offsets start again.
        device.reads[cgm.CGM_SESSION_START_TIME.uuid16] = cgm.encode_cgm_session_start_time(second)
        device.records[:] = [StoredRecord(0, _cgm_record(0))]
        await transfer_again(connector, source, sink)

    _run(device.link, sink, body, store)
    requests = [(r.operator, r.minimum) for r in device.requests]
    assert requests == [
        (RacpOperator.ALL_RECORDS, None),
        (RacpOperator.GREATER_THAN_OR_EQUAL_TO, 11),
        (RacpOperator.ALL_RECORDS, None),
    ]
    events = sink.measurements()
    assert [(e.characteristic, e.stored, e.sequence_number) for e in events] == [
        ("cgm-session-start-time", False, None),
        ("cgm-measurement", True, 0),
        ("cgm-measurement", True, 5),
        ("cgm-measurement", True, 10),
        ("cgm-measurement", False, 11),
        ("cgm-session-start-time", False, None),
        ("cgm-measurement", True, 11),  # fetched again: the live record did not advance
        ("cgm-measurement", True, 15),
        ("cgm-session-start-time", False, None),
        ("cgm-measurement", True, 0),
    ]
    assert events[0].value == first
    assert events[1].connection.features["cgm-session-start-time"] == first
    assert events[-1].connection.features["cgm-session-start-time"] == second
    assert store.marks == {_key(first): 16, _key(second): 1}
    assert not sink.of(DecodeFailureEvent)


def test_cgm_without_session_start_fetches_all_and_enforces_the_e2e_crc() -> None:
    device = _cgm_device(None, [0, 5])
    store = MemoryHighWaterStore()
    sink = Collector()

    async def body(source: FakeSource, connector: FakeConnector) -> None:
        await until(lambda: len(sink.of(RecordTransferEvent)) == 1)
        connector.links[-1].notify(CGM_M, _cgm_record(7, crc=False))  # CRC is required
        await until(lambda: bool(sink.of(DecodeFailureEvent)))

    _run(device.link, sink, body, store)
    assert [r.operator for r in device.requests] == [RacpOperator.ALL_RECORDS]
    assert [m.sequence_number for m in sink.measurements()] == [0, 5]
    assert "cgm-session-start-time" not in sink.measurements()[0].connection.features
    (failure,) = sink.of(DecodeFailureEvent)
    assert failure.characteristic == "cgm-measurement"
    assert store.marks == {}


def test_cgm_undecodable_session_start_is_reported_and_records_still_fetched() -> None:
    device = _cgm_device(None, [3])
    device.reads[cgm.CGM_SESSION_START_TIME.uuid16] = cgm.encode_cgm_session_start_time(
        cgm.CgmSessionStartTime(DateTime(2026, 1, 2, 8, 0, 0), 4, DstOffset.STANDARD_TIME, False)
    )  # no E2E-CRC although the feature declares it
    sink = Collector()

    async def body(source: FakeSource, connector: FakeConnector) -> None:
        await until(lambda: len(sink.of(RecordTransferEvent)) == 1)

    _run(device.link, sink, body)
    (failure,) = sink.of(DecodeFailureEvent)
    assert failure.characteristic == "cgm-session-start-time"
    assert [m.sequence_number for m in sink.measurements()] == [3]
