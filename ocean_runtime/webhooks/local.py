"""``LocalLiveEventsBackend``: accepted events in per-key FIFO queues, in this process.

    submit ──► groups[key] (a deque) ──► one drain task per non-empty key ──► process(event)
                                           (at most ``concurrency`` events in flight overall)

A key's events are processed strictly one after the other; different keys run concurrently.
The total held is bounded (``max_pending``): beyond it ``submit`` refuses, so the sender gets
a 503 and retries instead of the process running out of memory.

``process`` raising means "deliver again later" (Port unreachable…): the event stays at the
head of its queue — later events of the key wait, so their order holds — and is redelivered
after ``redelivery_delays``; when those run out it is given up and reported to ``on_gave_up``.
On ``stop`` the queues are drained until the deadline; what is left is reported the same way.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

from .backend import BackendUnavailableError, ProcessEvent
from .event import WebhookEvent

logger = logging.getLogger(__name__)

GaveUp = Callable[[WebhookEvent, str], Awaitable[None]]
DEFAULT_REDELIVERY_DELAYS = (1.0, 2.0, 4.0)
SHUTDOWN_RETRY_AFTER_SECONDS = 5.0


class LocalLiveEventsBackend:
    """In-memory, per-key ordered, bounded queues (see the module docstring).

    Args:
        max_pending: most events held (queued and in flight); ``submit`` refuses beyond.
        concurrency: most events processed at once, across keys.
        redelivery_delays: waits before each redelivery of an event whose processing raised.
        on_gave_up: told about each event that will never be processed, and why.
    """

    def __init__(
        self,
        *,
        max_pending: int = 10_000,
        concurrency: int = 32,
        redelivery_delays: Sequence[float] = DEFAULT_REDELIVERY_DELAYS,
        on_gave_up: GaveUp | None = None,
    ) -> None:
        self._max_pending = max_pending
        self._slots = asyncio.Semaphore(concurrency)
        self._delays = tuple(redelivery_delays)
        self._on_gave_up = on_gave_up
        self._groups: dict[str, deque[WebhookEvent]] = {}
        self._drains: dict[str, asyncio.Task[None]] = {}
        self._held = 0
        self._process: ProcessEvent | None = None
        self._stopping = False

    async def start(self, process: ProcessEvent) -> None:
        """Begin delivering to ``process`` (events submitted before are delivered too)."""
        self._process = process
        for key in self._groups:
            self._ensure_drain(key)

    async def submit(self, event: WebhookEvent) -> None:
        """Queue ``event`` behind the other events of its key.

        Raises:
            BackendUnavailableError: shutting down, or ``max_pending`` events are held.
        """
        if self._stopping:
            raise BackendUnavailableError("shutting down", retry_after=SHUTDOWN_RETRY_AFTER_SECONDS)
        if self._held >= self._max_pending:
            raise BackendUnavailableError(f"{self._held} events are waiting already", retry_after=1.0)
        self._groups.setdefault(event.group_key, deque()).append(event)
        self._held += 1
        self._ensure_drain(event.group_key)

    def depth(self) -> int:
        """Events queued or being processed."""
        return self._held

    async def stop(self, deadline: float) -> None:
        """Refuse new events, process the held ones until ``deadline`` (``time.monotonic()``)."""
        self._stopping = True
        drains = list(self._drains.values())
        if drains:
            await asyncio.wait(drains, timeout=max(deadline - time.monotonic(), 0.0))
        for task in drains:
            task.cancel()
        await asyncio.gather(*drains, return_exceptions=True)
        left = [event for queue in self._groups.values() for event in queue]
        self._groups.clear()
        self._held = 0
        if left:
            logger.error(
                "Shutting down with %d accepted webhook event(s) not processed (ids: %s)",
                len(left),
                ", ".join(event.id for event in left[:20]),
            )
        for event in left:
            await self._gave_up(event, "not processed before the shutdown deadline")

    # -- delivery -------------------------------------------------------------------------

    def _ensure_drain(self, key: str) -> None:
        if self._process is None or key in self._drains:
            return
        self._drains[key] = asyncio.create_task(self._drain(key), name=f"live-events:{key}")

    async def _drain(self, key: str) -> None:
        """Deliver the key's events in order until its queue is empty."""
        queue = self._groups[key]
        try:
            while queue:
                event = queue[0]
                await self._deliver(event)
                # Removed only once handled: a cancelled delivery leaves it for ``stop`` to report.
                queue.popleft()
                self._held -= 1
        finally:
            del self._drains[key]
            if not queue and self._groups.get(key) is queue:
                del self._groups[key]

    async def _deliver(self, event: WebhookEvent) -> None:
        assert self._process is not None
        for attempt in range(len(self._delays) + 1):
            try:
                async with self._slots:
                    await self._process(event)
                return
            except Exception as exc:
                if attempt == len(self._delays):
                    logger.error(
                        "Webhook event %s failed %d times; giving up: %s", event.id, attempt + 1, exc
                    )
                    await self._gave_up(event, f"processing failed {attempt + 1} times: {exc}")
                    return
                delay = self._delays[attempt]
                logger.warning(
                    "Webhook event %s failed (%s); delivering it again in %.1f s", event.id, exc, delay
                )
                await asyncio.sleep(delay)

    async def _gave_up(self, event: WebhookEvent, reason: str) -> None:
        if self._on_gave_up is None:
            return
        try:
            await self._on_gave_up(event, reason)
        except Exception:  # reporting must never take the queue down with it
            logger.exception("Could not report webhook event %s as given up", event.id)
