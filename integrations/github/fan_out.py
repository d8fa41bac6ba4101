"""Reading something of every repository, several repositories at a time.

Pull requests, issues, workflows and runs are listed per repository: one after the other, an
organisation of 1,000 repositories costs 1,000 sequential round trips per kind. ``fan_out``
keeps up to ``concurrency`` repositories in flight and streams their batches as they arrive,
through a bounded queue, so memory stays flat however large the organisation is. GitHub's
rate-limit budget is still respected: every request goes through the toolkit's transports.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

RawItem = dict[str, Any]
DEFAULT_CONCURRENCY = 8


@dataclass(frozen=True)
class _Failed:
    error: BaseException


_DONE = object()


async def fan_out(
    repositories: AsyncIterator[list[RawItem]],
    fetch: Callable[[RawItem], AsyncIterator[list[RawItem]]],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> AsyncIterator[list[RawItem]]:
    """Yield the batches ``fetch(repository)`` yields, for every repository, ``concurrency`` at a time.

    The first error (of listing repositories or of any ``fetch``) stops everything and is raised,
    so a kind is never reported complete when a repository's items are missing.
    """
    queue: asyncio.Queue[object] = asyncio.Queue(maxsize=2 * concurrency)
    slots = asyncio.Semaphore(concurrency)

    async def read(repository: RawItem) -> None:
        try:
            async for batch in fetch(repository):
                if batch:
                    await queue.put(batch)
        finally:
            slots.release()

    async def produce() -> None:
        try:
            async with asyncio.TaskGroup() as group:
                async for page in repositories:
                    for repository in page:
                        await slots.acquire()  # bounds the tasks alive, not only the requests
                        group.create_task(read(repository))
        except BaseExceptionGroup as failures:
            await queue.put(_Failed(failures.exceptions[0]))
        except Exception as error:
            await queue.put(_Failed(error))
        else:
            await queue.put(_DONE)

    producer = asyncio.create_task(produce())
    try:
        while (item := await queue.get()) is not _DONE:
            if isinstance(item, _Failed):
                raise item.error
            assert isinstance(item, list)
            yield item
    finally:
        producer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await producer
