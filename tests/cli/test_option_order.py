"""Options may come before or after positional arguments and sub-command actions."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from gateway.cli import build_parser, main
from gateway.cli.parsing import CommandParser
from gateway.outbox import OutboxStore

BP_HEX = "1e780050005d00ea070b16081e2d4800022d00"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_every_command_parses_options_in_any_order() -> None:
    parser = build_parser()
    (commands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert commands.choices
    for name, command in commands.choices.items():
        assert isinstance(command, CommandParser), name


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "gateway.toml"
    path.write_text(
        f'[gateway]\nstate_dir = "{tmp_path}"\n[fhir]\nbase_url = "https://fhir.example.org/r4"\n',
        encoding="utf-8",
    )
    OutboxStore(tmp_path / "outbox.sqlite").close()
    return path


@pytest.mark.parametrize(
    "argv",
    [
        ["outbox", "--config", "{config}", "list"],
        ["outbox", "list", "--config", "{config}"],
        ["outbox", "list", "--limit", "5", "--config", "{config}"],
        ["outbox", "list", "--outbox", "{outbox}"],
    ],
)
def test_outbox_options_before_or_after_the_action(
    capsys: pytest.CaptureFixture[str], config: Path, argv: list[str]
) -> None:
    where = {"config": str(config), "outbox": str(config.parent / "outbox.sqlite")}
    code, out, err = run(capsys, *(arg.format(**where) for arg in argv))
    assert (code, err) == (0, "")
    assert out.startswith("pending: 0")


def test_outbox_and_config_together_are_refused(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    outbox = str(config.parent / "outbox.sqlite")
    code, out, err = run(capsys, "outbox", "--outbox", outbox, "list", "--config", str(config))
    assert (code, out) == (2, "")
    assert err == "phg outbox: give --outbox or --config, not both\n"


def test_decode_option_between_positionals(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "decode", "2A35", "--indent", "2", BP_HEX)
    assert code == 0
    assert json.loads(out)["value"]["systolic"] == 120
    assert out.startswith("{\n  ")


def test_map_options_between_positionals(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    info = tmp_path / "device.json"
    info.write_text('{"bluetooth_address": "B0:49:5F:00:10:71"}', encoding="utf-8")
    code, out, _ = run(
        capsys,
        "map",
        "2A35",
        BP_HEX[:14],
        "--user",
        "2=p1",
        BP_HEX[14:],
        "--device-info",
        str(info),
        "--received-at",
        "2026-11-22T08:31:00Z",
    )
    assert code == 0
    assert json.loads(out)["type"] == "transaction"


def test_validate_option_between_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for path in (first, second):
        path.write_text('{"resourceType": "Patient", "id": "p"}', encoding="utf-8")
    profile = "http://hl7.org/fhir/StructureDefinition/Patient"
    code, out, _ = run(capsys, "validate", str(first), "--profile", profile, str(second))
    assert code == 0
    assert out.splitlines()[-1].startswith("2 file(s) validated")


def test_simulate_keeps_the_simulators_options(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["simulate", "bp", "--adapter", "hci1", "--seed", "7"])
    assert (args.device, args.options) == ("bp", ["--adapter", "hci1", "--seed", "7"])
