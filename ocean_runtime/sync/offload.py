"""``OffloadingMapper``: the one rule for when mapping leaves the event loop (resyncs and live events).

A batch of a compiled mapping takes a few milliseconds; handing it to a thread cost more than
that, and the mapping thread and the event loop then fight over the GIL (each waiting up to a
switch interval), which left both this process and Port's side idle a third of the time
(measured: ~15 % more wall time on 50,000 items). So a resource's batches are mapped on the
loop while they take less than ``INLINE_MAPPING_BUDGET_S``; once ``SLOW_BATCHES_TO_MOVE`` in a
row took longer (jq-heavy expressions, huge batches) that resource's mapping moves to a worker
thread for good, so the loop keeps answering webhooks and health checks. In a row: on a busy
machine one small batch can wait 50 ms for a core, which says nothing about the mapping.

A mapping that runs jq (``ResourceMapper.uses_jq``) starts in the thread: a jq call may take up
to its time budget, and the loop must stay free to notice Ctrl-C (closing the jq sandbox then
ends the call).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ocean_runtime.mapping import MappingResult, ResourceMapper

# Longest a batch may take to map on the event loop before mapping moves to a worker thread.
INLINE_MAPPING_BUDGET_S = 0.05
SLOW_BATCHES_TO_MOVE = 3


class OffloadingMapper:
    """Maps batches of one resource on the loop while that is quick, in a thread once it is not.

    Args:
        mapper: the resource's compiled mapping.
    """

    def __init__(self, mapper: ResourceMapper) -> None:
        self.mapper = mapper
        self._inline = not mapper.uses_jq
        self._slow = 0  # consecutive batches over the budget

    async def map(self, batch: Sequence[Any], *, include_filtered: bool = False) -> MappingResult:
        """``mapper.map_raw(batch)``, on the loop or in a worker thread (see the module docstring)."""
        if not self._inline and batch:
            return await asyncio.to_thread(self.mapper.map_raw, batch, include_filtered=include_filtered)
        started = time.perf_counter()
        result = self.mapper.map_raw(batch, include_filtered=include_filtered)
        self._slow = self._slow + 1 if time.perf_counter() - started > INLINE_MAPPING_BUDGET_S else 0
        if self._slow >= SLOW_BATCHES_TO_MOVE:
            self._inline = False
        return result
