"""Group commit: the entity upserts waiting at the same moment share one transaction.

A COMMIT appends every page its transaction changed to the WAL. For a bulk upsert of 20 entities
that is mostly the same few index pages of ``entities`` and ``entity_links`` each time, and
committing them per request was a third of the harbor's CPU per entity. Clients send on several
connections at once, so upserts arrive together: running them in one transaction writes those
pages once.

Each request still behaves as if it ran alone, in arrival order, and is answered only after the
shared COMMIT, so a 200 still means durable and visible to the next read. A failing request gets
its own error and leaves no trace: most fail before writing anything (unknown blueprint, bad
body); one that fails after writing makes the group roll back and run again without it.
SAVEPOINTs would isolate it too, but they copy every page a request touches into a
sub-journal, which cost more than the shared commit saved.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ocean_harbor.http_utils import in_thread
from ocean_harbor.store import Store, StoreBusy

# Requests per transaction at most: bounds the time the event loop is held and what a lost
# transaction (disk full) takes down with it.
MAX_GROUP = 32
# Event-loop turns a new group waits for requests whose bytes already arrived to reach the queue
# (reading, routing and parsing a request takes a few turns); stops as soon as none joins.
GATHER_TURNS = 4


@dataclass
class _Job:
    work: Callable[[], Any]
    future: asyncio.Future[Any]
    value: Any = None
    error: BaseException | None = None


@dataclass
class _Queue:
    """The waiting jobs of one event loop, and the task writing them."""

    jobs: list[_Job] = field(default_factory=list)
    task: asyncio.Task[None] | None = None  # held here: the loop keeps only a weak reference


class GroupCommitter:
    """Runs write work submitted from an event loop in shared transactions of a ``Store``.

    Work runs on the event loop when the store is free (see ``Store.write_without_waiting``), else
    in a worker thread; either way groups of one loop run one after another, and other writers
    (deletions, blueprints) serialise with them on the store's write lock.

    Args:
        store: the store written to.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()  # test clients may drive one app from several loops
        self._queues: dict[int, _Queue] = {}

    async def run(self, work: Callable[..., Any], *args: Any) -> Any:
        """Runs ``work(*args)`` inside a write transaction and returns (or raises) what it did,
        once its transaction has committed."""
        loop = asyncio.get_running_loop()
        job = _Job(lambda: work(*args), loop.create_future())
        with self._lock:
            queue = self._queues.setdefault(id(loop), _Queue())
            queue.jobs.append(job)
            if queue.task is None:
                queue.task = loop.create_task(self._drain(id(loop), queue))
        return await job.future

    async def _drain(self, key: int, queue: _Queue) -> None:
        group: list[_Job] = []
        try:
            while group := await self._next_group(key, queue):
                await self._commit(group)
        finally:  # normally empty; after a cancellation (loop shutting down) nobody would answer them
            with self._lock:
                leftovers, queue.jobs = queue.jobs, []
                if self._queues.get(key) is queue:
                    del self._queues[key]
            for job in group + leftovers:
                job.future.cancel()

    async def _next_group(self, key: int, queue: _Queue) -> list[_Job]:
        await _gather(queue)
        with self._lock:
            group, queue.jobs = queue.jobs[:MAX_GROUP], queue.jobs[MAX_GROUP:]
            if not group:
                del self._queues[key]
        return group

    async def _commit(self, group: list[_Job]) -> None:
        pending = [job for job in group if not job.future.cancelled()]  # its client went away
        while pending:
            try:
                await self._write(pending)
            except _Undo:  # rolled back: the jobs that have not failed run again without it
                pending = [job for job in pending if job.error is None]
                continue
            except Exception as exc:  # the transaction is lost: nothing of the group was written
                for job in pending:
                    job.value, job.error = None, exc
            break
        _answer(group)

    async def _write(self, jobs: list[_Job]) -> None:
        try:
            self._store.write_without_waiting(_run_all, self._store, jobs)
        except StoreBusy:
            await in_thread(_run_all, self._store, jobs)


async def _gather(queue: _Queue) -> None:
    for _ in range(GATHER_TURNS):
        waiting = len(queue.jobs)
        if waiting >= MAX_GROUP:
            return
        await asyncio.sleep(0)
        if len(queue.jobs) == waiting:
            return


class _Undo(Exception):
    """A job failed after writing: its group must roll back (its error is on the job)."""


def _run_all(store: Store, jobs: list[_Job]) -> None:
    """Runs the jobs one after another in one transaction (opened here, or by the caller)."""
    with store.write() as conn:
        for job in jobs:
            changes = conn.total_changes
            job.value, job.error = None, None
            try:
                job.value = job.work()
            except Exception as exc:
                job.error = exc
                if conn.total_changes != changes or not conn.in_transaction:
                    raise _Undo from exc


def _answer(jobs: list[_Job]) -> None:
    for job in jobs:
        if job.future.done():  # its request was cancelled
            continue
        if job.error is not None:
            job.future.set_exception(job.error)
        else:
            job.future.set_result(job.value)
