"""Published action executors (``AbstractExecutor``) running on Ocean's actions processor.

``ocean.register_action_executor(executor)`` registers a ``PublishedExecutor``: an Ocean
``ActionExecutor`` that runs the published one, name for name (the runtime's mapping table is in
``ocean_runtime.actions``):

| published | Ocean |
|---|---|
| ``ACTION_NAME`` | ``action_name`` |
| ``_get_partition_key(run)`` | ``partition_key(run)`` |
| ``is_close_to_rate_limit(run)`` / ``get_remaining_seconds_until_rate_limit(run)`` | the same hooks |
| ``WEBHOOK_PROCESSOR_CLASS`` at ``WEBHOOK_PATH`` | ``webhook_processor`` at ``webhook_path`` |
| ``execute(run)`` with the published ``ActionRun`` | ``execute(run)``: the run's checked inputs |
| ``ActionExecutionError(message, status_label)`` | ``ActionFailedError`` (it is one) |

What the adapter bridges:

- A published executor reports its run's end itself (``ocean.port_client.report_run_completed``,
  here or later from a webhook processor); returning leaves the run in progress. So the adapter
  calls ``run.complete_later()`` first, and the executor's port-client calls about its own run
  go through that run (``port_client``). Raising still fails the run, with the reason.
- The acknowledgement is final (``leases = False``), as with Port: a published executor takes no
  idempotency key, so a run it handed to a webhook must not be offered to it again when a lease
  lapses. Ocean's own executors keep the lease and its crash re-delivery.
- The executor gets the run's inputs as Ocean checked them against the spec's ``actions[]``
  (defaults applied; a run with bad inputs fails before it reaches the executor).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any

import ocean_runtime
from ocean_runtime.errors import UserInputError

from .port_client import executing
from .runs import ActionRun

logger = logging.getLogger(__name__)


class AbstractExecutor(ABC):
    """The published executor base class (see the module docstring for how Ocean runs it).

    Attributes:
        ACTION_NAME: the action's name in ``.port/spec.yaml`` ``actions[]``.
        PARTITION_KEY: documentation only, as published (``_get_partition_key`` decides).
        WEBHOOK_PROCESSOR_CLASS: a published webhook processor reporting the runs' progress.
        WEBHOOK_PATH: where that processor is served (``POST /integration{path}``).
    """

    ACTION_NAME: str
    PARTITION_KEY: str = ""
    WEBHOOK_PROCESSOR_CLASS: type | None = None
    WEBHOOK_PATH: str = ""

    async def _get_partition_key(self, run: Any) -> str | None:
        """Runs sharing a key run one at a time, in order; None: in parallel."""
        return None

    @abstractmethod
    async def is_close_to_rate_limit(self, run: Any) -> bool:
        """True to hold the run back (before it is acknowledged)."""

    @abstractmethod
    async def get_remaining_seconds_until_rate_limit(self, run: Any) -> float:
        """How long to wait before asking again."""

    @abstractmethod
    async def execute(self, run: Any) -> None:
        """Do the action; report its end through ``ocean.port_client``, or raise."""


class PublishedExecutor(ocean_runtime.ActionExecutor):
    """An Ocean executor running one published ``AbstractExecutor`` (see the module docstring)."""

    leases = False

    def __init__(self, published: AbstractExecutor) -> None:
        self.published = published
        self.action_name = published.ACTION_NAME
        processor = getattr(published, "WEBHOOK_PROCESSOR_CLASS", None)
        path = getattr(published, "WEBHOOK_PATH", "")
        if processor is not None and path:
            from .webhooks import runtime_processor

            self.webhook_path = path
            self.webhook_processor = runtime_processor(processor)

    async def partition_key(self, run: ocean_runtime.ActionRun) -> str | None:
        key = await self.published._get_partition_key(published_run(run))
        return None if key is None else str(key)

    async def is_close_to_rate_limit(self, run: ocean_runtime.ActionRun) -> bool:
        return bool(await self.published.is_close_to_rate_limit(published_run(run)))

    async def seconds_until_rate_limit_reset(self, run: ocean_runtime.ActionRun) -> float:
        return float(await self.published.get_remaining_seconds_until_rate_limit(published_run(run)) or 0)

    async def execute(self, run: ocean_runtime.ActionRun) -> None:
        run.complete_later()
        with executing(run):
            await self.published.execute(published_run(run))
        if not run.reporter.finished:
            logger.info(
                "Run %s (%s): %s returned without reporting the run's end; it stays in progress "
                "until the integration reports it (e.g. from its webhook processor)",
                run.id,
                run.action,
                type(self.published).__name__,
            )


def published_run(run: ocean_runtime.ActionRun) -> ActionRun:
    """The published ``ActionRun`` of an Ocean run: as Port sent it, with the checked inputs."""
    payload = dict(run.raw.get("payload") or {})
    payload.setdefault("type", "INTEGRATION_ACTION")
    payload.setdefault("installationId", "")
    payload["integrationActionType"] = run.action_type
    payload["integrationActionExecutionProperties"] = dict(run.properties)
    return ActionRun.parse_obj(
        {
            "id": run.id,
            "status": run.raw.get("status") or "IN_PROGRESS",
            "payload": payload,
            "action": {"identifier": run.action},
        }
    )


def register(executor: Any) -> None:
    """Register a published executor with the running application.

    Raises:
        UserInputError: not an ``AbstractExecutor`` instance, or without ``ACTION_NAME``.
    """
    name = type(executor).__name__
    if not isinstance(executor, AbstractExecutor):
        raise UserInputError(
            f"ocean.register_action_executor got {executor!r}, which is not an AbstractExecutor",
            fix="subclass AbstractExecutor (port_ocean.core.handlers.actions) and pass an instance",
        )
    if not isinstance(getattr(executor, "ACTION_NAME", None), str) or not executor.ACTION_NAME:
        raise UserInputError(
            f"{name} has no ACTION_NAME",
            fix='set ACTION_NAME = "<the action name in .port/spec.yaml actions[]>" on the class',
        )
    # Named like the published class, so the runtime's messages name the integration's class.
    adapter = type(name, (PublishedExecutor,), {"__qualname__": type(executor).__qualname__})
    ocean_runtime.ocean.add_action_executor(adapter(executor))
