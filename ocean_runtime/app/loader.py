"""Loading an integration folder into an ``OceanApp``, from any working directory.

An integration is a plain folder (``main.py``, optional ``integration.py``, ``.port/``, its own
helper modules). Loading it:

1. reads its settings (env, ``DIR/.env``, ``DIR/config.yaml``) and validates its configuration
   against ``DIR/.port/spec.yaml`` — before any user code runs, so ``main.py`` may read
   ``ocean.integration_config`` at import time;
2. imports ``integration.py`` (its ``PortAppConfig`` subclass, if any, is the config class);
3. imports ``main.py`` with the new app active, so its decorators register on it.

Both files are imported under names unique to the folder, so two integrations loaded in one
process never share ``sys.modules`` entries; ``integration`` (and the folder's other top-level
modules) resolve to *this* folder's files while its app is active — through an import finder
that reads the active app (``imports``), not a lasting ``sys.path`` entry. A failure inside user
code becomes a ``UserInputError`` pointing at the user's line, not at Ocean's frames.

The config class is the ``PortAppConfig`` subclass ``integration.py`` defines or imports, or the
one its code registered with ``OceanApp.use_config_class`` while it was imported (adapters do).
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ocean_runtime.errors import OceanError, UserInputError
from ocean_runtime.sync.user_code import user_frame

from .application import OceanApp
from .imports import evict_other_folders, install_finders

if TYPE_CHECKING:
    from ocean_runtime.config import OceanSettings
    from ocean_runtime.mapping import PortAppConfig

MAIN_FILE = "main.py"
INTEGRATION_FILE = "integration.py"


def load_integration(
    directory: Path,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
    import_main: bool = True,
    require_spec: bool = False,
) -> OceanApp:
    """Build the ``OceanApp`` of the integration in ``directory``.

    Args:
        directory: the integration folder (absolute or relative to the cwd; nothing else
            depends on the cwd).
        environ: environment to read ``OCEAN__*`` settings from (default ``os.environ``).
        overrides: settings that win over every source (e.g. the listener type of ``--once``).
        import_main: False to skip ``main.py`` (``ocean defaults`` only needs settings and the
            config class).
        require_spec: fail when the folder has no ``.port/spec.yaml`` (the CLI requires one:
            Port needs it to install the integration, and it declares the configuration).

    Raises:
        UserInputError: missing folder or ``main.py``, bad settings/spec/config, or an error
            while importing the integration's code.
    """
    from ocean_runtime.config import load_settings

    root = _checked_directory(directory, need_main=import_main)
    if require_spec:
        _require_spec(root)
    settings = load_settings(root, overrides=overrides, environ=environ)
    app = OceanApp(
        integration_config=integration_config_of(root, settings),
        directory=root,
        settings=settings,
        name=settings.integration.identifier or root.name,
    )
    with app.activated(), _folder_modules(app):
        _import_integration_file(app)
        if import_main:
            _import_user_file(root, MAIN_FILE, "main", optional=False)
    return app


def load_config_class(directory: Path) -> type[PortAppConfig] | None:
    """The ``PortAppConfig`` subclass of ``directory/integration.py``, importing nothing else.

    Raises:
        UserInputError: ``integration.py`` failed to import.
    """
    app = OceanApp(directory=directory.expanduser().resolve())
    with app.activated(), _folder_modules(app):
        _import_integration_file(app)
    return app.registered_config_class


def _import_integration_file(app: OceanApp) -> None:
    assert app.directory is not None
    module = _import_user_file(app.directory, INTEGRATION_FILE, "integration", optional=True)
    found = find_config_class(module) if module is not None else None
    if found is not None:
        app.use_config_class(found)


def integration_config_of(root: Path, settings: OceanSettings) -> dict[str, Any]:
    """The integration configuration, validated against the folder's spec (when it has one)."""
    from ocean_runtime.config import integration_config, load_spec

    return integration_config(settings, load_spec(root))


def find_config_class(module: ModuleType) -> type[PortAppConfig] | None:
    """The ``PortAppConfig`` subclass ``module`` defines or imports (the most derived one), or None.

    Integrations often keep their models in another module (``from overrides import
    JiraPortAppConfig``): an imported subclass counts as much as one defined here.
    """
    from ocean_runtime.mapping import PortAppConfig

    candidates = list(
        dict.fromkeys(
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, PortAppConfig) and value is not PortAppConfig
        )
    )
    leaves = [c for c in candidates if not any(o is not c and issubclass(o, c) for o in candidates)]
    if len(leaves) > 1:
        names = ", ".join(sorted(c.__name__ for c in leaves))
        raise UserInputError(
            f"defines several unrelated PortAppConfig subclasses ({names})",
            file=INTEGRATION_FILE,
            fix="keep one PortAppConfig subclass: Ocean parses the port-app-config with it",
        )
    return leaves[0] if leaves else None


def _checked_directory(directory: Path, *, need_main: bool) -> Path:
    root = directory.expanduser().resolve()
    if not root.is_dir():
        raise UserInputError(
            f"integration folder {str(directory)!r} does not exist",
            fix="pass the folder that holds main.py and .port/, e.g. `ocean sail integrations/fake`",
        )
    if need_main and not (root / MAIN_FILE).is_file():
        raise UserInputError(
            f"{root} has no {MAIN_FILE}",
            file=str(root / MAIN_FILE),
            fix="pass an integration folder (create one with `ocean new`)",
        )
    return root


def _require_spec(root: Path) -> None:
    from ocean_runtime.config import find_spec_file

    if find_spec_file(root) is None:
        raise UserInputError(
            "not found — every integration needs a spec (its title and configurations)",
            file=str(root / ".port" / "spec.yaml"),
            fix="create .port/spec.yaml (`ocean new` shows one), or pass the integration's folder",
        )


def _module_prefix(root: Path) -> str:
    digest = hashlib.sha1(str(root).encode()).hexdigest()[:10]
    slug = re.sub(r"\W", "_", root.name) or "integration"
    return f"ocean_integration_{slug}_{digest}"


def _import_user_file(root: Path, filename: str, alias: str, *, optional: bool) -> ModuleType | None:
    """Import ``root/filename`` under a folder-unique name; also reachable as ``alias``."""
    path = root / filename
    if not path.is_file():
        if optional:
            return None
        raise UserInputError(f"{path} is missing", file=str(path))
    name = f"{_module_prefix(root)}_{alias}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - only for non-.py paths
        raise UserInputError(f"cannot import {path}", file=str(path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    # `from integration import X` in main.py must get this very module, not a second copy.
    sys.modules[alias] = module
    try:
        spec.loader.exec_module(module)
    except OceanError as exc:
        sys.modules.pop(name, None)
        sys.modules.pop(alias, None)
        raise _located(exc, root, filename) from None
    except Exception as exc:
        sys.modules.pop(name, None)
        sys.modules.pop(alias, None)
        raise _import_failure(exc, root, filename) from None
    return module


def _located(exc: OceanError, root: Path, filename: str) -> OceanError:
    """A UserInputError raised by Ocean while the file ran, with the user's line attached."""
    if not isinstance(exc, UserInputError) or exc.file:
        return exc
    frame = user_frame(exc, root)
    return UserInputError(
        exc.message,
        file=frame.file if frame else filename,
        line=frame.line if frame else None,
        location=exc.location,
        fix=exc.fix,
    )


def _import_failure(exc: Exception, root: Path, filename: str) -> UserInputError:
    frame = user_frame(exc, root)
    detail = f"{type(exc).__name__}: {exc}"
    if frame and frame.source:
        detail += f" (in `{frame.source}`)"
    fix = "fix the code at that line"
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        fix = (
            f"install the missing package into this environment (`pip install {exc.name}`), "
            "or add the module to the integration folder"
        )
    return UserInputError(
        f"importing {filename} failed: {detail}",
        file=frame.file if frame else filename,
        line=frame.line if frame else None,
        fix=fix,
    )


@contextmanager
def _folder_modules(app: OceanApp) -> Iterator[None]:
    """Let the folder's own top-level modules win while its code is imported.

    The finders of ``imports`` resolve them from the active app; modules of the same name that
    another integration folder provided are forgotten first, so this folder gets its own.
    """
    assert app.directory is not None
    install_finders()
    evict_other_folders(app.directory, app.top_level_modules)
    try:
        yield
    finally:
        # The aliases are for the import only; later `import integration` must not see a
        # stale folder's module.
        for alias in ("integration", "main"):
            module = sys.modules.get(alias)
            if module is not None and module.__name__.startswith("ocean_integration_"):
                del sys.modules[alias]
