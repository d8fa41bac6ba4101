"""``ocean.port_client`` while Ocean runs a published integration: the run-reporting calls.

Published executors and webhook processors report on action runs themselves, through the
published Port client: ``post_run_log``, ``update_run_started`` (link and external id),
``patch_run``, ``report_run_completed``, ``find_run_by_external_id``, ``is_run_in_progress``.
They map onto Ocean's actions:

- a call about the run the current task is executing goes through that run
  (``ocean_runtime.ActionRun``: its claim, and its report counted once by the processor);
- a call about any other run (typically a webhook completing a run found by its external id)
  goes through ``ocean.action_runs``.

As published, a log never fails the caller, ``report_run_completed`` fails it only with
``should_raise=True`` and ``patch_run``/``update_run_started`` always may. Every other call of
the published client raises an error naming it: Ocean writes entities to Port itself, from what
handlers and processors return (or ``ocean.register_raw``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import ocean_runtime
from ocean_runtime.actions import ClaimLostError
from ocean_runtime.errors import OceanError

from . import exceptions
from .runs import ActionRun, WorkflowNodeRun

logger = logging.getLogger(__name__)

_executing: ContextVar[ocean_runtime.ActionRun | None] = ContextVar("ocean_compat_run", default=None)


@contextmanager
def executing(run: ocean_runtime.ActionRun) -> Iterator[None]:
    """Within the block (and the tasks it starts), calls about ``run`` go through ``run`` itself."""
    token = _executing.set(run)
    try:
        yield
    finally:
        _executing.reset(token)


class _ExecutingRun:
    """Reports on the run this task executes (through its claim)."""

    def __init__(self, run: ocean_runtime.ActionRun) -> None:
        self._run = run

    async def log(self, message: str, status_label: str | None) -> None:
        await self._run.log(message, status_label=status_label)

    async def patch(self, body: dict[str, Any]) -> None:
        await self._run.reporter.patch(body)

    async def complete(self, success: bool, message: str | None, status_label: str | None) -> None:
        if success:
            await self._run.succeed(message, status_label=status_label)
        else:
            await self._run.fail(message or "the action failed", status_label=status_label)


class _AnyRun:
    """Reports on a run by its id (``ocean.action_runs``)."""

    def __init__(self, run_id: str) -> None:
        self._run_id = run_id

    async def log(self, message: str, status_label: str | None) -> None:
        await ocean_runtime.ocean.action_runs.log(self._run_id, message, status_label=status_label)

    async def patch(self, body: dict[str, Any]) -> None:
        await ocean_runtime.ocean.action_runs.patch(self._run_id, body)

    async def complete(self, success: bool, message: str | None, status_label: str | None) -> None:
        await ocean_runtime.ocean.action_runs.complete(
            self._run_id, success=success, message=message, status_label=status_label
        )


def _channel(run: Any, call: str) -> _ExecutingRun | _AnyRun:
    if isinstance(run, WorkflowNodeRun):
        raise exceptions.OceanAbortException(
            f"ocean.port_client.{call}: run {run.id} is a workflow node run; Ocean executes action runs only"
        )
    run_id = str(run.id)
    executing_run = _executing.get()
    if executing_run is not None and executing_run.id == run_id:
        return _ExecutingRun(executing_run)
    return _AnyRun(run_id)


async def _maybe_raise(call: str, run: Any, should_raise: bool, work: Any) -> None:
    """Await ``work``; without ``should_raise``, a refusal is logged (as published), not raised."""
    try:
        await work
    except ClaimLostError:
        raise  # this worker lost the run: the processor stops it, whatever the executor wanted
    except OceanError as exc:
        if should_raise:
            raise
        logger.warning("ocean.port_client.%s(run %s) was refused: %s", call, getattr(run, "id", run), exc)


class CompatPortClient:
    """The published Port client's run-reporting calls (see the module docstring)."""

    async def post_run_log(
        self,
        run: Any,
        message: str,
        level: str = "INFO",
        status_label: str | None = None,
        should_raise: bool = False,
    ) -> None:
        """Add a line to the run's log (``level`` is not shown on action runs, as published)."""
        channel = _channel(run, "post_run_log")
        await _maybe_raise("post_run_log", run, should_raise, channel.log(message, status_label))

    async def post_run_logs(self, run: Any, logs: list[Any], should_raise: bool = False) -> None:
        """Add several lines (``WorkflowNodeRunLog``: ``level``, ``message``)."""
        for line in logs:
            await self.post_run_log(run, line.message, should_raise=should_raise)

    async def patch_run(self, run: Any, payload: dict[str, Any], should_raise: bool = True) -> None:
        """Update the run's fields as Port names them (``link``, ``externalRunId``, ``status``…)."""
        channel = _channel(run, "patch_run")
        await _maybe_raise("patch_run", run, should_raise, channel.patch(dict(payload)))

    async def update_run_started(
        self,
        run: Any,
        link: str,
        external_id: str,
        extra_output: dict[str, Any] | None = None,
        status_label: str | None = None,
    ) -> None:
        """Record the 3rd party's link and id on the run (``extra_output`` is for workflow nodes only)."""
        body: dict[str, Any] = {"link": link, "externalRunId": external_id}
        if status_label:
            body["statusLabel"] = status_label
        await _channel(run, "update_run_started").patch(body)

    async def report_run_completed(
        self,
        run: Any,
        success: bool,
        message: str | None = None,
        status_label: str | None = None,
        should_raise: bool = False,
    ) -> None:
        """End the run: SUCCESS or FAILURE, with ``message`` as its last log line and summary."""
        channel = _channel(run, "report_run_completed")
        work = channel.complete(bool(success), message, status_label)
        await _maybe_raise("report_run_completed", run, should_raise, work)

    async def find_run_by_external_id(self, external_id: str) -> ActionRun | None:
        """The action run whose ``externalRunId`` is ``external_id`` (as Port holds it), or None."""
        found = await ocean_runtime.ocean.action_runs.find_by_external_id(external_id)
        return None if found is None else ActionRun.parse_obj(found)

    def is_run_in_progress(self, run: Any) -> bool:
        return bool(run.is_in_progress)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)

        async def unsupported(*args: Any, **kwargs: Any) -> Any:
            raise exceptions.OceanAbortException(
                f"ocean.port_client.{name} is not supported by Ocean's port_ocean layer: Ocean writes "
                "to Port itself from what resync handlers and webhook processors return (or "
                "ocean.register_raw); action runs are reported with post_run_log, update_run_started, "
                "patch_run and report_run_completed"
            )

        return unsupported
