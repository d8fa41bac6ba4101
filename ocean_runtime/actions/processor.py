"""``ActionsProcessor``: claims this integration's pending action runs and executes them.

    poller ── claim-pending ──► admit (executor? inputs valid? partition key) ──► RunBuffer
                                   └─ no executor / bad inputs: acknowledged and FAILED at once
    workers (OCEAN__ACTIONS_PROCESSOR__WORKERS_COUNT) ◄── RunBuffer ── execute_run

The poller claims at most ``runs_buffer_high_watermark`` runs ahead of the workers (refilling
once half of them have started), leaves out the actions already holding their share of the
buffer (``max_runs_buffer_util_pct_per_action``), and sleeps
``poll_check_interval_seconds`` when nothing is pending. Each claim lasts
``visibility_timeout_ms``: a run claimed by a worker that died is offered again after it.

Enabled by ``OCEAN__ACTIONS_PROCESSOR__ENABLED=true`` with a listener that runs actions (every
listener but ``ONCE`` and ``WEBHOOKS_ONLY``); see ``ocean_runtime.app.service``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocean_runtime.errors import OceanError, PortAPIError

from .buffer import UNKEYED, BufferedRun, RunBuffer
from .execution import ExecutionSettings, Outcome, Sleep, execute_run, prepare_run
from .inputs import InvalidInputs, SpecActions, check_properties
from .run import ActionFailedError, ClaimLostError, MalformedRunError, RunReporter, read_run

if TYPE_CHECKING:
    from ocean_runtime.config.settings import ActionsProcessorSettings
    from ocean_runtime.port.action_runs import ActionRunsAPI

    from .executor import ActionExecutor

logger = logging.getLogger("ocean.actions")

INVALID_INPUTS_LABEL = "Invalid inputs"
OnOutcome = Callable[[str, str, float], None]  # (action, outcome, seconds since the claim)
CLAIM_REFUSED_HINT = {
    401: "the credentials were refused",
    403: "actions need a machine token: the organisation's client id and secret, not a personal one",
    404: "this Port (or harbor) has no action-run endpoints",
}


class ActionsProcessor:
    """Claims and executes runs (see the module docstring).

    Args:
        api: the Port client's action-runs API.
        executors: the integration's executors by action name.
        settings: ``OCEAN__ACTIONS_PROCESSOR__*``.
        spec: the actions the spec declares (for input checks).
        directory: the integration folder (error messages point at its lines).
        sleep: how to wait (tests pass their own).
        on_outcome: told what became of each run (metrics).
    """

    def __init__(
        self,
        api: ActionRunsAPI,
        executors: Mapping[str, ActionExecutor],
        settings: ActionsProcessorSettings,
        spec: SpecActions | None = None,
        *,
        directory: Path | None = None,
        sleep: Sleep = asyncio.sleep,
        on_outcome: OnOutcome | None = None,
    ) -> None:
        self.api = api
        self.executors = dict(executors)
        self.settings = settings
        self.spec = spec or SpecActions()
        self.buffer = RunBuffer()
        self.outcomes: Counter[str] = Counter()
        self._execution = ExecutionSettings(
            settings.visibility_timeout_ms, settings.max_execution_seconds, directory
        )
        self._sleep = sleep
        self._on_outcome = on_outcome
        self._tasks: list[asyncio.Task[Any]] = []
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._last_claim_error = ""

    def start(self) -> list[asyncio.Task[Any]]:
        """Start the poller and the workers; returns their tasks (``stop`` ends them)."""
        self._warn_about_undeclared_actions()
        self._tasks = [asyncio.create_task(self._poll(), name="actions-poller")]
        for index in range(self.settings.workers_count):
            self._tasks.append(asyncio.create_task(self._work(), name=f"actions-worker-{index}"))
        logger.info(
            "Executing action runs (%s) with %d worker(s)",
            ", ".join(sorted(self.executors)) or "no executors",
            self.settings.workers_count,
        )
        return list(self._tasks)

    async def stop(self, deadline: float) -> None:
        """Stop claiming, let running runs finish until ``deadline`` (monotonic), then cancel.

        Runs still waiting are let go: their claims expire and they are offered again.
        """
        for task in self._tasks[:1]:
            task.cancel()
        dropped = self.buffer.drain_waiting()
        if dropped:
            logger.info("Shutting down: %d claimed run(s) not started will be offered again", len(dropped))
        remaining = deadline - time.monotonic()
        if remaining > 0 and not self._idle.is_set():
            try:
                await asyncio.wait_for(self._idle.wait(), remaining)
            except TimeoutError:
                logger.warning("Shutting down: %d running action run(s) interrupted", self._in_flight)
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks)

    # -- claiming ---------------------------------------------------------------------------

    async def _poll(self) -> None:
        high_watermark = self.settings.runs_buffer_high_watermark
        refill_below = max(1, high_watermark // 2)
        while True:
            await self.buffer.wait_for_room(refill_below)
            limit = high_watermark - self.buffer.waiting
            runs = await self._claim(limit)
            for raw in runs:
                await self._admit(raw)
            if len(runs) < limit:  # nothing more is pending right now
                await self._sleep(self.settings.poll_check_interval_seconds)

    async def _claim(self, limit: int) -> list[dict[str, Any]]:
        share = self.settings.max_runs_buffer_util_pct_per_action
        per_action = max(1, self.settings.runs_buffer_high_watermark * share // 100) if share else None
        exclude = self.buffer.saturated(per_action) if per_action else []
        try:
            runs = await self.api.claim_pending(
                limit=limit, visibility_timeout_ms=self.settings.visibility_timeout_ms, exclude=exclude
            )
        except OceanError as exc:
            self._claim_failed(exc)
            return []
        self._last_claim_error = ""
        return runs

    def _claim_failed(self, exc: OceanError) -> None:
        message = str(exc)
        if isinstance(exc, PortAPIError) and exc.status in CLAIM_REFUSED_HINT:
            message += f" — {CLAIM_REFUSED_HINT[exc.status]}"
        if message != self._last_claim_error:  # once per distinct problem, not once per poll
            logger.warning("Could not claim action runs: %s", message)
        self._last_claim_error = message

    async def _admit(self, raw: dict[str, Any]) -> None:
        """Buffer a claimed run, or fail it at once when it cannot be executed."""
        try:
            run_id, action, action_type, properties = read_run(raw)
        except MalformedRunError as exc:
            logger.error("Cannot execute a claimed run: %s", exc)
            if isinstance(raw.get("id"), str):
                await self._reject(raw, str(exc), None)
            return
        if self.buffer.holds(run_id):
            await self.buffer.put(BufferedRun(raw, run_id, action, UNKEYED))  # refreshes its claim
            return
        executor = self.executors.get(action_type)
        if executor is None:
            known = ", ".join(sorted(self.executors)) or "none"
            message = (
                f"no executor for action type '{action_type}' in this integration (it executes: {known})"
            )
            await self._reject(raw, message, "No executor")
            return
        try:
            checked = check_properties(self.spec.declarations.get(action_type), properties)
        except InvalidInputs as exc:
            await self._reject(raw, f"invalid inputs for '{action_type}': {exc}", INVALID_INPUTS_LABEL)
            return
        prepared = prepare_run(raw, executor, checked, self.api)
        try:
            key = await executor.partition_key(prepared.run)
        except Exception as exc:
            await self._reject(raw, f"{type(executor).__name__}.partition_key failed: {exc}", None)
            return
        await self.buffer.put(BufferedRun(raw, run_id, action, key or UNKEYED, prepared))

    async def _reject(self, raw: dict[str, Any], message: str, label: str | None) -> None:
        """Acknowledge a run that cannot be executed and report it FAILED with ``message``."""
        run_id = str(raw["id"])
        reporter = RunReporter(self.api, run_id, raw.get("claimId"))
        try:
            if not await self.api.acknowledge(run_id, reporter.claim_id):
                return
            await reporter.finish(False, message, label)
            self._count(_action_of(raw), Outcome.FAILURE, time.monotonic())
            logger.warning("Run %s failed before it started: %s", run_id, message)
        except (ClaimLostError, ActionFailedError):
            return
        except OceanError as exc:
            logger.error("Run %s: could not report that it failed (%s): %s", run_id, message, exc)

    def _count(self, action: str, outcome: Outcome, claimed_at: float) -> None:
        self.outcomes[outcome.value] += 1
        if self._on_outcome is not None:
            self._on_outcome(action, outcome.value, time.monotonic() - claimed_at)

    # -- executing --------------------------------------------------------------------------

    async def _work(self) -> None:
        while True:
            buffered = await self.buffer.take()
            self._in_flight += 1
            self._idle.clear()
            try:
                self._count(buffered.action, await self._execute(buffered), buffered.claimed_at)
            finally:
                await self.buffer.done(buffered)
                self._in_flight -= 1
                if self._in_flight == 0:
                    self._idle.set()

    async def _execute(self, buffered: BufferedRun) -> Outcome:
        try:
            return await execute_run(buffered, self._execution, sleep=self._sleep)
        except OceanError as exc:  # Port unreachable for the acknowledgement…
            logger.warning("Run %s was not executed: %s (it will be offered again)", buffered.run_id, exc)
            return Outcome.UNREPORTED

    def _warn_about_undeclared_actions(self) -> None:
        if not self.spec.declarations:
            return
        for name in sorted(set(self.executors) - set(self.spec.declarations)):
            logger.warning(
                "Executor %r is not declared in %s actions[]: its runs' inputs are not checked",
                name,
                self.spec.file,
            )


def _action_of(raw: dict[str, Any]) -> str:
    action = raw.get("action")
    identifier = action.get("identifier") if isinstance(action, dict) else None
    return str(identifier or "unknown")
