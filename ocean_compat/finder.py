"""The import finder that makes ``port_ocean`` importable, from the table in ``names``.

``provide()`` is the entry point Ocean's runtime calls (group ``ocean_runtime.module_providers``)
the first time an integration imports ``port_ocean`` and nothing installed provides it; it
declines (None) when a real ``port-ocean`` distribution is installed, so the layer never shadows
the published framework. ``install()`` does the same for other processes (the integrations' own
unit tests).

Each ``port_ocean.*`` module is created empty and resolves its names on first access (PEP 562
``__getattr__``), so importing one module imports only the adapters it names.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from .names import MODULES, packages

TOP = "port_ocean"


class PortOceanFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds and creates the ``port_ocean`` modules of ``names.MODULES``."""

    def __init__(self) -> None:
        self._packages = packages()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != TOP and not fullname.startswith(TOP + "."):
            return None
        is_package = fullname in self._packages
        if fullname not in MODULES and not is_package:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, origin="ocean_compat", is_package=is_package)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        table = MODULES.get(module.__name__, {})
        module.__doc__ = f"Ocean's port_ocean compatibility layer: {module.__name__} (see ocean_compat)."
        module.__all__ = sorted(table)  # type: ignore[attr-defined]

        def resolve(name: str) -> Any:
            target = table.get(name)
            if target is None:
                raise AttributeError(
                    f"module {module.__name__!r} has no attribute {name!r} (Ocean's port_ocean layer)"
                )
            source, _, attribute = target.partition(":")
            imported = importlib.import_module(source)
            value = getattr(imported, attribute) if attribute else imported
            setattr(module, name, value)
            return value

        module.__getattr__ = resolve  # type: ignore[method-assign]


def real_port_ocean_installed() -> bool:
    """Whether the published framework is installed in this environment."""
    try:
        importlib.metadata.distribution("port-ocean")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def provide() -> PortOceanFinder | None:
    """The finder for ``port_ocean``, or None when a real ``port-ocean`` is installed."""
    if real_port_ocean_installed():
        return None
    from .reloading import allow_integration_reloads

    allow_integration_reloads()
    return PortOceanFinder()


def install() -> bool:
    """Append the finder to ``sys.meta_path`` (once); False when a real ``port-ocean`` is installed."""
    if any(isinstance(finder, PortOceanFinder) for finder in sys.meta_path):
        return True
    finder = provide()
    if finder is None:
        return False
    sys.meta_path.append(finder)
    return True
