"""The actions benchmark's executor for the reference (port-ocean): the twin of ours.

One log line, a simulated 3rd-party call (``BENCH_ACTION_SECONDS``), then the completion the
reference leaves to executors (``report_run_completed``).
"""

import asyncio
import os

from port_ocean.context.ocean import ocean
from port_ocean.core.handlers.actions.abstract_executor import AbstractExecutor

CALL_SECONDS = float(os.environ.get("BENCH_ACTION_SECONDS", "0"))


class BenchNoop(AbstractExecutor):
    ACTION_NAME = "bench_noop"
    WEBHOOK_PROCESSOR_CLASS = None
    WEBHOOK_PATH = ""

    async def is_close_to_rate_limit(self, run):
        return False

    async def get_remaining_seconds_until_rate_limit(self, run):
        return 0.0

    async def execute(self, run):
        await ocean.port_client.post_run_log(run, "working")
        await asyncio.sleep(CALL_SECONDS)
        await ocean.port_client.report_run_completed(run, success=True)


ocean.register_action_executor(BenchNoop())
