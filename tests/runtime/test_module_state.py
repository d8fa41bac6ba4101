"""No module-level mutable state in the HTTP toolkit, the Port client and the mapping engine.

State kept in a module is shared by every application in the process (tests build several side
by side) and outlives the run that filled it: caches live on the resync scope, settings on the
app, flow control on the client. This test imports every module of the packages below and
fails on any module attribute holding a mutable container or a stateful object, and on a
logging filter attached at import time anywhere in ``ocean_runtime``.
"""

from __future__ import annotations

import ast
import collections
import contextvars
import dataclasses
import enum
import functools
import importlib
import logging
import pkgutil
import re
import types
from pathlib import Path
from typing import Any

import pytest

import ocean_runtime

PACKAGES = ("ocean_runtime.http", "ocean_runtime.port", "ocean_runtime.mapping")
MUTABLE = (dict, list, set, bytearray, collections.deque)
# Objects that are state by design and scoped correctly: loggers are configured by the process,
# a ContextVar holds one value per context.
ALLOWED = (logging.Logger, contextvars.ContextVar, re.Pattern, types.MappingProxyType)
# Registries of classes, filled as the classes are defined (code, not the state of a run):
# ``@register_paginator("cursor")`` — STYLE.md's "strategies with a registry".
CLASS_REGISTRIES = {"PAGINATORS"}


def modules() -> list[types.ModuleType]:
    found = []
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        found.append(package)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{package_name}."):
            found.append(importlib.import_module(info.name))
    return found


def _stateful(value: Any) -> bool:
    if isinstance(value, ALLOWED) or value is None:
        return False
    if isinstance(value, functools._lru_cache_wrapper):  # a memo filled by every run in the process
        return True
    if isinstance(value, MUTABLE):
        return True
    if isinstance(value, type | types.ModuleType | types.FunctionType | types.BuiltinFunctionType):
        return False
    if isinstance(value, str | bytes | int | float | bool | tuple | frozenset | enum.Enum):
        return False
    if dataclasses.is_dataclass(value):
        return not value.__dataclass_params__.frozen  # type: ignore[attr-defined]
    # Any other object of ours holding attributes is state (a stateless one, e.g. the system
    # clock, holds none).
    return type(value).__module__.startswith("ocean_runtime") and bool(getattr(value, "__dict__", None))


@pytest.mark.parametrize("module", modules(), ids=lambda module: module.__name__)
def test_no_mutable_state_at_module_level(module: types.ModuleType) -> None:
    offenders = [
        f"{module.__name__}.{name} ({type(value).__name__})"
        for name, value in vars(module).items()
        if not name.startswith("__")
        and name not in CLASS_REGISTRIES
        and getattr(value, "__module__", module.__name__) in (module.__name__, None)
        and _stateful(value)
    ]
    assert not offenders, f"module-level mutable state: {offenders}"


def test_no_logging_filter_is_attached_at_import_time() -> None:
    root = Path(ocean_runtime.__file__).parent
    attached = []
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for statement in tree.body:  # module level only: inside a function it is per call
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            for node in ast.walk(statement):
                if isinstance(node, ast.Attribute) and node.attr in ("addFilter", "addHandler"):
                    attached.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not attached, f"logging filters/handlers attached at import time: {attached}"
