"""One resource of the port-app-config, streamed: extract → map → write, overlapped.

Three kinds of tasks connected by bounded queues:

    handlers ──raw batches──► mapper ──entities──► writers (×16) ──► Port
                              (offload.py)         (writer.py: the one write path, live events too)

While Port answers one batch, the next is being mapped and the handler fetches the one after;
the queues hold at most a few batches, so memory does not grow with the organisation. The
handlers run inside the resource's event scope (``event.resource_config``).

Failures are *kind* failures, recorded on the ``KindReport``: a handler that raised, items whose
mapping raised, entities Port refused, a request refused for good (``RequestRefusedError``). Only
``AbortRunError`` (Port unreachable, credentials refused) and cancellation stop the whole resync.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocean_runtime.context import EventScope, event_scope
from ocean_runtime.errors import AbortRunError, RequestRefusedError, UserInputError

from .handlers import ResyncHandler, run_handlers
from .offload import OffloadingMapper
from .produced import ProducedSet
from .report import KindReport, Status
from .user_code import describe_exception
from .writer import KindWriter, WriteOptions

if TYPE_CHECKING:
    from ocean_runtime.mapping import MappingResult, ResourceConfig, ResourceMapper
    from ocean_runtime.port import PortClient

logger = logging.getLogger(__name__)

QUEUE_DEPTH = 4
# Batches being written at once; each is split into bulk requests sent concurrently (the Port
# client bounds the requests in flight, adaptively). Against a Port 100 ms away a sync needs
# dozens of requests in flight: 16 batches of 100 items offer up to 80 (4 offered 20, and the
# sync ran 1.25x slower); on a local harbor the client's limit keeps the extra ones queued.
WRITERS = 16
EXAMPLES_PER_KIND = 5
_DONE: Any = object()


@dataclass
class ResourceJob:
    """Everything needed to sync one resource.

    Attributes:
        resource: the resource config (the integration's own class).
        index: its position in ``resources``.
        mapper: the compiled mapping.
        handlers: the handlers for its kind.
        report: where its counts go.
    """

    resource: ResourceConfig
    index: int
    mapper: ResourceMapper
    handlers: list[ResyncHandler]
    report: KindReport


@dataclass
class _MappingTally:
    """Mapping errors of a resource: a count and the first one (memory stays flat)."""

    count: int = 0
    first: str | None = None


async def sync_resource(
    job: ResourceJob,
    *,
    port: PortClient,
    options: WriteOptions | Awaitable[WriteOptions],
    produced: ProducedSet,
    scope: EventScope,
    notify: Callable[[], None],
    directory: Path | None = None,
    send_examples: bool = False,
) -> None:
    """Run one resource to the end; its outcome is on ``job.report``.

    ``options`` may still be on its way (the run's opening round trip says whether to compare
    with Port): the handlers and the mapping start at once, only writing waits for it.

    Raises:
        AbortRunError: Port can no longer be used; the resync must stop.
    """
    report = job.report
    report.status = Status.RUNNING
    started = time.monotonic()
    writer: asyncio.Future[KindWriter] = asyncio.get_running_loop().create_future()
    tally = _MappingTally()
    raw_queue: asyncio.Queue[Any] = asyncio.Queue(QUEUE_DEPTH)
    entity_queue: asyncio.Queue[Any] = asyncio.Queue(QUEUE_DEPTH)

    async def extract() -> None:
        with event_scope(dataclasses.replace(scope, resource_config=job.resource)):
            await run_handlers(job.handlers, report.kind, raw_queue.put, report, directory=directory)
        await raw_queue.put(_DONE)

    mapping = OffloadingMapper(job.mapper)

    async def transform() -> None:
        examples_sent = not send_examples
        while (batch := await raw_queue.get()) is not _DONE:
            if not examples_sent:
                examples_sent = True
                # Alongside the writes, not before them: a round trip the first batch need not wait for.
                group.create_task(port.send_kind_examples(report.kind, batch[:EXAMPLES_PER_KIND]))
            result = await mapping.map(batch)
            _account(report, tally, result)
            notify()
            if result.entities:
                await entity_queue.put(result.entities)
        for _ in range(WRITERS):
            await entity_queue.put(_DONE)

    async def open_writer() -> None:
        # Shielded: a failing pipeline must not cancel what other kinds will await too.
        resolved = options if isinstance(options, WriteOptions) else await asyncio.shield(options)
        writer.set_result(KindWriter(port, resolved, produced, report))

    async def write() -> None:
        while (entities := await entity_queue.get()) is not _DONE:
            await (await asyncio.shield(writer)).write(entities)
            notify()

    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(open_writer())
            group.create_task(extract())
            group.create_task(transform())
            for _ in range(WRITERS):
                group.create_task(write())
    except* AbortRunError as errors:
        raise errors.exceptions[0] from None
    except* RequestRefusedError as refusals:
        # A request this kind needed was refused for good (Port said no): the kind failed.
        for refusal in refusals.exceptions:
            report.fail(str(refusal))
    except* UserInputError as problems:
        # The mapping went over its jq budget (it names the expression): this kind stops.
        for problem in problems.exceptions:
            report.fail(str(problem))
    except* Exception as errors:
        # A bug or an unexpected failure inside the pipeline: this kind failed, the run goes on.
        for error in errors.exceptions:
            logger.error("Syncing %s failed", report.kind, exc_info=error)
            report.fail(f"unexpected error: {describe_exception(error, directory)}")
    finally:
        report.duration = time.monotonic() - started
    _finish(report, tally, writer.result() if writer.done() and not writer.cancelled() else None)


def _account(report: KindReport, tally: _MappingTally, result: MappingResult) -> None:
    report.raw += result.raw_count
    report.filtered += result.filtered
    report.skipped += result.skipped
    report.misconfigured.update(result.misconfigured)
    if result.errors:
        report.failed += len(result.errors)
        tally.count += len(result.errors)
        if tally.first is None:
            tally.first = f"item #{result.errors[0].index}: {result.errors[0].message}"


def _finish(report: KindReport, tally: _MappingTally, writer: KindWriter | None) -> None:
    if tally.count:
        report.fail(f"{tally.count} item(s) could not be mapped (first: {tally.first})")
    refusals = writer.refusal_summary() if writer else None
    if refusals:
        report.fail(refusals)
    if report.status == Status.RUNNING:
        report.status = Status.COMPLETED
