"""Reading an integration's ``.port/resources``: the Port resources it ships with.

Recognised files (``.json``, ``.yaml`` or ``.yml``): ``blueprints``, ``actions``,
``scorecards`` (``[{"blueprint": ..., "data": [...]}]``), ``pages`` and ``port-app-config``
(the default mapping, parsed with the integration's ``PortAppConfig`` class). Other files are
ignored. Every problem is a ``UserInputError`` naming the file (and line for syntax errors).
The folder is resolved against the integration folder, never the working directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ocean_runtime.errors import UserInputError

if TYPE_CHECKING:
    from ocean_runtime.mapping import PortAppConfig

DEFAULT_RESOURCES_PATH = ".port/resources"
EXTENSIONS = (".json", ".yaml", ".yml")
LIST_FILES = ("blueprints", "actions", "scorecards", "pages")
PORT_APP_CONFIG = "port-app-config"


@dataclass
class PortResources:
    """The resources of one integration.

    Attributes:
        directory: the resources folder (None when the integration has none).
        blueprints: blueprint bodies, as in ``blueprints.json``.
        actions: action bodies.
        scorecards: ``{"blueprint": id, "data": [scorecard bodies]}`` items.
        pages: page bodies.
        port_app_config: the default mapping, when the folder has one.
        port_app_config_file: its path.
    """

    directory: Path | None = None
    blueprints: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    scorecards: list[dict[str, Any]] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)
    port_app_config: PortAppConfig | None = None
    port_app_config_file: Path | None = None


def resources_dir(integration_dir: Path, resources_path: str | None = None) -> Path | None:
    """The resources folder: ``resources_path`` (relative to the integration), else ``.port/resources``."""
    for candidate in (resources_path, DEFAULT_RESOURCES_PATH):
        if candidate:
            path = Path(candidate)
            path = path if path.is_absolute() else integration_dir / path
            if path.is_dir():
                return path
    return None


def load_resources(
    integration_dir: Path,
    *,
    resources_path: str | None = None,
    config_class: type[PortAppConfig] | None = None,
) -> PortResources:
    """Load the integration's resources (an empty ``PortResources`` when it has none).

    Raises:
        UserInputError: a file with an unsupported extension, a syntax error, or a wrong shape.
    """
    directory = resources_dir(integration_dir, resources_path)
    resources = PortResources(directory=directory)
    if directory is None:
        return resources
    files = _recognised_files(directory)
    for stem in LIST_FILES:
        if stem in files:
            setattr(resources, stem, _load_list(files[stem], stem, integration_dir))
    if PORT_APP_CONFIG in files:
        from ocean_runtime.mapping import PortAppConfig, load_port_app_config

        resources.port_app_config_file = files[PORT_APP_CONFIG]
        resources.port_app_config = load_port_app_config(
            files[PORT_APP_CONFIG], config_class=config_class or PortAppConfig
        )
    return resources


def _recognised_files(directory: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        stem = path.stem if path.is_file() else path.name
        if stem not in (*LIST_FILES, PORT_APP_CONFIG):
            continue
        if path.is_dir() or path.suffix not in EXTENSIONS:
            raise UserInputError(
                f"'{path.name}' is not a supported resources file",
                file=str(path),
                fix=f"name it {stem}.json, {stem}.yaml or {stem}.yml",
            )
        if stem in found:
            raise UserInputError(
                f"both {found[stem].name} and {path.name} define {stem}",
                file=str(path),
                fix="keep only one of them",
            )
        found[stem] = path
    return found


def read_document(path: Path, display: str) -> Any:
    """Parse a JSON or YAML file within the file limits; a syntax error names the line."""
    from ocean_runtime.config.documents import read_document as read_within_limits

    return read_within_limits(path, name=display).data


def _load_list(path: Path, stem: str, integration_dir: Path) -> list[dict[str, Any]]:
    display = _display(path, integration_dir)
    data = read_document(path, display)
    if data is None:
        return []
    if not isinstance(data, list):
        raise UserInputError(
            f"expected a list of {stem}, found {type(data).__name__}",
            file=display,
            fix="make it a list: [{...}]",
        )
    for position, item in enumerate(data):
        key = "blueprint" if stem == "scorecards" else "identifier"
        if not isinstance(item, dict):
            raise UserInputError(
                f"expected an object, found {type(item).__name__}", file=display, location=f"[{position}]"
            )
        if stem in ("blueprints", "scorecards") and not isinstance(item.get(key), str):
            raise UserInputError(
                f"'{key}' is missing or not a string",
                file=display,
                location=f"[{position}].{key}",
                fix=f"give every item of {path.name} a string {key}",
            )
    return data


def _display(path: Path, integration_dir: Path) -> str:
    try:
        return path.relative_to(integration_dir).as_posix()
    except ValueError:
        return str(path)
