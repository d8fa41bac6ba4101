"""How an integration folder's code is imported: its own modules first, provided modules last.

Two import finders, installed once per process on ``sys.meta_path`` (never on ``sys.path``):

- ``FolderFinder`` (first): while an ``OceanApp`` is active, ``import client`` resolves to the
  active integration folder's own top-level ``client.py`` / ``client/``, before anything
  installed — the folder "goes first" without a lasting ``sys.path`` entry, and two integrations
  in one process each see their own ``client``. It reads the folder from the active app (context
  variable); with no active app it finds nothing.
- ``ProvidedModules`` (last): a top-level name nobody else could import is looked up among the
  entry points of the group ``ocean_runtime.module_providers`` (name = the module it provides,
  value = a callable returning an import finder, or None to decline). Being last, a provider can
  never shadow a module that is really installed; it is consulted only on a miss, and only
  loaded when its name is the one missing. This is how a compatibility layer makes another
  framework's import names work without the runtime knowing them.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType

from ocean_runtime import context

logger = logging.getLogger(__name__)

PROVIDERS_GROUP = "ocean_runtime.module_providers"
# Marks the specs FolderFinder made: ``(FOLDER_MARK, folder)`` in ``spec.loader_state``.
FOLDER_MARK = "ocean-integration-folder"


class FolderFinder(importlib.abc.MetaPathFinder):
    """Finds the active integration folder's own top-level modules (see the module docstring)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if path is not None or "." in fullname:
            return None  # submodules follow their package's __path__
        app = context.active_app()
        if app is None or app.directory is None or fullname not in app.top_level_modules:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, [str(app.directory)])
        if spec is not None:
            spec.loader_state = (FOLDER_MARK, str(app.directory))
        return spec


class ProvidedModules(importlib.abc.MetaPathFinder):
    """Falls back to the finders that installed packages provide for missing top-level names."""

    def __init__(self) -> None:
        self._entry_points: dict[str, EntryPoint] | None = None
        self._finders: dict[str, importlib.abc.MetaPathFinder | None] = {}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        top = fullname.partition(".")[0]
        finder = self._finders[top] if top in self._finders else self._load(top)
        return finder.find_spec(fullname, path, target) if finder is not None else None

    def _load(self, name: str) -> importlib.abc.MetaPathFinder | None:
        if self._entry_points is None:
            self._entry_points = {point.name: point for point in entry_points(group=PROVIDERS_GROUP)}
        point = self._entry_points.get(name)
        finder = None
        if point is not None:
            try:
                finder = point.load()()
            except Exception:
                logger.exception("the provider of module %r (%s) failed; not using it", name, point.value)
        self._finders[name] = finder
        return finder


def install_finders() -> None:
    """Put ``FolderFinder`` first and ``ProvidedModules`` last on ``sys.meta_path`` (once)."""
    if not any(isinstance(finder, FolderFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, FolderFinder())
    if not any(isinstance(finder, ProvidedModules) for finder in sys.meta_path):
        sys.meta_path.append(ProvidedModules())


def top_level_modules(root: Path) -> frozenset[str]:
    """The importable top-level names of a folder: ``*.py`` stems and package folders.

    A folder holding ``.py`` files (at any depth) without an ``__init__.py`` counts too: a
    namespace package, importable from a ``sys.path`` entry as well.
    """
    names = {path.stem for path in root.glob("*.py") if path.stem.isidentifier()}
    names |= {
        path.name
        for path in root.iterdir()
        if path.is_dir()
        and path.name.isidentifier()
        and ((path / "__init__.py").is_file() or next(path.rglob("*.py"), None) is not None)
    }
    return frozenset(names)


def evict_other_folders(root: Path, names: frozenset[str]) -> None:
    """Forget modules named like this folder's that another integration folder provided.

    So ``import client`` in this folder gets its own ``client`` even when an integration loaded
    earlier in the process imported one. Only modules ``FolderFinder`` loaded are evicted (never
    a library that shares a name with a user's file), with their submodules.
    """
    folder = str(root)
    for name in names:
        module = sys.modules.get(name)
        state = getattr(getattr(module, "__spec__", None), "loader_state", None)
        if not (isinstance(state, tuple) and len(state) == 2 and state[0] == FOLDER_MARK):
            continue
        if state[1] == folder:
            continue
        for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[loaded]
