"""Webhook events that could not be processed: never dropped silently.

Each failure is logged (with the event id), kept in a short in-memory list (``/health/live-events``
shows it) and shipped to Port's log ingest as an ERROR record with ``extra.category =
"webhook"``, so Port — or the harbor's integration page — lists it with the mapping problems.
Shipping is batched and best effort: a burst of failures costs one request, and Port being down
never blocks the queues.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ocean_runtime.port import PortClient

    from .event import WebhookEvent

logger = logging.getLogger(__name__)

RECENT_FAILURES_KEPT = 50
SHIP_DELAY_SECONDS = 0.5


@dataclass(frozen=True)
class WebhookFailure:
    """One event (or one resource of it) that failed.

    Attributes:
        event_id: the event's id (the ``id`` of its 202 answer).
        path: the webhook path.
        message: what went wrong.
        kind: the kind it failed for, when known.
        at: Unix time of the failure.
    """

    event_id: str
    path: str
    message: str
    kind: str | None
    at: float


class FailureLog:
    """Records webhook failures (see the module docstring).

    Args:
        port: where to ship the records (None: log and keep only).
        keep: how many recent failures to keep in memory.
    """

    def __init__(self, port: PortClient | None, *, keep: int = RECENT_FAILURES_KEPT) -> None:
        self._port = port
        self.recent: deque[WebhookFailure] = deque(maxlen=keep)
        self.total = 0
        self._unshipped: list[dict[str, Any]] = []
        self._shipping: asyncio.Task[None] | None = None

    def record(self, event: WebhookEvent, message: str, *, kind: str | None = None) -> WebhookFailure:
        """Log, keep and (soon) ship one failure."""
        failure = WebhookFailure(event.id, event.path, message, kind, time.time())
        self.total += 1
        self.recent.append(failure)
        where = f" ({kind})" if kind else ""
        logger.error(
            "Webhook event %s on %s failed%s: %s",
            event.id,
            event.path,
            where,
            message,
            extra={"category": "webhook", "event_id": event.id, "webhook_path": event.path},
        )
        self._unshipped.append(_log_record(failure))
        if self._port is not None and self._shipping is None:
            self._shipping = asyncio.create_task(self._ship_soon(), name="webhook-failures")
        return failure

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready: the total and the recent failures, newest last."""
        return {"failed": self.total, "recent": [asdict(failure) for failure in self.recent]}

    async def flush(self) -> None:
        """Ship what is pending now (at shutdown)."""
        if self._shipping is not None:
            self._shipping.cancel()
            self._shipping = None
        await self._ship()

    async def _ship_soon(self) -> None:
        await asyncio.sleep(SHIP_DELAY_SECONDS)
        self._shipping = None
        await self._ship()

    async def _ship(self) -> None:
        records, self._unshipped = self._unshipped, []
        if not records or self._port is None:
            return
        try:
            await self._port.ingest_logs(records)  # best effort: never raises for Port's sake
        except Exception:  # not even for a bug: the failures are logged and kept already
            logger.exception("Could not ship %d webhook failure record(s) to Port", len(records))


def _log_record(failure: WebhookFailure) -> dict[str, Any]:
    extra: dict[str, Any] = {"category": "webhook", "eventId": failure.event_id, "path": failure.path}
    if failure.kind:
        extra["kind"] = failure.kind
    return {
        "message": f"webhook event {failure.event_id} on {failure.path}: {failure.message}",
        "level": "ERROR",
        "timestamp": datetime.fromtimestamp(failure.at, UTC).isoformat(),
        "extra": extra,
    }
