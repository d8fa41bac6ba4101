"""The actions benchmark's executor (ours): one log line, a simulated 3rd-party call, done.

``BENCH_ACTION_SECONDS`` (default 0) is how long the "3rd-party call" takes. The reference's
twin is ``benchmarks/actions_reference/main.py``.
"""

from __future__ import annotations

import asyncio
import os

from ocean_runtime import ActionRun, ocean

CALL_SECONDS = float(os.environ.get("BENCH_ACTION_SECONDS", "0"))


@ocean.on_action("bench_noop")
async def bench_noop(run: ActionRun) -> None:
    await run.log("working")
    await asyncio.sleep(CALL_SECONDS)
