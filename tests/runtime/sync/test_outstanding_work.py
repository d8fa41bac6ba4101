"""When a resync gives up on something, nothing it started keeps running; its clock covers it all.

Comparing a batch searches Port in chunks, concurrently. One chunk failing used to leave its
siblings running on their own (``asyncio.gather`` does not cancel them): they kept retrying
503s for minutes after the resync had moved on or ended, holding the client's request slots,
and the run's reported duration stopped before the final requests waited behind them.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from ocean_harbor.faults import FaultConfig
from ocean_harbor.testing import RunningHarbor
from ocean_runtime.sync import Status


def lingering_tasks() -> list[asyncio.Task[Any]]:
    current = asyncio.current_task()
    return [task for task in asyncio.all_tasks() if task is not current and not task.done()]


async def test_a_failed_comparison_cancels_its_sibling_searches(tiny: Any) -> None:
    tiny.set_mapping([tiny.TEAM])
    tiny.set_data(team=tiny.teams(count=120, members=0))  # one batch: three search chunks of 50
    assert (await tiny.resync()).status == Status.COMPLETED
    faults = FaultConfig.from_json(
        [
            {"path": "^/v1/entities/search", "status": 500, "first": 1},  # refused: not retried
            {"path": "^/v1/entities/search", "status": 503, "retryAfter": 30},  # retried for minutes
        ]
    )

    with RunningHarbor(tiny.harbor.db_path, faults=faults) as faulty:
        report = await tiny.resync(faulty)
        still_running = lingering_tasks()

    # Comparing is an optimisation: Port could not answer, so every team was written.
    assert report.status == Status.COMPLETED, report.reasons()
    assert report.kinds[0].upserted == 120
    assert still_running == []


async def test_the_reported_duration_covers_the_final_requests(tiny: Any) -> None:
    tiny.set_mapping([tiny.SERVICE])
    # The final resync-state report (the second PATCH) takes a second to answer.
    faults = FaultConfig.from_json([{"method": "PATCH", "path": "/resync-state$", "delay": 1.0, "every": 2}])

    with RunningHarbor(tiny.harbor.db_path, faults=faults) as slow:
        started = time.monotonic()
        report = await tiny.resync(slow)
        elapsed = time.monotonic() - started

    assert report.status == Status.COMPLETED, report.reasons()
    assert faults.rules[0].seen == 2
    assert 1.0 <= report.duration <= elapsed
