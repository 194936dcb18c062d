"""Where the status server's data comes from: the :class:`~gateway.status.board.StatusBoard`
plus what only the outbox knows (items per state, the quarantined items with the server's
reason), read on the outbox's own thread, and what the held-back store keeps (rows per kind,
the newest records whose bytes did not decode, with their reason)."""

from __future__ import annotations

from typing import Any, Final

from gateway.daemon.heldback import HeldBackStore, KeptRow
from gateway.outbox import ItemState, Outbox, OutboxItem
from gateway.status.board import StatusBoard

QUARANTINE_SHOWN: Final = 20
UNDECODABLE_SHOWN: Final = 20
RAW_SHOWN: Final = 64
"""Bytes of an undecodable value shown (hex); ``phg heldback show ID`` has them all."""


def _diagnostics(item: OutboxItem) -> list[str]:
    out: list[str] = []
    for issue in (item.outcome or {}).get("issue") or []:
        if isinstance(issue, dict):
            text = issue.get("diagnostics") or (issue.get("details") or {}).get("text")
            if text:
                out.append(str(text)[:300])
    return out[:3]


def quarantined_json(item: OutboxItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "device": item.device,
        "created_at": item.created_at.isoformat(),
        "attempts": item.attempts,
        "error": item.last_error,
        "diagnostics": _diagnostics(item),
    }


def undecodable_json(row: KeptRow) -> dict[str, Any]:
    raw = row.raw[:RAW_SHOWN].hex() + ("..." if len(row.raw) > RAW_SHOWN else "")
    return {
        "id": row.id,
        "device": row.address,
        "characteristic": row.characteristic,
        "received_at": row.received_at.isoformat(),
        "reason": row.reason,
        "raw": raw,
    }


class DaemonStatus:
    def __init__(
        self, board: StatusBoard, outbox: Outbox, kept: HeldBackStore | None = None
    ) -> None:
        self.board = board
        self.outbox = outbox
        self.kept = kept

    async def snapshot(self) -> dict[str, Any]:
        counts = await self.outbox.counts()
        items = await self.outbox.run(
            self.outbox.store.list_items, ItemState.QUARANTINED, QUARANTINE_SHOWN
        )
        status = self.board.snapshot(
            {state.value: n for state, n in counts.items()}, [quarantined_json(i) for i in items]
        )
        if self.kept is not None:
            status["kept"] = await self.kept.counts()
            undecodable = await self.kept.undecodable(UNDECODABLE_SHOWN)
            status["undecodable"] = [undecodable_json(r) for r in undecodable]
        return status

    async def metrics(self) -> str:
        counts = await self.outbox.counts()
        for state, n in counts.items():
            self.board.metrics.outbox.set(n, state.value)
        return self.board.metrics.render()

    async def health(self) -> dict[str, Any]:
        """Raises when the outbox cannot be read (then ``/healthz`` answers 503)."""
        counts = await self.outbox.counts()
        return {
            "status": "ok",
            "outbox_pending": counts[ItemState.PENDING],
            "fhir_ok": self.board.fhir.ok,
            "devices_connected": sum(
                1 for d in self.board.devices.values() if d.state == "connected"
            ),
        }
