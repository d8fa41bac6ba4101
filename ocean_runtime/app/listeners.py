"""What makes a long-running integration resync: start-up, Port's requests, a schedule.

All triggers feed one ``ResyncTrigger``. A single worker runs the resyncs, so two never run at
once; requests that arrive while one runs collapse into one follow-up run (a resync reads the
current state of everything, so running it twice in a row adds nothing).

- start-up: one resync as soon as the service starts (the reference's POLLING listener never
  does — its ``resyncOnStart`` is dead code);
- POLLING: ``GET /v1/integration/{id}/resync-request`` every ``interval`` seconds; a request
  whose ``updatedAt`` is newer than the last one seen triggers;
- schedule: every ``scheduled_resync_interval`` minutes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ocean_runtime.errors import OceanError

if TYPE_CHECKING:
    from ocean_runtime.port import PortClient
    from ocean_runtime.sync import ResyncReport

logger = logging.getLogger(__name__)


class ResyncTrigger:
    """Coalescing resync requests: ``request()`` never blocks and never queues twice."""

    def __init__(self) -> None:
        self._pending = asyncio.Event()
        self._reasons: list[str] = []

    def request(self, reason: str) -> None:
        """Ask for a resync (``reason`` is logged)."""
        if reason not in self._reasons:
            self._reasons.append(reason)
        self._pending.set()

    async def wait(self) -> list[str]:
        """Wait for at least one request; return the reasons gathered and reset."""
        await self._pending.wait()
        self._pending.clear()
        reasons, self._reasons = self._reasons, []
        return reasons


async def run_resyncs(
    trigger: ResyncTrigger,
    resync: Callable[[], Awaitable[ResyncReport]],
    *,
    on_report: Callable[[ResyncReport], None] | None = None,
) -> None:
    """Run a resync for each (coalesced) request, forever; failures are logged, not fatal."""
    while True:
        reasons = await trigger.wait()
        logger.info("Resync triggered by %s", ", ".join(reasons))
        try:
            report = await resync()
        except OceanError as exc:
            # A mapping edited in Port, Port down for a while…: say so and wait for the next trigger.
            logger.error("Resync failed: %s", exc)
            continue
        if on_report is not None:
            on_report(report)


async def poll_resync_requests(
    port: PortClient, trigger: ResyncTrigger, *, interval_seconds: float, initial: str | None = None
) -> None:
    """Trigger a resync whenever Port holds a resync request newer than the last one seen.

    Args:
        port: the integration's Port client.
        trigger: where to ask for resyncs.
        interval_seconds: seconds between two polls.
        initial: ``updatedAt`` of the request already seen at start-up (covered by the
            start-up resync).
    """
    last_seen = initial
    while True:
        await asyncio.sleep(interval_seconds)
        try:
            request = await port.get_resync_request()
        except OceanError as exc:
            logger.warning("Could not fetch Port's resync request (will retry): %s", exc)
            continue
        updated_at = request.get("updatedAt") if request else None
        if isinstance(updated_at, str) and is_newer(updated_at, last_seen):
            last_seen = updated_at
            trigger.request("a resync request from Port")


async def current_request_stamp(port: PortClient) -> str | None:
    """``updatedAt`` of Port's current resync request, or None (errors count as none)."""
    try:
        request = await port.get_resync_request()
    except OceanError as exc:
        logger.warning("Could not fetch Port's resync request: %s", exc)
        return None
    stamp = request.get("updatedAt") if request else None
    return stamp if isinstance(stamp, str) else None


async def schedule_resyncs(trigger: ResyncTrigger, *, interval_minutes: float) -> None:
    """Trigger a resync every ``interval_minutes`` (the first one an interval after start)."""
    while True:
        await asyncio.sleep(interval_minutes * 60)
        trigger.request(f"the {interval_minutes:g}-minute schedule")


def is_newer(stamp: str, than: str | None) -> bool:
    """True when ISO timestamp ``stamp`` is later than ``than`` (anything beats None)."""
    if than is None:
        return True
    try:
        return _parse(stamp) > _parse(than)
    except ValueError:
        return stamp > than


def _parse(stamp: str) -> datetime:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
