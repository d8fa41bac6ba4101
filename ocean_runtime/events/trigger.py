"""``ResyncTrigger`` and ``run_resyncs``: every reason to resync feeds one worker.

A single worker runs the resyncs, so two never run at once. Requests that arrive while one
runs collapse into one follow-up run (a resync reads the current state of everything, so
running it twice in a row adds nothing). ``request_and_wait`` lets a caller that must know its
request was served (the Kafka listener commits its offset only then) wait for a resync that
*started after* the request to finish.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from ocean_runtime.errors import OceanError
from ocean_runtime.sync import ResyncReport, Status

logger = logging.getLogger(__name__)


class ResyncTrigger:
    """Coalescing resync requests: ``request()`` never blocks and never queues twice."""

    def __init__(self) -> None:
        self._pending = asyncio.Event()
        self._reasons: list[str] = []
        self._requested = 0  # tickets handed out so far
        self._taken = 0  # tickets covered by the resync running (or last run)
        self._waiters: list[tuple[int, asyncio.Future[ResyncReport]]] = []

    def request(self, reason: str) -> int:
        """Ask for a resync (``reason`` is logged); returns the request's ticket number."""
        self._requested += 1
        if reason not in self._reasons:
            self._reasons.append(reason)
        self._pending.set()
        return self._requested

    async def request_and_wait(self, reason: str) -> ResyncReport:
        """Ask for a resync and wait until one that started after this request has finished.

        Returns:
            That resync's report (status ``failed`` with the reason when it could not run).
        """
        ticket = self.request(reason)
        waiter: asyncio.Future[ResyncReport] = asyncio.get_running_loop().create_future()
        self._waiters.append((ticket, waiter))
        return await waiter

    async def wait(self) -> list[str]:
        """Wait for at least one request; return the reasons gathered and reset.

        The resync started next covers every request made until now.
        """
        await self._pending.wait()
        self._pending.clear()
        self._taken = self._requested
        reasons, self._reasons = self._reasons, []
        return reasons

    def finished(self, report: ResyncReport) -> None:
        """The resync started by the last ``wait()`` is over: release the requests it covered."""
        still: list[tuple[int, asyncio.Future[ResyncReport]]] = []
        for ticket, waiter in self._waiters:
            if ticket > self._taken:
                still.append((ticket, waiter))
            elif not waiter.done():
                waiter.set_result(report)
        self._waiters = still

    def abandon(self) -> None:
        """No resync will run any more (shutdown): cancel every waiter."""
        for _, waiter in self._waiters:
            waiter.cancel()
        self._waiters = []


async def run_resyncs(
    trigger: ResyncTrigger,
    resync: Callable[[], Awaitable[ResyncReport]],
    *,
    on_report: Callable[[ResyncReport], None] | None = None,
) -> None:
    """Run a resync for each (coalesced) request, forever; failures are logged, not fatal."""
    try:
        while True:
            reasons = await trigger.wait()
            logger.info("Resync triggered by %s", ", ".join(reasons))
            try:
                report = await resync()
            except OceanError as exc:
                # A mapping edited in Port, Port down for a while…: say so and wait for the next trigger.
                logger.error("Resync failed: %s", exc)
                report = ResyncReport(status=Status.FAILED, errors=[str(exc)])
            else:
                if on_report is not None:
                    on_report(report)
            trigger.finished(report)
    finally:
        trigger.abandon()
