"""Self-service actions: the integration executes Port's action runs.

- ``executor``: ``@ocean.on_action(name)`` functions and ``ActionExecutor`` classes;
- ``run``: ``ActionRun``, what an executor gets and reports through;
- ``inputs``: the ``actions[]`` a spec declares, and checking a run's inputs against them;
- ``buffer`` / ``execution`` / ``processor``: claiming runs and executing them once;
- ``completion``: ``ocean.action_runs``, completing a run later (from a webhook).

Executors and ``ActionRun`` are public through ``ocean_runtime``; the rest is machinery.

The published framework's executor API maps onto this one name for name (what a compatibility
adapter needs):

| published (``port_ocean``) | here |
|---|---|
| ``AbstractExecutor.ACTION_NAME`` | ``ActionExecutor.action_name`` |
| ``_get_partition_key(run)`` | ``partition_key(run)`` |
| ``is_close_to_rate_limit(run)`` | ``is_close_to_rate_limit(run)`` |
| ``get_remaining_seconds_until_rate_limit(run)`` | ``seconds_until_rate_limit_reset(run)`` |
| ``WEBHOOK_PROCESSOR_CLASS`` / ``WEBHOOK_PATH`` | ``webhook_processor`` / ``webhook_path`` |
| ``execute(run)``; the run (``ActionRun`` model) | ``execute(run)``; the run as Port sent it is ``run.raw`` |
| ``ocean.register_action_executor(executor)`` | ``ocean.add_action_executor(executor)`` |
| ``ActionExecutionError(message, status_label)`` | ``ActionFailedError(message, status_label=…)`` |
| ``port_client.post_run_log(run, message)`` | ``run.log(…)`` / ``ocean.action_runs.log(id, …)`` |
| ``port_client.update_run_started(run, link, id)`` | ``run.add_link(link)``, ``run.set_external_id(id)`` |
| ``port_client.report_run_completed(run, ok, msg)`` | ``ocean.action_runs.complete(id, success=ok, …)`` |
| ``port_client.find_run_by_external_id(id)`` | ``ocean.action_runs.find_by_external_id(id)`` |
| ``ocean.register_raw`` / ``unregister_raw`` | the same |

One difference an adapter must bridge: a published executor reports its run's end itself
(returning leaves the run in progress), while here returning means SUCCESS — so an adapter
calls ``run.complete_later()`` before delegating to the published ``execute``.
"""

from .completion import ActionRuns
from .execution import Outcome
from .executor import ActionExecutor, FunctionExecutor, checked_executor, function_executor
from .inputs import ActionDeclaration, ActionInput, InvalidInputs, SpecActions, check_properties, spec_actions
from .processor import ActionsProcessor
from .run import ActionFailedError, ActionRun, ClaimLostError

__all__ = [
    "ActionDeclaration",
    "ActionExecutor",
    "ActionFailedError",
    "ActionInput",
    "ActionRun",
    "ActionRuns",
    "ActionsProcessor",
    "ClaimLostError",
    "FunctionExecutor",
    "InvalidInputs",
    "Outcome",
    "SpecActions",
    "check_properties",
    "checked_executor",
    "function_executor",
    "spec_actions",
]
