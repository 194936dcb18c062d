"""The daemon's PhdDevice facts come from the one tested converter
(``gateway.fhir.device_facts.phd_device_info``, G6): placeholder System IDs are never
identifiers, the Regulatory Certification Data List sets regulated/Continua version, and an
address that is not a MAC does not make the pipeline raise."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from gateway.backoff import Backoff
from gateway.ble.events import MeasurementEvent
from gateway.daemon.pipeline import Pipeline
from gateway.fhir.patient import PatientBinding, PatientId
from gateway.outbox import ItemState, Outbox
from gateway.upload.client import FhirClient, ServerConfig
from gateway.upload.uploader import Uploader
from profiles.device_information import DeviceInformation, decode_regulatory_certification_data_list
from tests.daemon.fakes import PHG, FakeKept, FakeOutbox, bp_event, facts
from tests.daemon.fhir_search import search
from tests.fhirserver.plugin import StartFhirServer

MAC = "AA:BB:CC:DD:EE:01"
NOT_A_MAC = "5E3C2B1A-0000-4000-8000-00805F9B34FB"  # a macOS CoreBluetooth identifier
# Continua body struct v6.0, then ContinuaRegStruct 0x8000 (unregulated device).
REG_CERT_UNREGULATED = bytes.fromhex("00020012" + "020100080600000100024008" + "020200028000")


def event_from(address: str, dis: DeviceInformation) -> MeasurementEvent:
    connection = dataclasses.replace(facts(address), device_information=dis)
    return bp_event(130, connection=connection)


def run(event: MeasurementEvent) -> tuple[FakeOutbox, FakeKept]:
    outbox, kept = FakeOutbox(), FakeKept()
    bindings = {event.connection.address: PatientBinding(PatientId("p"))}
    asyncio.run(Pipeline(outbox, kept, PHG, dt.UTC, bindings)(event))
    return outbox, kept


def phd_device(outbox: FakeOutbox) -> dict[str, Any]:
    [(_, mapped)] = outbox.puts
    devices = [
        p.entry.resource
        for p in mapped.participants
        if p.entry is not None
        and p.entry.resource["resourceType"] == "Device"
        and "PhdDevice" in p.entry.resource["meta"]["profile"][0]
    ]
    [device] = devices
    return device


def id_types(device: dict[str, Any]) -> dict[str, str]:
    return {i["type"]["coding"][0]["code"]: i["value"] for i in device["identifier"]}


def test_all_zero_and_all_ff_system_ids_are_not_identifiers() -> None:
    for placeholder in (bytes(8), b"\xff" * 8):
        dis = DeviceInformation(manufacturer="m", model="x", system_id=placeholder)
        outbox, kept = run(event_from(MAC, dis))
        assert kept.kept == []
        assert id_types(phd_device(outbox)) == {"BTMAC": "AA-BB-CC-DD-EE-01"}


def test_regulated_and_continua_version_when_the_device_reports_them() -> None:
    dis = DeviceInformation(
        manufacturer="m",
        model="x",
        firmware_revision="1",
        regulatory_certification=decode_regulatory_certification_data_list(REG_CERT_UNREGULATED),
    )
    device = phd_device(run(event_from(MAC, dis))[0])
    versions = {v["type"]["coding"][0]["code"]: v["value"] for v in device["version"]}
    assert versions["532352"] == "6.0"  # MDC_REG_CERT_DATA_CONTINUA_VERSION
    negated = [p for p in device["property"] if p["type"]["coding"][0]["code"] == "532354.0"]
    assert negated[0]["valueCode"][0]["coding"][0]["code"] == "Y"  # Y = not regulated


def test_an_address_that_is_not_a_mac_does_not_raise() -> None:
    dis = DeviceInformation(
        manufacturer="m", model="x", system_id=bytes.fromhex("0807060504030201")
    )
    outbox, kept = run(event_from(NOT_A_MAC, dis))
    assert kept.kept == []
    assert id_types(phd_device(outbox)) == {"SYSID": "01-02-03-04-05-06-07-08"}
    # Without a System ID either, the device cannot be identified: the reading is kept.
    outbox, kept = run(event_from(NOT_A_MAC, DeviceInformation(manufacturer="m")))
    assert outbox.puts == []
    assert kept.kinds() == ["unmapped"]
    assert "cannot be identified" in kept.kept[0].reason


@pytest.mark.integration
def test_a_device_without_strings_is_accepted_by_the_server(
    tmp_path: Path, start_fhir_server: StartFhirServer
) -> None:
    """The data-absent-reason form of the PhdDevice goes through a real server."""
    server = start_fhir_server()
    event = event_from(MAC, DeviceInformation())

    async def store_and_upload() -> dict[ItemState, int]:
        outbox = await Outbox.open(tmp_path / "outbox.sqlite")
        client = FhirClient(ServerConfig(server.base_url))
        try:
            bindings = {MAC: PatientBinding(PatientId("p"))}
            await Pipeline(outbox, FakeKept(), PHG, dt.UTC, bindings)(event)
            await Uploader(outbox, client, backoff=Backoff(initial=0.05, maximum=0.5)).drain()
            return await outbox.counts()
        finally:
            await client.aclose()
            await outbox.close()

    counts = asyncio.run(store_and_upload())
    assert counts[ItemState.DONE] == 1
    [device] = [
        d for d in search(server.base_url, "Device") if "PhdDevice" in d["meta"]["profile"][0]
    ]
    assert device["_manufacturer"]["extension"][0]["valueCode"] == "unknown"
