"""``LocalLiveEventsBackend``: accepted events on disk, in per-key FIFO queues, in this process.

    submit ──► journal (SQLite, committed) ──► groups[key] (a deque) ──► one drain task per
               then the route answers 202       non-empty key: the events waiting at its head,
                                                 as one run ──► process(run)

A key's events are processed strictly in order: a run is the events waiting at the head of the
key's queue (at most ``max_run``), handed over together so the processing can write them in
one go; the next run starts once it returned. Different keys run concurrently.

**Durable**: with a journal (``EventJournal``, ``.ocean/live-events.db`` of the integration), an
event is committed to disk before ``submit`` returns, and deleted from it only once processed
or given up. At start the events left by an earlier run — killed, crashed or stopped before
its queues were empty — are queued again first, in the order they were accepted.

**Bounded**: at most ``max_pending`` events are held; beyond, ``submit`` refuses and the sender
gets 503 + ``Retry-After``.

**Redelivery**: ``process`` raising means "deliver again later". The run stays at the head of
its queue (later events of the key wait, so their order holds) and is delivered again after
``redelivery_delays`` (the last one repeating). Port being unreachable or refusing the
credentials (``AbortRunError``) is retried for as long as the process runs — it is an outage,
the events are safe on disk; anything else is given up once the delays run out and reported
to ``on_gave_up``.

**Shutdown**: ``stop`` refuses new events and drains until the deadline. What is left stays in
the journal for the next start; without a journal it is reported to ``on_gave_up``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

from ocean_runtime.errors import AbortRunError

from .backend import BackendUnavailableError, ProcessEvents, Ready
from .event import WebhookEvent
from .journal import EventJournal, JournalError

logger = logging.getLogger(__name__)

GaveUp = Callable[[WebhookEvent, str], Awaitable[None]]
DEFAULT_REDELIVERY_DELAYS = (1.0, 2.0, 4.0)
OUTAGE_REDELIVERY_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0)
SHUTDOWN_RETRY_AFTER_SECONDS = 5.0
DEFAULT_MAX_RUN = 200


class LocalLiveEventsBackend:
    """Durable, per-key ordered, bounded queues (see the module docstring).

    Args:
        max_pending: most events held (queued and in flight); ``submit`` refuses beyond.
        journal: where accepted events are kept until done (None: in memory only — an event
            accepted and not processed when the process ends is lost).
        max_run: most events of one key handed to ``process`` at once.
        redelivery_delays: waits before each redelivery of a run whose processing raised.
        outage_delays: the same while Port is unreachable (``AbortRunError``); the last repeats.
        on_gave_up: told about each event that will never be processed, and why.
    """

    def __init__(
        self,
        *,
        max_pending: int = 10_000,
        journal: EventJournal | None = None,
        max_run: int = DEFAULT_MAX_RUN,
        redelivery_delays: Sequence[float] = DEFAULT_REDELIVERY_DELAYS,
        outage_delays: Sequence[float] = OUTAGE_REDELIVERY_DELAYS,
        on_gave_up: GaveUp | None = None,
    ) -> None:
        self._max_pending = max_pending
        self._journal = journal
        self._opened = journal is None
        self._opening = asyncio.Lock()
        self._max_run = max_run
        self._delays = tuple(redelivery_delays)
        self._outage_delays = tuple(outage_delays) or OUTAGE_REDELIVERY_DELAYS
        self._on_gave_up = on_gave_up
        self._groups: dict[str, deque[WebhookEvent]] = {}
        self._drains: dict[str, asyncio.Task[None]] = {}
        self._held = 0
        self._process: ProcessEvents | None = None
        self._ready: Ready | None = None
        self._stopping = False

    async def start(self, process: ProcessEvents, *, ready: Ready | None = None) -> None:
        """Queue what the journal kept from an earlier run, then deliver to ``process``; each
        key's next run is formed once ``ready`` returned (the events that arrive meanwhile
        join it).

        Raises:
            UserInputError: the journal file cannot be opened.
        """
        await self._open()
        self._process = process
        self._ready = ready
        for key in self._groups:
            self._ensure_drain(key)

    async def submit(self, event: WebhookEvent) -> None:
        """Store ``event`` and queue it behind the other events of its key.

        Raises:
            BackendUnavailableError: shutting down, ``max_pending`` events are held, or the
                journal could not store it.
        """
        if self._stopping:
            raise BackendUnavailableError("shutting down", retry_after=SHUTDOWN_RETRY_AFTER_SECONDS)
        if self._held >= self._max_pending:
            raise BackendUnavailableError(f"{self._held} events are waiting already", retry_after=1.0)
        if self._journal is None:
            self._queue(event)
            return
        await self._open()
        assert self._journal is not None
        self._held += 1  # counted at once: concurrent submissions must not overshoot the bound
        stored = self._journal.append(event)
        # Queued once on disk — even if the sender hangs up meanwhile (hence the shield).
        stored.add_done_callback(lambda done: self._stored(event, done))
        try:
            await asyncio.shield(stored)
        except JournalError as exc:
            raise BackendUnavailableError(str(exc), retry_after=SHUTDOWN_RETRY_AFTER_SECONDS) from exc

    def depth(self) -> int:
        """Events queued or being processed."""
        return self._held

    async def stop(self, deadline: float) -> None:
        """Refuse new events, process the held ones until ``deadline`` (``time.monotonic()``);
        what is left stays in the journal for the next start."""
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
        if self._journal is not None:
            if left:
                logger.warning(
                    "Shutting down with %d accepted webhook event(s) not processed yet; they stay in "
                    "%s and are processed at the next start",
                    len(left),
                    self._journal.path,
                )
            await self._journal.close()
            return
        if left:
            logger.error(
                "Shutting down with %d accepted webhook event(s) not processed (ids: %s)",
                len(left),
                ", ".join(event.id for event in left[:20]),
            )
        for event in left:
            await self._gave_up(event, "not processed before the shutdown deadline")

    # -- storing --------------------------------------------------------------------------

    async def _open(self) -> None:
        """Open the journal once; its leftovers are queued before any new event."""
        if self._opened or self._journal is None:
            return
        async with self._opening:
            if self._opened:
                return
            left = await asyncio.to_thread(self._journal.open)
            if left:
                logger.info("Processing %d webhook event(s) accepted before the last shutdown", len(left))
            for event in left:
                self._queue(event)
            self._opened = True

    def _stored(self, event: WebhookEvent, stored: asyncio.Future[None]) -> None:
        self._held -= 1  # _queue counts it again
        if not stored.cancelled() and stored.exception() is None:
            self._queue(event)

    def _queue(self, event: WebhookEvent) -> None:
        self._groups.setdefault(event.group_key, deque()).append(event)
        self._held += 1
        self._ensure_drain(event.group_key)

    # -- delivery -------------------------------------------------------------------------

    def _ensure_drain(self, key: str) -> None:
        if self._process is None or key in self._drains or self._stopping:
            return
        self._drains[key] = asyncio.create_task(self._drain(key), name=f"live-events:{key}")

    async def _drain(self, key: str) -> None:
        """Deliver the key's events, a run at a time, until its queue is empty."""
        queue = self._groups[key]
        try:
            while queue:
                if self._ready is not None:
                    await self._ready()
                run = [queue[index] for index in range(min(len(queue), self._max_run))]
                await self._deliver(run)
                # Removed only once handled: a cancelled delivery leaves them queued (and on disk).
                for event in run:
                    queue.popleft()
                    self._finished(event)
        finally:
            del self._drains[key]
            if not queue and self._groups.get(key) is queue:
                del self._groups[key]

    async def _deliver(self, run: list[WebhookEvent]) -> None:
        assert self._process is not None
        attempt = 0
        while True:
            try:
                await self._process(run)
                return
            except Exception as exc:
                outage = isinstance(exc, AbortRunError)
                delays = self._outage_delays if outage else self._delays
                if not outage and attempt >= len(delays):
                    logger.error(
                        "%d webhook event(s) of %s failed %d times; giving up: %s",
                        len(run),
                        run[0].group_key,
                        attempt + 1,
                        exc,
                    )
                    for event in run:
                        await self._gave_up(event, f"processing failed {attempt + 1} times: {exc}")
                    return
                delay = delays[min(attempt, len(delays) - 1)]
                attempt += 1
                logger.warning(
                    "%d webhook event(s) of %s failed (%s); delivering them again in %.1f s",
                    len(run),
                    run[0].group_key,
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)

    def _finished(self, event: WebhookEvent) -> None:
        self._held -= 1
        if self._journal is not None:
            self._journal.done(event)

    async def _gave_up(self, event: WebhookEvent, reason: str) -> None:
        if self._on_gave_up is None:
            return
        try:
            await self._on_gave_up(event, reason)
        except Exception:  # reporting must never take the queue down with it
            logger.exception("Could not report webhook event %s as given up", event.id)
