"""``WebhookDispatcher.process``: a run of one key's accepted events, from processors to the catalog.

    for each event of the run, in order:
        the processors that accepted it ──should_process_event / get_matching_kinds──► every
        resource of the live mapping with a matching kind ──(concurrently, each with a timeout)
        before_processing → handle_event, retried per the processor's policy → after_processing
        ──► raw results ──map_changes──► upserts and deletion candidates (changes.py)
    the run's changes ──write_run──► composed upserts, then owned deletions (run_writer.py,
        phases.py) ──SharedWriter──► bulk requests shared with the other keys' runs (batcher.py)
        ──EntityWriter──► Port (the resync's writer: ocean_runtime.sync.writer)

A processor that fails (after its retries) or times out is recorded as a failure — the other
resources' results are still written. ``process`` raises only when the run must be delivered
again: Port unreachable or refusing the credentials. The processors are not asked twice then:
each event's changes are kept until it is written (everything here is idempotent).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ocean_runtime.context import EventScope, event_scope
from ocean_runtime.errors import UserInputError
from ocean_runtime.sync.user_code import describe_exception

from .batcher import SharedWriter
from .changes import EventChanges, ResourceResults, map_changes
from .event import WebhookEvent, WebhookEventRawResults
from .live_mapping import EVENT_TYPE, CompiledMapping, LiveMapping
from .processor import WebhookProcessor
from .run_writer import RunTally, write_run

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from ocean_runtime.app.application import OceanApp
    from ocean_runtime.mapping import ResourceConfig
    from ocean_runtime.observability import OceanMetrics
    from ocean_runtime.port import PortClient

    from .failures import FailureLog

logger = logging.getLogger(__name__)

KEPT_CHANGES = 10_000  # events whose changes wait for a redelivery at most
YIELD_EVERY_SECONDS = 0.002  # longest a run works through its events without letting others in


@dataclass(frozen=True)
class _Match:
    processor: type[WebhookProcessor]
    index: int
    resource: ResourceConfig


class WebhookDispatcher:
    """Processes accepted events for one integration (``process`` is what backends call).

    Args:
        app: the integration (its processors; activated while they run).
        port: its Port client.
        metrics: where outcomes are counted.
        failures: where failures are recorded.
        timeout_seconds: most time one processor may take for one resource, retries included
            (``OCEAN__MAX_EVENT_PROCESSING_SECONDS``).
        concurrency: most processors running at once, across keys (``OCEAN__LIVE_EVENTS__CONCURRENCY``).
        writer: where the entities go (default: a ``SharedWriter`` on ``port``).
        sleep: how to wait between retries (tests pass a recorder).
    """

    def __init__(
        self,
        app: OceanApp,
        port: PortClient,
        *,
        metrics: OceanMetrics,
        failures: FailureLog,
        timeout_seconds: float = 90.0,
        concurrency: int = 32,
        writer: SharedWriter | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._app = app
        self._metrics = metrics
        self._failures = failures
        self._timeout = timeout_seconds
        self._slots = asyncio.Semaphore(concurrency)
        self._writer = writer or SharedWriter(port)
        self._sleep = sleep
        self._mapping = LiveMapping(port, app.config_class)
        self._changes: OrderedDict[str, EventChanges] = OrderedDict()

    async def process(self, run: list[WebhookEvent]) -> None:
        """Run consecutive events of one key to the end, in order (see the module docstring).

        Raises:
            AbortRunError: Port is unreachable or refused the credentials (deliver it again).
        """
        with self._app.activated():
            try:
                mapping = await self._mapping.current()
            except UserInputError as exc:
                for event in run:
                    self._finish(
                        event, failed=True, message=f"the live mapping cannot be used: {exc.render()}"
                    )
                return
            changes = []
            paused = time.monotonic()
            for event in run:
                changes.append(await self._changes_of(event, mapping))
                # A long run must not hold the loop: the route answers webhooks in between.
                if time.monotonic() - paused > YIELD_EVERY_SECONDS:
                    await asyncio.sleep(0)
                    paused = time.monotonic()
            written = [(event, found) for event, found in zip(run, changes, strict=True) if found is not None]
            tallies = await write_run(self._writer, [found for _, found in written], mapping.write_options)
            finished = []
            for (event, found), tally in zip(written, tallies, strict=True):
                self._changes.pop(event.id, None)
                for kind, message in tally.problems:
                    self._failures.record(event, message, kind=kind)
                finished.append((event, found.incomplete or bool(tally.problems)))
            self._count(tallies)
            self._finish_all(finished)

    async def ready(self) -> None:
        """Returns once a run handed over now is processed at once: the live mapping is fetched
        (the first event after a quiet second waits a round trip to Port for it). The local
        backend forms a key's next run only after this, so the events that arrive during the
        fetch join that run instead of waiting for the next round trip. A failure is left to
        ``process``, which reports it for each event."""
        with contextlib.suppress(Exception):
            await self._mapping.current()

    async def warm(self) -> None:
        """Fetch the live mapping and compile its resources ahead of the first event (started
        in the background with delivery). Compiling costs ~4 ms of CPU per jq expression (jq
        compiles its builtins with every program): ~40 ms for a resource of ten fields, which
        the first run of a burst otherwise spent on the loop while webhooks waited for their
        202. A later fetch of an unchanged mapping keeps what was compiled. Failures are left
        to the events, which report them."""
        with self._app.activated():
            try:
                mapping = await self._mapping.current()
            except Exception as exc:
                logger.debug("Could not fetch the live mapping ahead of the first event: %s", exc)
                return
            for index in range(len(mapping.config.resources)):
                with contextlib.suppress(UserInputError):
                    mapping.mapper(index)
                await asyncio.sleep(0)  # one resource at a time: the loop keeps answering

    async def aclose(self) -> None:
        """Let the writes in flight finish (shutdown)."""
        await self._mapping.aclose()
        await self._writer.aclose()

    # -- one event's changes ------------------------------------------------------------------

    async def _changes_of(self, event: WebhookEvent, mapping: CompiledMapping) -> EventChanges | None:
        """What ``event`` changes (None: nothing to write, already counted), asking the
        processors only the first time it is delivered."""
        kept = self._changes.get(event.id)
        if kept is not None:
            return kept
        matches, unclassified = await self._matches(event, mapping)
        if not matches:
            self._metrics.webhook(event.path, "failed" if unclassified else "ignored")
            return None
        if len(matches) == 1:  # the common case: no task per event for a gather of one
            runs = [await self._run(event, matches[0], mapping)]
        else:
            runs = await asyncio.gather(*(self._run(event, match, mapping) for match in matches))
        found = [result for result in runs if result is not None]
        changes = await map_changes(found, incomplete=len(found) < len(runs))
        self._changes[event.id] = changes
        if len(self._changes) > KEPT_CHANGES:
            self._changes.popitem(last=False)
        return changes

    def _processors(self, event: WebhookEvent) -> list[type[WebhookProcessor]]:
        registered = [
            p
            for p in self._app.webhook_processors.get(event.path, [])
            if isinstance(p, type) and issubclass(p, WebhookProcessor)
        ]
        if not event.accepted_by:
            return registered
        accepted = [p for p in registered if p.name() in event.accepted_by]
        return accepted or registered  # names changed since it was accepted (a new release)

    async def _matches(self, event: WebhookEvent, mapping: CompiledMapping) -> tuple[list[_Match], bool]:
        """Every (processor, resource) to run, and whether a processor failed to classify the event."""
        matches: list[_Match] = []
        interested = unclassified = False
        for processor in self._processors(event):
            instance = processor(event)
            try:
                if not await instance.should_process_event(event):
                    continue
                kinds = list(await instance.get_matching_kinds(event))
            except Exception as exc:
                message = f"{processor.__name__} could not classify it: {self._describe(exc)}"
                self._failures.record(event, message)
                unclassified = True
                continue
            interested = True
            matches.extend(
                _Match(processor, index, resource) for index, resource in mapping.resources_of(kinds)
            )
        if not matches and interested:
            logger.info("Webhook event %s: its kinds are not in the mapping; nothing to do", event.id)
        elif not matches and not unclassified:
            logger.warning(
                "Webhook event %s on %s: no processor handles this event type", event.id, event.path
            )
        return matches, unclassified

    async def _run(
        self, event: WebhookEvent, match: _Match, mapping: CompiledMapping
    ) -> ResourceResults | None:
        processor = match.processor(event)
        name, kind = match.processor.__name__, match.resource.kind
        try:
            async with self._slots:
                with event_scope(EventScope(EVENT_TYPE, mapping.config, match.resource)):
                    async with asyncio.timeout(self._timeout):  # no task per event (wait_for's)
                        results = await self._lifecycle(processor, match.resource)
            mapper = mapping.mapper(match.index)
        except TimeoutError:
            await _quietly(processor.cancel())
            self._failures.record(event, f"{name} timed out after {self._timeout:g} s", kind=kind)
            return None
        except asyncio.CancelledError:
            await _quietly(processor.cancel())
            raise
        except UserInputError as exc:
            self._failures.record(event, exc.render(), kind=kind)
            return None
        except Exception as exc:
            self._failures.record(event, f"{name}.handle_event failed: {self._describe(exc)}", kind=kind)
            return None
        return ResourceResults(kind, match.index, mapper, results)

    async def _lifecycle(
        self, processor: WebhookProcessor, resource: ResourceConfig
    ) -> WebhookEventRawResults:
        event = processor.event
        await processor.before_processing()
        while True:
            try:
                # Each resource gets its own copy: a processor mutating the payload affects nobody else.
                results = await processor.handle_event(copy.deepcopy(event.payload), resource)
                break
            except Exception as exc:
                if not (processor.should_retry(exc) and processor.retry_count < processor.max_retries):
                    raise
                processor.retry_count += 1
                delay = processor.calculate_retry_delay()
                self._metrics.webhook_retries.labels(path=event.path).inc()
                logger.warning(
                    "Webhook event %s: %s attempt %d/%d failed (%s); retrying in %.2f s",
                    event.id,
                    type(processor).__name__,
                    processor.retry_count,
                    processor.max_retries + 1,
                    exc,
                    delay,
                )
                await self._sleep(delay)
        if not isinstance(results, WebhookEventRawResults):
            raise UserInputError(
                f"{type(processor).__name__}.handle_event returned {type(results).__name__}",
                fix="return WebhookEventRawResults(updated_raw_results=[...], deleted_raw_results=[...])",
            )
        await processor.after_processing()
        return results

    # -- outcome ------------------------------------------------------------------------------

    def _count(self, tallies: list[RunTally]) -> None:
        """Count a run's entity outcomes (summed first: one metric update per kind and outcome)."""
        totals: dict[tuple[str, str], int] = {}
        for tally in tallies:
            for outcome, counts in (
                ("upserted", tally.upserted),
                ("deleted", tally.deleted),
                ("failed", tally.failed),
            ):
                for kind, count in counts.items():
                    totals[(kind, outcome)] = totals.get((kind, outcome), 0) + count
        for (kind, outcome), count in totals.items():
            self._metrics.entity_outcomes("webhook", kind, **{outcome: count})

    def _finish(self, event: WebhookEvent, *, failed: bool, message: str | None = None) -> None:
        if message is not None:
            self._failures.record(event, message)
        self._finish_all([(event, failed)])

    def _finish_all(self, finished: list[tuple[WebhookEvent, bool]]) -> None:
        """Count ``(event, failed)`` outcomes and observe how long each event took since accepted."""
        outcomes: dict[tuple[str, str], int] = {}
        waited: dict[str, list[float]] = {}
        now = time.time()
        for event, failed in finished:
            key = (event.path, "failed" if failed else "processed")
            outcomes[key] = outcomes.get(key, 0) + 1
            waited.setdefault(event.path, []).append(max(now - event.received_at, 0.0))
        for (path, outcome), count in outcomes.items():
            self._metrics.webhook(path, outcome, count)
        for path, seconds in waited.items():
            latency = self._metrics.webhook_latency.labels(path=path)
            for waited_seconds in seconds:
                latency.observe(waited_seconds)

    def _describe(self, exc: BaseException) -> str:
        return describe_exception(exc, self._app.directory)


async def _quietly(awaitable: Awaitable[None]) -> None:
    try:
        await awaitable
    except Exception:
        logger.exception("A webhook processor's cancel() raised")
