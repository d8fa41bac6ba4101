"""``RunBuffer``: claimed runs waiting for a worker, ordered per partition key.

    claimed ──► unkeyed FIFO ─────────────┐
            └─► FIFO per partition key ───┴─► round-robin over ready sources ──► worker

- Runs without a partition key go to one shared FIFO; any number of them run at once.
- Runs with a key go to that key's FIFO; a key has at most one run in flight, so its runs run
  one after the other in the order they were claimed.
- Workers take from the ready sources in turn, so one busy key or a flood of unkeyed runs does
  not starve the others.
- A run id is held once: a run claimed again while it waits (its claim expired and was renewed)
  keeps its place and takes the new claim.
- ``saturated(limit)`` names the actions holding ``limit`` or more waiting runs: the poller
  excludes them from its next claim, so one action cannot fill the whole buffer.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

UNKEYED = ""  # the source name of the shared FIFO (partition keys are never empty)


@dataclass
class BufferedRun:
    """A claimed run waiting in the buffer.

    Attributes:
        raw: the run as Port sent it (its ``claimId`` is refreshed by a repeated claim).
        run_id: its id.
        action: the Port action identifier (the unit of the per-action share).
        partition: its partition key, or ``UNKEYED``.
        payload: whatever the processor attached (the checked properties, the executor).
        claimed_at: ``time.monotonic()`` when it was claimed.
    """

    raw: dict[str, Any]
    run_id: str
    action: str
    partition: str
    payload: Any = None
    claimed_at: float = field(default_factory=time.monotonic)


class RunBuffer:
    """See the module docstring. Used from one event loop."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[BufferedRun]] = {UNKEYED: deque()}
        self._ready: deque[str] = deque()
        self._busy: set[str] = set()
        self._held: dict[str, BufferedRun] = {}
        self._waiting_per_action: Counter[str] = Counter()
        self._changed = asyncio.Condition()

    @property
    def waiting(self) -> int:
        """Runs waiting for a worker (not those in flight)."""
        return sum(len(queue) for queue in self._queues.values())

    def holds(self, run_id: str) -> bool:
        """True while the run waits or runs here."""
        return run_id in self._held

    async def put(self, run: BufferedRun) -> bool:
        """Queue ``run`` behind the runs of its partition; False when it is held already.

        A run held already keeps its place; a newer ``claimId`` replaces the old one.
        """
        async with self._changed:
            held = self._held.get(run.run_id)
            if held is not None:
                if run.raw.get("claimId"):
                    held.raw["claimId"] = run.raw["claimId"]
                return False
            self._held[run.run_id] = run
            queue = self._queues.setdefault(run.partition, deque())
            was_idle = not queue and run.partition not in self._busy
            queue.append(run)
            self._waiting_per_action[run.action] += 1
            if was_idle and run.partition not in self._ready:
                self._ready.append(run.partition)
            self._changed.notify()
        return True

    async def take(self) -> BufferedRun:
        """The next run a worker may start (waits for one)."""
        async with self._changed:
            await self._changed.wait_for(lambda: bool(self._ready))
            source = self._ready.popleft()
            run = self._queues[source].popleft()
            self._waiting_per_action[run.action] -= 1
            if self._waiting_per_action[run.action] <= 0:
                del self._waiting_per_action[run.action]
            if source == UNKEYED:
                if self._queues[UNKEYED]:
                    self._ready.append(UNKEYED)
                    self._changed.notify()
            else:
                self._busy.add(source)
            self._changed.notify_all()
            return run

    async def done(self, run: BufferedRun) -> None:
        """The worker finished ``run``: its partition may start its next one."""
        async with self._changed:
            self._held.pop(run.run_id, None)
            if run.partition != UNKEYED:
                self._busy.discard(run.partition)
                if self._queues.get(run.partition):
                    self._ready.append(run.partition)
                else:
                    self._queues.pop(run.partition, None)
            self._changed.notify_all()

    async def wait_for_room(self, high_watermark: int) -> None:
        """Return once fewer than ``high_watermark`` runs wait."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.waiting < high_watermark)

    def saturated(self, limit: int) -> list[str]:
        """Actions with ``limit`` or more waiting runs (left out of the next claim)."""
        return sorted(action for action, count in self._waiting_per_action.items() if count >= limit)

    def drain_waiting(self) -> list[BufferedRun]:
        """Remove and return every waiting run (shutdown: their claims will expire)."""
        drained = [run for queue in self._queues.values() for run in queue]
        for queue in self._queues.values():
            queue.clear()
        self._ready.clear()
        self._waiting_per_action.clear()
        for run in drained:
            self._held.pop(run.run_id, None)
        return drained
