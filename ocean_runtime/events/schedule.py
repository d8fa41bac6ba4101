"""Scheduled resyncs (``OCEAN__SCHEDULED_RESYNC_INTERVAL``, minutes), whatever the listener.

Ticks go through the ``ResyncTrigger``, so a tick during a long resync becomes one follow-up
run instead of a second resync running alongside (the reference starts a thread per tick).
"""

from __future__ import annotations

import asyncio

from .trigger import ResyncTrigger


async def schedule_resyncs(trigger: ResyncTrigger, *, interval_minutes: float) -> None:
    """Trigger a resync every ``interval_minutes`` (the first one an interval after start)."""
    while True:
        await asyncio.sleep(interval_minutes * 60)
        trigger.request(f"the {interval_minutes:g}-minute schedule")
