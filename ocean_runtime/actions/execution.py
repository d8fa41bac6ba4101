"""Executing one claimed run: wait out rate limits, acknowledge, execute within budget, report.

1. While the executor says it is close to its rate limit, log the delay on the run and wait
   (before the acknowledgement, as the reference does: the run is not started yet).
2. Acknowledge. Port answering 409 means another worker has the run: skip it.
3. Execute within ``max_execution_seconds``. With a harbor claim (``claimId``) a heartbeat
   renews the lease every third of the visibility timeout; if the lease is lost (another worker
   took the run after this one stalled) the executor is cancelled and nothing is reported.
4. Report exactly once: SUCCESS when it returns, FAILURE with the reason when it raises or runs
   out of time — unless the executor reported itself or handed completion on
   (``run.complete_later()``). A report Port cannot take is retried a few times; after that the
   claim expires and the run is offered again (the executor sees the same idempotency key).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocean_runtime.errors import OceanError
from ocean_runtime.sync.user_code import describe_exception

from .run import ActionFailedError, ActionRun, ClaimLostError, RunReporter, entity_of

if TYPE_CHECKING:
    from ocean_runtime.port.action_runs import ActionRunsAPI

    from .buffer import BufferedRun
    from .executor import ActionExecutor

logger = logging.getLogger("ocean.actions")

RATE_LIMIT_MAX_WAIT_SECONDS = 10.0
RATE_LIMITED_LABEL = "Rate limited"
REPORT_RETRY_DELAYS = (0.5, 1.0, 2.0)
Sleep = Callable[[float], Awaitable[None]]


class Outcome(enum.Enum):
    """What became of one delivered run."""

    SUCCESS = "success"
    FAILURE = "failure"
    COMPLETES_LATER = "completes_later"
    TAKEN = "taken"  # another worker acknowledged it first
    CLAIM_LOST = "claim_lost"  # this worker's lease was given to another
    UNREPORTED = "unreported"  # Port never took the report: the run will be offered again


@dataclass(frozen=True)
class ExecutionSettings:
    """How runs are executed (from ``OCEAN__ACTIONS_PROCESSOR__*``)."""

    visibility_timeout_ms: int
    max_execution_seconds: float
    directory: Path | None = None


@dataclass(frozen=True)
class Prepared:
    """What the poller attached to a buffered run: its executor and the run it will get."""

    executor: ActionExecutor
    run: ActionRun


def prepare_run(
    raw: dict[str, Any], executor: ActionExecutor, properties: dict[str, Any], api: ActionRunsAPI
) -> Prepared:
    """The ``ActionRun`` an executor will get for ``raw`` (a run read by ``read_run``)."""
    payload = raw.get("payload") or {}
    action = raw.get("action")
    identifier = action.get("identifier") if isinstance(action, dict) else None
    entity, blueprint = entity_of(raw)
    deliveries = raw.get("deliveryCount")
    run_id = str(raw["id"])
    run = ActionRun(
        id=run_id,
        action=str(identifier or payload.get("integrationActionType")),
        action_type=str(payload.get("integrationActionType")),
        properties=properties,
        raw=raw,
        attempt=deliveries if isinstance(deliveries, int) and deliveries > 0 else 1,
        entity=entity,
        blueprint=blueprint,
        reporter=RunReporter(api, run_id, raw.get("claimId")),
    )
    return Prepared(executor, run)


async def execute_run(
    buffered: BufferedRun, settings: ExecutionSettings, *, sleep: Sleep = asyncio.sleep
) -> Outcome:
    """Run one buffered run through its executor (see the module docstring)."""
    prepared: Prepared = buffered.payload
    run, reporter = prepared.run, prepared.run.reporter
    # A repeated claim may have renewed it; without a lease the acknowledgement is final.
    reporter.claim_id = buffered.raw.get("claimId") if prepared.executor.leases else None
    api = reporter.api
    failure: ActionFailedError | None = None
    try:
        await _wait_for_rate_limit(prepared.executor, run, sleep)
    except ClaimLostError:
        return Outcome.CLAIM_LOST
    except ActionFailedError as exc:
        failure = exc  # reported once the run is acknowledged, as any other failure
    if not await api.acknowledge(run.id, reporter.claim_id):
        logger.info("Run %s (%s) is taken by another worker: skipped", run.id, run.action)
        return Outcome.TAKEN
    if failure is not None:
        return await _report(reporter, False, failure.message, failure.status_label, sleep)
    run.deadline = time.monotonic() + settings.max_execution_seconds
    return await _execute_and_report(prepared.executor, run, reporter, settings, sleep)


async def _wait_for_rate_limit(executor: ActionExecutor, run: ActionRun, sleep: Sleep) -> None:
    try:
        while await executor.is_close_to_rate_limit(run):
            seconds = await executor.seconds_until_rate_limit_reset(run)
            wait = min(RATE_LIMIT_MAX_WAIT_SECONDS, max(0.0, float(seconds)))
            await _best_effort_log(
                run, f"Delayed by the rate limit: trying again in {wait:g} s", RATE_LIMITED_LABEL
            )
            await sleep(wait)
    except (ClaimLostError, ActionFailedError):
        raise
    except Exception as exc:
        raise ActionFailedError(f"the rate-limit check failed: {describe_exception(exc)}") from exc


async def _execute_and_report(
    executor: ActionExecutor, run: ActionRun, reporter: RunReporter, settings: ExecutionSettings, sleep: Sleep
) -> Outcome:
    work = asyncio.create_task(executor.execute(run), name=f"action-run-{run.id}")
    heartbeat = _start_heartbeat(run, reporter, settings, work)
    try:
        async with asyncio.timeout(settings.max_execution_seconds):
            await work
    except ClaimLostError as exc:
        logger.warning("Run %s (%s): %s — stopped, not reported", run.id, run.action, exc)
        return Outcome.CLAIM_LOST
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if (current is not None and current.cancelling()) or heartbeat is None:
            raise  # shutting down: the claim expires and the run is offered again
        logger.warning("Run %s (%s): its claim was given to another worker — stopped", run.id, run.action)
        return Outcome.CLAIM_LOST
    except TimeoutError:
        message = (
            f"did not finish within {settings.max_execution_seconds:g} s "
            "(OCEAN__ACTIONS_PROCESSOR__MAX_EXECUTION_SECONDS)"
        )
        return await _report(reporter, False, message, "Timed out", sleep)
    except ActionFailedError as exc:
        return await _report(reporter, False, exc.message, exc.status_label, sleep)
    except Exception as exc:
        detail = describe_exception(exc, settings.directory)
        if not isinstance(exc, OceanError):
            logger.error("Run %s (%s) failed: %s", run.id, run.action, detail, exc_info=exc)
        return await _report(reporter, False, detail, None, sleep)
    finally:
        if heartbeat is not None:
            heartbeat.cancel()
    if reporter.finished:  # the executor reported the end itself
        return Outcome.SUCCESS if reporter.succeeded else Outcome.FAILURE
    if reporter.completes_later:
        return Outcome.COMPLETES_LATER
    return await _report(reporter, True, None, None, sleep)


def _start_heartbeat(
    run: ActionRun, reporter: RunReporter, settings: ExecutionSettings, work: asyncio.Task[Any]
) -> asyncio.Task[bool] | None:
    """Renew the harbor lease while ``work`` runs; cancel ``work`` if the lease is lost."""
    if not reporter.claim_id:
        return None  # Port's claims end with the acknowledgement: nothing to renew
    interval = max(0.05, settings.visibility_timeout_ms / 3000)

    async def beat() -> bool:
        while not work.done():
            await asyncio.sleep(interval)
            try:
                still_ours = await reporter.api.acknowledge(run.id, reporter.claim_id)
            except Exception as exc:  # a missed beat is not fatal: the next one may get through
                logger.warning("Run %s: could not renew its claim: %s", run.id, exc)
                continue
            if not still_ours:
                work.cancel()
                return False
        return True

    return asyncio.create_task(beat(), name=f"action-run-heartbeat-{run.id}")


async def _report(
    reporter: RunReporter, success: bool, message: str | None, status_label: str | None, sleep: Sleep
) -> Outcome:
    if reporter.finished:  # reported already: what was reported is the outcome
        return Outcome.SUCCESS if reporter.succeeded else Outcome.FAILURE
    outcome = Outcome.SUCCESS if success else Outcome.FAILURE
    for delay in (*REPORT_RETRY_DELAYS, None):
        try:
            await reporter.finish(success, message, status_label)
            return outcome
        except ClaimLostError:
            return Outcome.CLAIM_LOST
        except OceanError as exc:
            if delay is None:
                logger.error(
                    "Run %s: Port did not take its %s report (%s); it will be offered again",
                    reporter.run_id,
                    outcome.value.upper(),
                    exc,
                )
                return Outcome.UNREPORTED
            await sleep(delay)
    return Outcome.UNREPORTED  # pragma: no cover - the loop always returns


async def _best_effort_log(run: ActionRun, message: str, label: str | None) -> None:
    try:
        await run.log(message, status_label=label)
    except ClaimLostError:
        raise
    except OceanError as exc:
        logger.warning("Run %s: could not log %r: %s", run.id, message, exc)
