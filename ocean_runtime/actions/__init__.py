"""Self-service actions: the integration executes Port's action runs.

- ``executor``: ``@ocean.on_action(name)`` functions and ``ActionExecutor`` classes;
- ``run``: ``ActionRun``, what an executor gets and reports through;
- ``inputs``: the ``actions[]`` a spec declares, and checking a run's inputs against them;
- ``buffer`` / ``execution`` / ``processor``: claiming runs and executing them once;
- ``completion``: ``ocean.action_runs``, completing a run later (from a webhook).

Executors and ``ActionRun`` are public through ``ocean_runtime``; the rest is machinery.
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
