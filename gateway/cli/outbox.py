"""``phg outbox``: inspect and manage the durable outbox.

``list`` shows items (all, or one state) and the counts; ``show ID`` one item with its
server answer and bundle entries; ``retry`` puts quarantined items back in the queue (all or
the given ids); ``purge`` deletes done items (``--done``) or the named quarantined items, and
only with ``--yes``: pending items are never purged (they have not reached the server).

The outbox is ``--outbox PATH``, or the one of the configuration file (``--config``, default
``$PHG_CONFIG`` or /etc/phg/gateway.toml); both options may come before or after the action.

``list`` and ``show`` open the file read-only (they work while the daemon runs, and on a
read-only file system); ``retry`` and ``purge`` write, so they take the state directory's lock
(:mod:`gateway.daemon.statelock`; the state directory is the configuration's, or the outbox's
directory with ``--outbox``) and refuse while the daemon runs. A file that is not a PHG outbox
is refused and never changed.

Exit status: 0 done, 1 nothing matched or confirmation missing, 2 bad input or no outbox,
3 the daemon is running (``retry``, ``purge``).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path
from typing import Final

from gateway import exact_json
from gateway.cli.command import SHOW_ID, Action, Command, arg, config_arg, ids_arg, limit_arg
from gateway.cli.listing import EXIT_NOTHING, one_line, show
from gateway.cli.parsing import config_path
from gateway.daemon.statelock import StateDirBusyError, StateLock
from gateway.outbox import ItemState, OutboxError, OutboxItem, OutboxStore

EXIT_BAD_INPUT: Final = 2
EXIT_BUSY: Final = 3
WRITING: Final = frozenset({"retry", "purge"})


def _where(args: argparse.Namespace) -> tuple[Path, Path]:
    """(the outbox, its state directory)."""
    if args.outbox is not None and args.config is not None:
        raise ValueError("give --outbox or --config, not both")
    if args.outbox is not None:
        return Path(args.outbox), Path(args.outbox).parent
    from gateway.config import load_config

    config = load_config(config_path(args.config))
    return config.outbox_path, config.gateway.state_dir


def run(args: argparse.Namespace) -> int:
    try:
        path, state_dir = _where(args)
    except Exception as exc:  # ConfigError and friends: the message is for the user
        print(f"phg outbox: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not path.is_file():
        print(f"phg outbox: no outbox at {path}", file=sys.stderr)
        return EXIT_BAD_INPUT
    writes = args.action in WRITING
    try:
        lock = StateLock.acquire_existing(state_dir) if writes else None
    except StateDirBusyError as exc:
        print(f"phg outbox {args.action}: the daemon is running: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except OSError as exc:
        print(f"phg outbox: cannot lock the state directory {state_dir}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return _act(path, args, writes)
    finally:
        if lock is not None:
            lock.release()


def _act(path: Path, args: argparse.Namespace, writes: bool) -> int:
    try:
        store = OutboxStore(path, readonly=not writes)
    except (OutboxError, sqlite3.DatabaseError) as exc:
        print(f"phg outbox: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        action: int = ACTIONS[args.action](store, args)
        return action
    except OutboxError as exc:
        print(f"phg outbox: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except sqlite3.DatabaseError as exc:
        print(
            f"phg outbox: the outbox {path} is damaged ({exc}); `phg run` sets it aside and "
            "salvages what it can when it starts",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    finally:
        store.close()


def _list(store: OutboxStore, args: argparse.Namespace) -> int:
    state = None if args.state is None else ItemState(args.state)
    counts = store.counts()
    print("  ".join(f"{s.value}: {counts[s]}" for s in ItemState))
    items = store.list_items(state, args.limit)
    if items:
        header = f"{'ID':>8}  {'STATE':<11}  {'DEVICE':<20}  {'CREATED (UTC)':<23}"
        print(f"{header}  ENTRIES  TRIES  ERROR")
    for item in items:
        print(
            f"{item.id:>8}  {item.state.value:<11}  {item.device:<20}  "
            f"{item.created_at.strftime('%Y-%m-%d %H:%M:%S.%f')[:23]}  {len(item.entries):>7}  "
            f"{item.attempts:>5}  {one_line(item.last_error)}"
        )
    return 0


def _show(store: OutboxStore, args: argparse.Namespace) -> int:
    return show(store.get(args.id), _describe, f"phg outbox: no item {args.id}")


def _describe(item: OutboxItem) -> str:
    lines = [
        f"item {item.id}: {item.state.value}",
        f"device: {item.device}",
        f"created: {item.created_at.isoformat()}",
        f"attempts: {item.attempts}",
    ]
    if item.last_error:
        lines.append(f"last error: {item.last_error}")
    from gateway.status.summary import reading_lines  # the values in words; FHIR keeps codes

    values = reading_lines(e.resource for e in item.entries)
    if values:
        lines.append("reading: " + "; ".join(values))
    if item.outcome is not None:
        lines.append("server answer:")
        lines.append(exact_json.dumps(item.outcome, indent=2))
    lines.append("entries:")
    lines.append(exact_json.dumps([e.to_json() for e in item.entries], indent=2))
    return "\n".join(lines)


def _retry(store: OutboxStore, args: argparse.Namespace) -> int:
    count = store.retry(args.ids or None)
    print(f"{count} item(s) queued again")
    return 0 if count else EXIT_NOTHING


def _purge(store: OutboxStore, args: argparse.Namespace) -> int:
    if args.done == bool(args.ids):
        print("phg outbox purge: give either --done or quarantined item ids", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.ids:
        wrong = [
            i
            for i in args.ids
            if (item := store.get(i)) is None or item.state is not ItemState.QUARANTINED
        ]
        if wrong:
            print(
                f"phg outbox purge: not quarantined (or unknown), nothing deleted: {wrong}",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
    what = "every done item" if args.done else f"quarantined item(s) {args.ids}"
    if not args.yes:
        print(f"phg outbox purge: would delete {what}; add --yes to do it", file=sys.stderr)
        return EXIT_NOTHING
    count = store.purge_done() if args.done else store.purge_quarantined(args.ids)
    print(f"{count} item(s) deleted")
    return 0


ACTIONS: Final = {"list": _list, "show": _show, "retry": _retry, "purge": _purge}


COMMAND: Final = Command(
    "outbox",
    help="inspect the outbox: list, show, retry or purge stored readings",
    description=(
        "Inspect and manage the outbox of readings waiting for (or sent to) the FHIR server."
    ),
    run=run,
    shared=(
        arg("--outbox", type=Path, help="the outbox SQLite file"),
        config_arg("take the outbox from this configuration"),
    ),
    actions=(
        Action(
            "list",
            "list items and counts per state",
            (arg("--state", choices=[s.value for s in ItemState]), limit_arg("items")),
        ),
        Action("show", "show one item, its error and its bundle entries", (SHOW_ID,)),
        Action("retry", "send quarantined items again", (ids_arg("item ids (default: all)"),)),
        Action(
            "purge",
            "delete done items (--done) or the named quarantined items",
            (
                ids_arg("quarantined item ids"),
                arg("--done", action="store_true", help="delete every done item"),
                arg("--yes", action="store_true", help="confirm the deletion"),
            ),
        ),
    ),
)
