"""``OffloadingMapper``: the one rule for when mapping leaves the event loop (resyncs and live events).

A batch of a compiled mapping takes a few milliseconds; handing it to a thread cost more than
that, and the mapping thread and the event loop then fight over the GIL (each waiting up to a
switch interval), which left both this process and Port's side idle a third of the time
(measured: ~15 % more wall time on 50,000 items). So a resource's batches are mapped on the
loop while each takes less than ``INLINE_MAPPING_BUDGET_S`` of CPU; once one takes longer
(jq-heavy expressions, huge batches) that resource's mapping moves to a worker thread for good,
so the loop keeps answering webhooks and health checks. CPU time, not wall time: on a busy
machine a one-item batch can wait 50 ms for a core, and that says nothing about the mapping.
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


class OffloadingMapper:
    """Maps batches of one resource on the loop while that is quick, in a thread once it is not.

    Args:
        mapper: the resource's compiled mapping.
    """

    def __init__(self, mapper: ResourceMapper) -> None:
        self.mapper = mapper
        self._inline = True

    async def map(self, batch: Sequence[Any], *, include_filtered: bool = False) -> MappingResult:
        """``mapper.map_raw(batch)``, on the loop or in a worker thread (see the module docstring)."""
        if not self._inline:
            return await asyncio.to_thread(self.mapper.map_raw, batch, include_filtered=include_filtered)
        started = time.thread_time()
        result = self.mapper.map_raw(batch, include_filtered=include_filtered)
        if time.thread_time() - started > INLINE_MAPPING_BUDGET_S:
            self._inline = False
        return result
