"""Where the status server's data comes from: the :class:`~gateway.status.board.StatusBoard`
plus what only the outbox knows (items per state, the quarantined items with the server's
reason), read on the outbox's own thread."""

from __future__ import annotations

from typing import Any, Final

from gateway.outbox import ItemState, Outbox, OutboxItem
from gateway.status.board import StatusBoard

QUARANTINE_SHOWN: Final = 20


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


class DaemonStatus:
    def __init__(self, board: StatusBoard, outbox: Outbox) -> None:
        self.board = board
        self.outbox = outbox

    async def snapshot(self) -> dict[str, Any]:
        counts = await self.outbox.counts()
        items = await self.outbox.run(
            self.outbox.store.list_items, ItemState.QUARANTINED, QUARANTINE_SHOWN
        )
        return self.board.snapshot(
            {state.value: n for state, n in counts.items()}, [quarantined_json(i) for i in items]
        )

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
