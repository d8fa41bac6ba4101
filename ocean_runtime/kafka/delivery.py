"""``KeyedDelivery``: fetched events → ``process``, in order per key, and the offsets that are done.

    fetched (partition, offset, event) ──► queues[(partition, group_key)] ──► one drain task per
                                                                              non-empty queue ──► process
    finished offsets ──► OffsetTracker ──► what the consumer may commit

A key's events run one after the other; different keys run concurrently (at most
``concurrency`` at once). ``process`` raising means "deliver it again": the event stays at the
head of its queue — so the key's later events wait and their order holds — and is retried
after a growing delay, for as long as this replica owns the partition. Its offset is not
committed meanwhile, so a crash hands it to another replica.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence

from ocean_runtime.webhooks.event import WebhookEvent

from .offsets import OffsetTracker, Partition

logger = logging.getLogger("ocean.kafka.live_events")

ProcessEvent = Callable[[WebhookEvent], Awaitable[None]]
QueueKey = tuple[Partition, str]
DEFAULT_REDELIVERY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)


class KeyedDelivery:
    """Delivers fetched events to ``process`` and tracks which offsets are finished.

    Args:
        process: the idempotent event processor.
        concurrency: most events processed at once.
        redelivery_delays: waits before each new attempt of a failing event (the last repeats).
    """

    def __init__(
        self,
        process: ProcessEvent,
        *,
        concurrency: int,
        redelivery_delays: Sequence[float] = DEFAULT_REDELIVERY_DELAYS,
    ) -> None:
        self.offsets = OffsetTracker()
        self._process = process
        self._slots = asyncio.Semaphore(concurrency)
        self._delays = tuple(redelivery_delays) or (1.0,)
        self._queues: dict[QueueKey, deque[tuple[int, WebhookEvent]]] = {}
        self._drains: dict[QueueKey, asyncio.Task[None]] = {}
        self._releasing: set[Partition] = set()
        self._held = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def held(self) -> int:
        """Events fetched and not finished (queued or being processed)."""
        return self._held

    def add(self, partition: Partition, offset: int, event: WebhookEvent) -> None:
        """Queue a fetched event behind the earlier events of its key."""
        self.offsets.received(partition, offset)
        key = (partition, event.group_key)
        self._queues.setdefault(key, deque()).append((offset, event))
        self._held += 1
        self._idle.clear()
        if key not in self._drains:
            self._drains[key] = asyncio.create_task(self._drain(key), name=f"live-event:{event.group_key}")

    def skip(self, partition: Partition, offset: int) -> None:
        """A fetched message that needs no processing (not ours, unreadable): done at once."""
        self.offsets.received(partition, offset)
        self.offsets.done(partition, offset)

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is held (or ``timeout`` seconds); True when idle."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout=max(timeout, 0.0))
        except TimeoutError:
            return False
        return True

    async def release(self, partitions: Iterable[Partition], *, grace: float) -> None:
        """Give up ``partitions``: start none of their queued events, let the ones in progress
        finish for up to ``grace`` seconds, cancel the rest and drop their queues (their
        offsets stay uncommitted, so the next owner processes them)."""
        gone = set(partitions)
        self._releasing |= gone
        try:
            drains = [task for (partition, _), task in self._drains.items() if partition in gone]
            if drains and grace > 0:
                await asyncio.wait(drains, timeout=grace)
            for task in drains:
                task.cancel()
            await asyncio.gather(*drains, return_exceptions=True)
            for key in [key for key in self._queues if key[0] in gone]:
                self._held -= len(self._queues.pop(key))
        finally:
            self._releasing -= gone
            self._mark_idle()

    async def _drain(self, key: QueueKey) -> None:
        partition = key[0]
        queue = self._queues[key]
        try:
            while queue and partition not in self._releasing:
                offset, event = queue[0]
                await self._deliver(event)
                # Removed only once processed: a cancelled delivery stays for ``release`` to drop.
                queue.popleft()
                self._held -= 1
                self.offsets.done(partition, offset)
        finally:
            self._drains.pop(key, None)
            if not queue and self._queues.get(key) is queue:
                del self._queues[key]
            self._mark_idle()

    async def _deliver(self, event: WebhookEvent) -> None:
        attempt = 0
        while True:
            try:
                async with self._slots:
                    await self._process(event)
                return
            except Exception as exc:
                delay = self._delays[min(attempt, len(self._delays) - 1)]
                attempt += 1
                logger.warning(
                    "Webhook event %s failed (attempt %d: %s); delivering it again in %.1f s",
                    event.id,
                    attempt,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)

    def _mark_idle(self) -> None:
        if self._held == 0:
            self._idle.set()
