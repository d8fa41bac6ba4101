"""The places settings come from, each read into a nested snake_case dict (a ``Layer``).

``load_settings`` merges the layers by precedence. Each layer can also say where a value at a
key path was written (``Origin``), so a bad value is reported as
``OCEAN__SCHEDULED_RESYNC_INTERVAL`` or ``config.yaml:7: scheduledResyncInterval`` — the
spelling the user wrote — rather than as a pydantic field name.

Everything is read from the integration folder and the given ``environ``; nothing from the
current working directory.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic_settings import BaseSettings, DotEnvSettingsSource, EnvSettingsSource
from pydantic_settings.exceptions import SettingsError

from ocean_runtime.config.documents import Document, read_document
from ocean_runtime.config.file_limits import read_limited
from ocean_runtime.config.integration_config import Origin
from ocean_runtime.config.naming import ENV_PREFIX, decamelize, settings_env_var, yaml_key_path
from ocean_runtime.errors import UserInputError

SettingsPath = tuple[str, ...]
CONFIG_PATH: SettingsPath = ("integration", "config")
_PROVIDER = re.compile(r"\s*\{\{\s*from\s+(\S+)\s+(.*?)\s*\}\}\s*")


@dataclass
class Layer:
    """One source of settings: nested snake_case values and a way to name where each came from."""

    label: str
    values: dict[str, Any]
    origin_of: Callable[[SettingsPath], Origin] = field(repr=False)


@dataclass(frozen=True)
class EnvReference:
    """A ``{{ from env NAME }}`` value in config.yaml, resolved only if it wins the merge."""

    variable: str
    origin: Origin


def overrides_layer(overrides: Mapping[str, Any] | None) -> Layer:
    """Values given in code or by CLI flags (``ocean sail --once``)."""
    return Layer("overrides", _snake_tree(dict(overrides or {}), ()), _override_origin)


def environment_layer(settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> Layer:
    """``OCEAN__*`` variables of ``environ`` (nested with ``__``, case-insensitive)."""
    source = _MappingEnvSource(settings_cls, environ)
    values = _call_source(source, environ, file=None)
    return Layer("environment", values, lambda path: Origin(None, _env_var_name(path, environ)))


def dotenv_layer(settings_cls: type[BaseSettings], integration_dir: Path) -> Layer:
    """``OCEAN__*`` lines of ``DIR/.env``."""
    path = integration_dir / ".env"
    if not path.is_file():
        return Layer(".env", {}, lambda p: Origin(".env", settings_env_var(p)))
    read_limited(path, name=".env")  # refused above the size limit before dotenv reads it
    raw = {key: value or "" for key, value in dotenv_values(path).items()}
    source = DotEnvSettingsSource(settings_cls, env_file=path)
    values = _call_source(source, raw, file=".env")
    values = {key: value for key, value in values.items() if key in settings_cls.model_fields}
    text = path.read_text(encoding="utf-8", errors="replace")

    def origin_of(settings_path: SettingsPath) -> Origin:
        name = _env_var_name(settings_path, raw)
        return Origin(".env", name, _dotenv_line(text, name))

    return Layer(".env", values, origin_of)


def config_yaml_layer(integration_dir: Path) -> Layer:
    """``DIR/config.yaml``: camelCase keys decamelized; ``{{ from env X }}`` kept as references."""
    path = integration_dir / "config.yaml"
    if not path.is_file():
        return Layer("config.yaml", {}, lambda p: Origin("config.yaml", yaml_key_path(p)))
    document = read_document(path, name="config.yaml")
    if document.data is None:
        return Layer("config.yaml", {}, lambda p: Origin("config.yaml", yaml_key_path(p)))
    if not isinstance(document.data, dict):
        raise UserInputError("config.yaml must be a mapping of settings", file="config.yaml", line=1)
    written: dict[SettingsPath, tuple[str | int, ...]] = {}
    values = _yaml_tree(document, document.data, (), (), written)

    def origin_of(settings_path: SettingsPath) -> Origin:
        for end in range(len(settings_path), 0, -1):
            original = written.get(settings_path[:end])
            if original is not None:
                return Origin("config.yaml", yaml_key_path(original), document.line_of(original))
        return Origin("config.yaml", yaml_key_path(settings_path))

    return Layer("config.yaml", values, origin_of)


def pyproject_defaults(integration_dir: Path) -> dict[str, Any]:
    """Integration type (lower-cased name) and version from ``DIR/pyproject.toml``, if any."""
    path = integration_dir / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(read_limited(path, name="pyproject.toml"))
    except tomllib.TOMLDecodeError as exc:
        raise UserInputError(f"invalid TOML: {exc}", file="pyproject.toml") from None
    project = data.get("project") or data.get("tool", {}).get("poetry") or {}
    defaults: dict[str, Any] = {}
    if isinstance(project.get("name"), str):
        defaults["type"] = project["name"].lower()
    if isinstance(project.get("version"), str):
        defaults["version"] = project["version"]
    return {"integration": defaults} if defaults else {}


def layer_holding(layers: list[Layer], path: SettingsPath) -> Layer | None:
    """The highest-precedence layer (``layers`` is ordered highest first) that sets ``path``."""
    return next((layer for layer in layers if _holds(layer.values, path)), None)


class _MappingEnvSource(EnvSettingsSource):
    """pydantic-settings' env parsing, reading a given mapping instead of ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        if self.case_sensitive:
            return dict(self._environ)
        return {key.lower(): value for key, value in self._environ.items()}


def _call_source(source: EnvSettingsSource, raw: Mapping[str, str], *, file: str | None) -> dict[str, Any]:
    try:
        return source()
    except SettingsError as exc:
        # Raised when a whole sub-model is given as JSON (OCEAN__EVENT_LISTENER='{...') and is not JSON.
        match = re.search(r'field "(\w+)"', str(exc))
        name = _env_var_name((match.group(1),), raw) if match else ENV_PREFIX + "*"
        name = _unparsable_json_var(name, raw) or name
        fix = f"give {name} as a JSON object, or set its keys one by one"
        raise UserInputError(f"{name} is not valid JSON", file=file, fix=fix) from None


def _unparsable_json_var(prefix: str, environ: Mapping[str, str]) -> str | None:
    """The variable under ``prefix`` holding JSON-looking text that is not JSON.

    pydantic-settings names only the top-level field (``live_events``) although the bad value
    may sit deeper (``OCEAN__LIVE_EVENTS__KAFKA__CONFIG``).
    """
    for key, value in environ.items():
        if key.upper().startswith(prefix.upper()) and value.lstrip()[:1] in ("{", "["):
            try:
                json.loads(value)
            except ValueError:
                return key
    return None


def _env_var_name(path: SettingsPath, environ: Mapping[str, str]) -> str:
    """The variable (as spelled in ``environ``) that set ``path`` or one of its ancestors."""
    by_upper = {key.upper(): key for key in environ}
    for end in range(len(path), 0, -1):
        name = by_upper.get(settings_env_var(path[:end]))
        if name is not None:
            return name
    return settings_env_var(path)


def _dotenv_line(text: str, name: str) -> int | None:
    pattern = re.compile(rf"^\s*(?:export\s+)?{re.escape(name)}\s*=", re.IGNORECASE)
    return next((number for number, line in enumerate(text.splitlines(), 1) if pattern.match(line)), None)


def _override_origin(path: SettingsPath) -> Origin:
    return Origin(None, f"setting {'.'.join(path)} (given on the command line or in code)")


def _snake_tree(value: Any, path: SettingsPath) -> Any:
    """Decamelizes keys; inside ``integration.config`` only the configuration names."""
    if not isinstance(value, dict):
        return value
    result: dict[str, Any] = {}
    for key, item in value.items():
        snake = decamelize(str(key))
        result[snake] = item if path == CONFIG_PATH else _snake_tree(item, (*path, snake))
    return result


def _yaml_tree(
    document: Document,
    value: Any,
    path: SettingsPath,
    original: tuple[str | int, ...],
    written: dict[SettingsPath, tuple[str | int, ...]],
) -> Any:
    """Decamelizes config.yaml keys (only the top level of ``integration.config``) and wraps providers."""
    if isinstance(value, str):
        origin = Origin("config.yaml", yaml_key_path(original), document.line_of(original))
        return _provider_value(value, origin)
    if not isinstance(value, dict) or (len(path) > len(CONFIG_PATH) and path[:2] == CONFIG_PATH):
        return value
    result: dict[str, Any] = {}
    for key, item in value.items():
        snake = decamelize(str(key))
        written[(*path, snake)] = (*original, str(key))
        result[snake] = _yaml_tree(document, item, (*path, snake), (*original, str(key)), written)
    return result


def _provider_value(text: str, origin: Origin) -> Any:
    match = _PROVIDER.fullmatch(text)
    if match is None:
        return text
    provider, argument = match.groups()
    if provider != "env":
        raise UserInputError(
            f"unknown value provider {provider!r} in {text!r}",
            file=origin.file,
            location=origin.location,
            line=origin.line,
            fix="the only provider is env: write {{ from env VARIABLE_NAME }}",
        )
    return EnvReference(argument, origin)


def _holds(values: Mapping[str, Any], path: SettingsPath) -> bool:
    node: Any = values
    for part in path:
        if not isinstance(node, Mapping):
            return True  # an ancestor was given whole (e.g. as JSON)
        if part not in node:
            return False
        node = node[part]
    return True


def dotenv_values_of(integration_dir: Path) -> dict[str, str]:
    """Every variable of ``DIR/.env`` (for ``{{ from env X }}`` when X is not in the environment)."""
    path = integration_dir / ".env"
    if not path.is_file():
        return {}
    return {key: value for key, value in dotenv_values(path).items() if value is not None}
