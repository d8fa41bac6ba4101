"""Executors: the integration's code that runs one action type.

Two ways to write one. A function, in the style of ``@ocean.on_resync``::

    @ocean.on_action("deploy_service", partition_key=lambda run: run.properties["service"])
    async def deploy(run: ActionRun) -> None:
        await run.log(f"Deploying {run.properties['version']}")
        ...

or a class, when the executor has state or rate-limit hooks (the published framework's
``AbstractExecutor`` shape)::

    class DispatchWorkflow(ActionExecutor):
        action_name = "dispatch_workflow"

        async def execute(self, run: ActionRun) -> None: ...
        async def partition_key(self, run: ActionRun) -> str | None: ...
        async def is_close_to_rate_limit(self, run: ActionRun) -> bool: ...
        async def seconds_until_rate_limit_reset(self, run: ActionRun) -> float: ...

    ocean.add_action_executor(DispatchWorkflow())

``action_name`` is the name in ``.port/spec.yaml`` ``actions[]`` and the ``integrationActionType``
of the runs it executes. Runs with the same partition key run one at a time, in the order they
were claimed; runs without one run concurrently (``OCEAN__ACTIONS_PROCESSOR__WORKERS_COUNT``).
Before a run is acknowledged the processor asks ``is_close_to_rate_limit`` and, while it says
yes, waits ``seconds_until_rate_limit_reset`` (at most ``RATE_LIMIT_MAX_WAIT_SECONDS`` at a
time), logging the delay on the run.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from ocean_runtime.errors import UserInputError

from .run import ActionRun

ExecuteFunction = Callable[[ActionRun], Awaitable[Any]]
PartitionKeyFunction = Callable[[ActionRun], str | None]


class ActionExecutor:
    """Base class of class-style executors (see the module docstring).

    Attributes:
        action_name: the action type this executor runs (``actions[].name`` in the spec).
        webhook_path: optional ``POST /integration{path}`` where the 3rd party reports progress.
        webhook_processor: the ``WebhookProcessor`` subclass served there (registered with the
            executor).
        leases: True (the default): with a harbor claim, the run is leased while it executes and
            offered again if this worker dies. False: the acknowledgement is final, as Port's
            is — the run is never offered again, not after a crash, nor while a webhook finishes
            it later (for executors that must never run twice and take no idempotency key).
    """

    action_name: str = ""
    webhook_path: str | None = None
    webhook_processor: type | None = None
    leases: bool = True

    async def execute(self, run: ActionRun) -> None:
        """Do the action. Return: SUCCESS; raise ``ActionFailedError(reason)`` (or anything): FAILURE."""
        raise NotImplementedError(f"{type(self).__name__}.execute")

    async def partition_key(self, run: ActionRun) -> str | None:
        """Runs sharing a key run one at a time, in claim order; None: no ordering needed."""
        return None

    async def is_close_to_rate_limit(self, run: ActionRun) -> bool:
        """True to hold the run back (before it is acknowledged) until the 3rd party has budget."""
        return False

    async def seconds_until_rate_limit_reset(self, run: ActionRun) -> float:
        """How long to wait before asking ``is_close_to_rate_limit`` again."""
        return 0.0

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.action_name!r}>"


class FunctionExecutor(ActionExecutor):
    """An ``@ocean.on_action`` function seen as an executor."""

    def __init__(
        self, action_name: str, function: ExecuteFunction, partition_key: PartitionKeyFunction | None = None
    ) -> None:
        self.action_name = action_name
        self.function = function
        self._partition_key = partition_key

    async def execute(self, run: ActionRun) -> None:
        await self.function(run)

    async def partition_key(self, run: ActionRun) -> str | None:
        if self._partition_key is None:
            return None
        key = self._partition_key(run)
        return None if key is None else str(key)

    def __repr__(self) -> str:
        name = getattr(self.function, "__qualname__", self.function)
        return f"<@ocean.on_action({self.action_name!r}) {name}>"


def checked_executor(executor: Any) -> ActionExecutor:
    """``executor`` if it can be registered; a clear error naming what is wrong otherwise.

    Raises:
        UserInputError: not an ``ActionExecutor`` instance, no ``action_name``, or a coroutine
            method declared without ``async``.
    """
    if isinstance(executor, type) and issubclass(executor, ActionExecutor):
        raise UserInputError(
            f"ocean.add_action_executor got the class {executor.__name__}, not an instance",
            fix=f"pass an instance: ocean.add_action_executor({executor.__name__}())",
        )
    if not isinstance(executor, ActionExecutor):
        raise UserInputError(
            f"ocean.add_action_executor got {executor!r}, which is not an ActionExecutor",
            fix="subclass ocean_runtime.ActionExecutor (or decorate a function with @ocean.on_action)",
        )
    name = executor.action_name
    if not isinstance(name, str) or not name:
        raise UserInputError(
            f"{type(executor).__name__} has no action_name",
            fix='set action_name = "<the action name in .port/spec.yaml actions[]>" on the class',
        )
    for method in ("execute", "partition_key", "is_close_to_rate_limit", "seconds_until_rate_limit_reset"):
        if not inspect.iscoroutinefunction(getattr(executor, method)):
            raise UserInputError(
                f"{type(executor).__name__}.{method} must be declared with `async def`",
                fix=f"declare it as `async def {method}(self, run)`",
            )
    return executor


def function_executor(
    action_name: Any, function: Any, partition_key: PartitionKeyFunction | None
) -> FunctionExecutor:
    """The executor of an ``@ocean.on_action(action_name)`` function.

    Raises:
        UserInputError: the name is not a non-empty string, or the function is not ``async def``.
    """
    if not isinstance(action_name, str) or not action_name:
        raise UserInputError(
            f"@ocean.on_action got {action_name!r} as the action name",
            fix='pass the action name in .port/spec.yaml actions[], e.g. @ocean.on_action("deploy_service")',
        )
    if not inspect.iscoroutinefunction(function):
        name = getattr(function, "__qualname__", repr(function))
        raise UserInputError(
            f"@ocean.on_action({action_name!r}) decorates {name}, which is not an `async def` function",
            fix=f"declare it with `async def {name.rsplit('.', 1)[-1]}(run)`",
        )
    if partition_key is not None and not callable(partition_key):
        raise UserInputError(
            f"@ocean.on_action({action_name!r}, partition_key=…) must be a function of the run",
            fix="e.g. partition_key=lambda run: run.properties['service']",
        )
    return FunctionExecutor(action_name, function, partition_key)
