"""``SharedWriter``: every live event's writes, grouped into bulk requests across keys.

    run of key A ─┐                          ┌─► EntityWriter.upsert(≤ 20 entities): one bulk request
    run of key B ─┼─► lanes (write options × ┤      (as many in flight as the Port client allows)
    run of key C ─┘   blueprint), FIFO       └─► EntityWriter.delete_owned(≤ 50 keys): a search + a delete

Events of different keys are independent, so their entities may share a request: each caller
hands its entities to the lane of their blueprint and awaits its own results. A lane sends
while fewer requests are in flight than the Port client's adaptive limit allows
(``PortClient.concurrency``, which grows while Port keeps up and shrinks when it does not),
taking whatever waits (up to a bulk request's worth); while requests are in flight, new
entities queue up, so the busier and the farther Port is, the fuller each request — with Port
next door the first entity goes at once. Forming a request only when it can be sent keeps it
as full as it can be: one formed early would wait in the client half empty.

A request never holds the same entity twice (two keys writing one entity at the same moment):
the second waits for the next request, so each caller's own order is kept. Results are per
entity: one refused entity never fails another; only an error that stops all writing (Port
unreachable, credentials refused) reaches every caller of that request, whose runs are then
delivered again.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ocean_runtime.sync.compare import SEARCH_CHUNK
from ocean_runtime.sync.writer import DeleteResult, EntityKey, EntityResult, EntityWriter, WriteOptions

if TYPE_CHECKING:
    from ocean_runtime.port import PortClient

DEFAULT_MAX_BATCH = 20  # Port's bulk upsert limit (the client also splits by bytes)

Item = TypeVar("Item")
Answer = TypeVar("Answer")


@dataclass
class _Waiting(Generic[Item, Answer]):
    item: Item
    identity: Hashable
    future: asyncio.Future[Answer]


@dataclass
class _Lane(Generic[Item, Answer]):
    """Items waiting to be sent together (``most`` at a time) by ``send``."""

    writer: EntityWriter
    send: Callable[[EntityWriter, list[Item]], Awaitable[list[Answer]]]
    most: int
    pending: deque[_Waiting[Item, Answer]] = field(default_factory=deque)
    pumps: int = 0

    def take(self, most: int) -> list[_Waiting[Item, Answer]]:
        """Up to ``most`` waiting items, oldest first, no identity twice (the rest keep their place)."""
        taken: list[_Waiting[Item, Answer]] = []
        kept: deque[_Waiting[Item, Answer]] = deque()
        seen: set[Hashable] = set()
        while self.pending and len(taken) < most:
            waiting = self.pending.popleft()
            if waiting.future.done():  # its caller gave up (cancelled)
                continue
            if waiting.identity in seen:
                kept.append(waiting)
                continue
            seen.add(waiting.identity)
            taken.append(waiting)
        kept.extend(self.pending)
        self.pending = kept
        return taken


class SharedWriter:
    """Coalesces concurrent live-event writes into bulk requests (see the module docstring).

    Args:
        port: the Port client.
        max_batch: most entities per upsert request.
        parallel: most requests in flight at once (default: the Port client's adaptive limit,
            read each time).
    """

    def __init__(
        self,
        port: PortClient,
        *,
        max_batch: int = DEFAULT_MAX_BATCH,
        parallel: Callable[[], int] | None = None,
    ) -> None:
        self._port = port
        self._parallel = parallel or (lambda: int(port.concurrency.limit))
        self._in_flight = 0
        self._freed = asyncio.Event()
        self._max_batch = max_batch
        self._upserts: dict[Hashable, _Lane[dict[str, Any], EntityResult]] = {}
        self._deletes: dict[Hashable, _Lane[EntityKey, tuple[bool, str | None]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def upsert(self, entities: list[dict[str, Any]], options: WriteOptions) -> list[EntityResult]:
        """Write ``entities``; one result per entity, in order.

        Raises:
            AbortRunError: Port is unreachable or refused the credentials.
        """
        futures = []
        for entity in entities:
            blueprint = str(entity.get("blueprint"))
            lane = self._upserts.get(key := (_options_key(options), blueprint))
            if lane is None:
                writer = EntityWriter(self._port, options)
                lane = self._upserts[key] = _Lane(writer, _send_upserts, self._max_batch)
            identifier = entity.get("identifier")
            identity = identifier if isinstance(identifier, str) else object()
            futures.append(self._enqueue(lane, entity, identity))
        return await _all(futures)

    async def delete_owned(self, keys: Iterable[EntityKey], options: WriteOptions) -> DeleteResult:
        """Delete the entities of ``keys`` that this integration owns (``EntityWriter.delete_owned``).

        Raises:
            AbortRunError: Port is unreachable or refused the credentials.
        """
        lane = self._deletes.get(lane_key := _options_key(options))
        if lane is None:
            writer = EntityWriter(self._port, options)
            lane = self._deletes[lane_key] = _Lane(writer, _send_deletes, SEARCH_CHUNK)
        wanted = list(dict.fromkeys(keys))
        answers = await _all([self._enqueue(lane, key, key) for key in wanted])
        result = DeleteResult()
        for key, (deleted, problem) in zip(wanted, answers, strict=True):
            if deleted:
                result.deleted.add(key)
            if problem is not None and (key[0], problem) not in result.problems:
                result.problems.append((key[0], problem))
        return result

    async def aclose(self) -> None:
        """Wait for the requests in flight (their callers are gone or done)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- lanes --------------------------------------------------------------------------------

    def _enqueue(self, lane: _Lane[Item, Answer], item: Item, identity: Hashable) -> asyncio.Future[Answer]:
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        lane.pending.append(_Waiting(item, identity, future))
        if lane.pumps < max(self._parallel(), 1):
            lane.pumps += 1
            task = asyncio.create_task(self._pump(lane))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return future

    async def _pump(self, lane: _Lane[Item, Answer]) -> None:
        try:
            while lane.pending:
                await self._acquire()
                try:
                    await asyncio.sleep(0)  # let the entities handed over in this same moment join
                    batch = lane.take(lane.most)
                    if batch:
                        await self._send(lane, batch)
                finally:
                    self._release()
        finally:
            lane.pumps -= 1

    async def _send(self, lane: _Lane[Item, Answer], batch: list[_Waiting[Item, Answer]]) -> None:
        try:
            answers = await lane.send(lane.writer, [waiting.item for waiting in batch])
        except Exception as exc:
            for waiting in batch:
                _settle(waiting.future, exception=exc)
            return
        for waiting, answer in zip(batch, answers, strict=True):
            _settle(waiting.future, answer)

    async def _acquire(self) -> None:
        while self._in_flight >= max(self._parallel(), 1):
            self._freed.clear()
            await self._freed.wait()
        self._in_flight += 1

    def _release(self) -> None:
        self._in_flight -= 1
        self._freed.set()


async def _send_upserts(writer: EntityWriter, entities: list[dict[str, Any]]) -> list[EntityResult]:
    return await writer.upsert(entities)


async def _send_deletes(writer: EntityWriter, keys: list[EntityKey]) -> list[tuple[bool, str | None]]:
    result = await writer.delete_owned(keys)
    problems = dict(result.problems)
    return [(key in result.deleted, problems.get(key[0])) for key in keys]


def _options_key(options: WriteOptions) -> Hashable:
    params = tuple(sorted((options.event_params or {}).items()))
    return (options.merge, options.create_missing_related_entities, options.delete_dependents, params)


def _settle(
    future: asyncio.Future[Any], answer: Any = None, *, exception: BaseException | None = None
) -> None:
    if future.done():
        return
    if exception is not None:
        future.set_exception(exception)
    else:
        future.set_result(answer)


async def _all(futures: list[asyncio.Future[Answer]]) -> list[Answer]:
    """Every answer; the first error is raised once all are settled (none left unretrieved)."""
    answers = await asyncio.gather(*futures, return_exceptions=True)
    for answer in answers:
        if isinstance(answer, BaseException):
            raise answer
    return answers  # type: ignore[return-value]
