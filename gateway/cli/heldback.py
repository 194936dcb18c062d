"""``phg heldback``: the readings the gateway kept but did not upload
(``<state_dir>/heldback.sqlite``, see docs/daemon.md).

``list`` shows the counts per kind and the rows (all, or one ``--kind``); ``show ID`` one row
with its raw bytes, what they decode to and the connection facts; ``remap`` maps the
``held-back`` readings (those whose user index or device had no Patient binding) again with
the configuration as it is now and puts those that map into the outbox, exactly once: a
remapped row leaves the held-back store, so a second ``remap`` adds nothing (``--dry-run``
only says what would happen; ``IDS`` limit it to some rows).

The files are those of the configuration (``--config``, default ``$PHG_CONFIG`` or
/etc/phg/gateway.toml). The daemon may keep running meanwhile.
Exit status: 0 done, 1 no such row, 2 bad input (configuration, no held-back store).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
from typing import TYPE_CHECKING, Final

from gateway.cli.command import SHOW_ID, Action, Command, arg, config_arg, ids_arg, limit_arg
from gateway.cli.listing import EXIT_NOTHING, one_line, show
from gateway.cli.parsing import config_path
from gateway.daemon import heldback
from gateway.daemon.heldback import KeptRow

if TYPE_CHECKING:
    from gateway.config.settings import GatewayConfig

EXIT_BAD_INPUT: Final = 2
KINDS: Final = (
    "held-back",
    "discarded",
    "unmapped",
    "decode-failed",
    "outbox-failed",
    "awaiting-join",
)


def run(args: argparse.Namespace) -> int:
    from gateway.config import load_config

    path = config_path(args.config)
    try:
        config = load_config(path)
    except Exception as exc:  # ConfigError and friends: the message is for the user
        print(f"phg heldback: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    kept = config.heldback_path
    try:
        conn = (
            heldback.open_writable(kept)
            if args.action == "remap" and not args.dry_run and kept.is_file()
            else heldback.open_readonly(kept)
        )
    except (OSError, sqlite3.Error) as exc:
        print(f"phg heldback: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        if args.action == "list":
            return _list(conn, args)
        if args.action == "show":
            return _show(conn, args)
        return _remap(conn, args, config)
    except sqlite3.Error as exc:
        print(f"phg heldback: {kept}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        conn.close()


def _list(conn: sqlite3.Connection, args: argparse.Namespace) -> int:
    counts = heldback.kinds_count(conn)
    print("  ".join(f"{kind}: {counts.get(kind, 0)}" for kind in KINDS))
    found = heldback.rows(conn, (args.kind,) if args.kind else (), limit=args.limit)
    if found:
        print(
            f"{'ID':>7}  {'KIND':<13}  {'ADDRESS':<17}  USER  {'RECEIVED (UTC)':<19}  "
            "CHARACTERISTIC / REASON"
        )
    for row in found:
        user = "" if row.user_index is None else str(row.user_index)
        received = row.received_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        print(
            f"{row.id:>7}  {row.kind:<13}  {row.address:<17}  {user:>4}  {received}  "
            f"{row.characteristic}: {one_line(row.reason)}"
        )
    return 0


def _show(conn: sqlite3.Connection, args: argparse.Namespace) -> int:
    found = heldback.rows(conn, ids=(args.id,))
    return show(found[0] if found else None, describe, f"phg heldback: no row {args.id}")


def describe(row: KeptRow) -> str:
    from gateway.daemon.record_join import decode_kept
    from gateway.exact_json import dumps
    from gateway.measurement_json import to_jsonable

    lines = [
        f"row {row.id}: {row.kind}",
        f"reason: {row.reason}",
        f"address: {row.address}",
        f"characteristic: {row.characteristic} (0x{row.uuid16:04X})",
        f"received: {row.received_at.isoformat()}",
        f"kept: {row.kept_at}",
        f"stored record: {'yes' if row.stored else 'no'}",
    ]
    if row.user_index is not None:
        lines.append(f"user index: {row.user_index}")
    if row.sequence_number is not None:
        lines.append(f"sequence number: {row.sequence_number}")
    lines.append(f"raw: {row.raw.hex()}")
    try:
        lines.append(f"decoded: {dumps(to_jsonable(decode_kept(row.uuid16, row.raw)))}")
    except Exception as exc:
        lines.append(f"decoded: (does not decode: {exc})")
    lines.append("connection facts:")
    lines.append(json.dumps(json.loads(row.facts), indent=2, sort_keys=True))
    return "\n".join(lines)


def _remap(conn: sqlite3.Connection, args: argparse.Namespace, config: GatewayConfig) -> int:
    from gateway.daemon.remap import REMAPPED_KINDS, remap
    from gateway.fhir.connection import Mapped
    from gateway.outbox import OutboxError, OutboxStore, entries_of

    found = heldback.rows(conn, REMAPPED_KINDS, tuple(args.ids))
    if args.ids and len(found) != len(set(args.ids)):
        missing = sorted(set(args.ids) - {r.id for r in found})
        print(f"phg heldback remap: not held back (or unknown): {missing}", file=sys.stderr)
        return EXIT_NOTHING
    store: OutboxStore | None = None
    if found and not args.dry_run:
        try:
            store = OutboxStore(
                config.outbox_path, max_bytes=int(config.outbox.max_size_mb * 1024 * 1024)
            )
        except OutboxError as exc:
            print(f"phg heldback remap: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT

    def put(device: str, reading: Mapped) -> int:
        assert store is not None
        [item] = store.insert_many([(device, entries_of(reading))])
        return item

    try:
        report = remap(
            conn,
            found,
            put,
            config.gateway.phg(),
            config.gateway.zone(),
            config.bindings(),
            dry_run=args.dry_run,
        )
    except OutboxError as exc:
        print(f"phg heldback remap: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        if store is not None:
            store.close()
    verb = "would be put" if args.dry_run else "put"
    print(f"{len(report.remapped)} held-back reading(s) {verb} into the outbox")
    for row_id, item in report.remapped:
        print(f"  row {row_id}" + ("" if args.dry_run else f" -> outbox item {item}"))
    if report.still_held:
        print(f"{len(report.still_held)} still held back:")
        for row_id, why in report.still_held:
            print(f"  row {row_id}: {one_line(why)}")
    return 0


COMMAND: Final = Command(
    "heldback",
    help="readings kept but not uploaded: list, show, remap after a binding was added",
    description="Inspect the readings the gateway kept but did not upload, and map the "
    "held-back ones again once their Patient binding is configured.",
    run=run,
    shared=(config_arg("the gateway configuration"),),
    actions=(
        Action(
            "list",
            "counts per kind and the rows",
            (arg("--kind", choices=KINDS), limit_arg("rows")),
        ),
        Action("show", "one row: bytes, decoded, facts", (SHOW_ID,)),
        Action(
            "remap",
            "map held-back readings with today's bindings",
            (
                ids_arg("rows (default: all)"),
                arg("--dry-run", action="store_true", help="only say what would happen"),
            ),
        ),
    ),
)
