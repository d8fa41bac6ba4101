"""The POLLING listener: resync whenever Port holds a resync request newer than the last one.

Port records a resync request (``GET /v1/integration/{id}/resync-request``) when a user clicks
"resync" or edits the mapping. Unlike the reference, whose ``resyncOnStart`` is dead code, the
service resyncs once at start-up too (``listeners.py``); the request seen at start-up is
covered by that run.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ocean_runtime.errors import OceanError

from .trigger import ResyncTrigger

if TYPE_CHECKING:
    from ocean_runtime.port import PortClient

logger = logging.getLogger(__name__)


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
