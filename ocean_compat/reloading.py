"""Integration modules may be imported more than once per process; pydantic v1 must let them.

pydantic v1 refuses a ``@validator`` whose ``module.Class.function`` name it has seen before (a
guard against redefining one by accident), keeping the names in a process-wide set. Ocean
imports an integration's modules again when a process loads the folder again — ``ocean validate``
after a load, tests loading several copies — so the second import of its selector models would
fail. ``allow_integration_reloads`` narrows that guard: names from modules of integration folders
(imported by Ocean's loader) are not held against a re-import; every other module keeps it.
"""

from __future__ import annotations

import sys
from typing import Any

from ocean_runtime.app.imports import FOLDER_MARK

INTEGRATION_PREFIX = "ocean_integration_"


class _ValidatorNames(set[str]):
    """pydantic v1's set of seen validator names, blind to integration folders' modules."""

    def __contains__(self, name: object) -> bool:
        return super().__contains__(name) and not (isinstance(name, str) and _from_integration(name))


def _from_integration(name: str) -> bool:
    top = name.split(".", 1)[0]
    if top.startswith(INTEGRATION_PREFIX):
        return True
    state: Any = getattr(getattr(sys.modules.get(top), "__spec__", None), "loader_state", None)
    return isinstance(state, tuple) and len(state) == 2 and state[0] == FOLDER_MARK


def allow_integration_reloads() -> None:
    """Swap pydantic v1's validator-name set for ``_ValidatorNames`` (once; keeps its content)."""
    from pydantic.v1 import class_validators

    current = class_validators._FUNCS
    if not isinstance(current, _ValidatorNames):
        class_validators._FUNCS = _ValidatorNames(current)
