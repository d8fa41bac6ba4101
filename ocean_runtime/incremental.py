"""Incremental sync: a cursor per (kind, resource index), kept in Port between runs.

    from ocean_runtime import ocean, updated_since

    @ocean.on_resync("issue")
    async def issues(kind: str):
        since = await updated_since()           # None on a full resync: fetch everything
        params = {"updated_since": since.isoformat()} if since else {}
        async for batch in paginate(jira, "/search", params=params, paginator="offset"):
            yield batch

How a run uses the cursors (``CursorTracker``):

- **incremental run**: ``updated_since()`` answers the stored cursor of the handler's
  (kind, index) — ``GET /v1/integration/{id}/cursor?kind=&index=`` — or None when there is none
  yet. Only changed items are fetched, so the run upserts but never deletes: an item missing
  from a delta is not gone. (The pipeline is told so through ``ResyncOptions(reconcile=False)``.)
- **full run**: ``updated_since()`` answers None; everything is fetched and reconcile deletes
  what is gone, as always.
- after either, the cursor of every (kind, index) that asked for it **and completed** moves to
  the moment the run *started* (so items changed during the run are fetched again next time,
  never skipped). A failed kind keeps its cursor: the next run retries the same window.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ocean_runtime.context import current_scope
from ocean_runtime.errors import OceanError, UserInputError

if TYPE_CHECKING:
    from ocean_runtime.config import OceanSettings
    from ocean_runtime.port import PortClient
    from ocean_runtime.sync import ResyncReport

logger = logging.getLogger(__name__)

CursorKey = tuple[str, int]

_tracker: ContextVar[CursorTracker | None] = ContextVar("ocean_cursor_tracker", default=None)


class CursorTracker:
    """The cursors of one resync: read on demand, advanced for the kinds that completed.

    Args:
        port: the integration's Port client.
        incremental: True for an incremental run (cursors are read), False for a full one.
        started_at: when the run started; the value cursors advance to.
    """

    def __init__(self, port: PortClient, *, incremental: bool, started_at: datetime) -> None:
        self.port = port
        self.incremental = incremental
        self.started_at = started_at
        self._read: dict[CursorKey, datetime | None] = {}

    async def since(self, kind: str, index: int) -> datetime | None:
        """The (kind, index) cursor on an incremental run; None on a full run or with no cursor."""
        key = (kind, index)
        if key not in self._read:
            self._read[key] = await self._load(kind, index) if self.incremental else None
        return self._read[key]

    async def _load(self, kind: str, index: int) -> datetime | None:
        stored = await self.port.cursors.get(kind, index)
        primary = stored.get("primary") if isinstance(stored, dict) else None
        if not isinstance(primary, str):
            return None
        try:
            moment = datetime.fromisoformat(primary)
        except ValueError:
            logger.warning("Unreadable cursor %r of %s[%d]: fetching everything", primary, kind, index)
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    async def advance(self, report: ResyncReport) -> list[CursorKey]:
        """Move the cursors of the kinds that asked for one and completed; returns their keys.

        A cursor that cannot be saved is logged, not raised: the next run then re-reads a
        window it has already seen, which costs time but loses nothing.
        """
        from ocean_runtime.sync import Status

        advanced: list[CursorKey] = []
        completed = {(kind.kind, kind.index) for kind in report.kinds if kind.status == Status.COMPLETED}
        for key in self._read:
            if key not in completed:
                logger.info("Keeping the cursor of %s[%d]: the kind did not complete", *key)
                continue
            try:
                await self.port.cursors.put(key[0], key[1], {"primary": self.started_at.isoformat()})
            except OceanError as exc:
                logger.warning("Could not save the cursor of %s[%d]: %s", key[0], key[1], exc)
                continue
            advanced.append(key)
        return advanced


@asynccontextmanager
async def track_cursors(port: PortClient, *, incremental: bool) -> AsyncIterator[CursorTracker]:
    """Make a ``CursorTracker`` what ``updated_since()`` uses inside the block."""
    tracker = CursorTracker(port, incremental=incremental, started_at=datetime.now(UTC))
    token = _tracker.set(tracker)
    try:
        yield tracker
    finally:
        _tracker.reset(token)


async def updated_since() -> datetime | None:
    """When the running handler's kind was last synced, for fetching only what changed since.

    Returns:
        The cursor of this handler's (kind, resource index) on an incremental run; None on a
        full resync, on the first incremental run of a kind, or outside a resync — in which
        case the handler must fetch everything.
    """
    tracker = _tracker.get()
    scope = current_scope()
    if tracker is None or scope is None or scope.resource_config is None:
        return None
    resource = scope.resource_config
    index = next(
        (i for i, candidate in enumerate(scope.port_app_config.resources) if candidate is resource), None
    )
    if index is None:
        return None
    return await tracker.since(resource.kind, index)


def incremental_enabled(settings: OceanSettings) -> bool:
    """``OCEAN__INTEGRATION__INCREMENTAL_SYNC_ENABLED``: the reference's switch for incremental ONCE runs.

    Raises:
        UserInputError: the value is not a boolean.
    """
    extra = settings.integration.model_extra or {}
    value = extra.get("incremental_sync_enabled", False)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    raise UserInputError(
        f"incremental_sync_enabled = {value!r} is not a boolean",
        location="OCEAN__INTEGRATION__INCREMENTAL_SYNC_ENABLED",
        fix="set it to true or false",
    )
