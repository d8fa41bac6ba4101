"""Validating the integration's own settings against ``spec.yaml`` ``configurations``.

Values arrive as strings from the environment (``OCEAN__INTEGRATION__CONFIG__PORT=8080``) or
typed from config.yaml, with camelCase or snake_case keys. The result always has snake_case
keys and typed values, as ``ocean.integration_config`` exposes them. Keys the spec does not
declare are passed through unchanged (``ocean validate`` reports them).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from ocean_runtime.config.naming import decamelize
from ocean_runtime.config.spec import Configuration, Spec
from ocean_runtime.errors import UserInputError

_TRUE = {"true", "1", "yes", "on", "y", "t"}
_FALSE = {"false", "0", "no", "off", "n", "f"}
_INTEGER = re.compile(r"[+-]?\d+")

EXPECTED = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": 'a JSON object, e.g. {"key": "value"}',
    "array": 'a JSON array, e.g. ["a", "b"]',
    "url": "an http(s) URL such as https://example.com",
}


class ConfigValueError(ValueError):
    """A value does not fit its configuration's type or enum (message says what is expected)."""


@dataclass(frozen=True)
class Origin:
    """Where a configuration value was written, for error messages."""

    file: str | None
    location: str
    line: int | None = None


@dataclass(frozen=True)
class ConfigProblem:
    """One configuration that is missing or invalid."""

    configuration: Configuration
    kind: Literal["missing", "invalid"]
    message: str


def coerce_config_value(configuration: Configuration, value: Any) -> Any:
    """Turns ``value`` into the configuration's type; raises ``ConfigValueError`` if it cannot."""
    coerce = _COERCERS.get(configuration.type)
    if coerce is None:
        raise ConfigValueError(f"unknown configuration type {configuration.type!r}")
    result = coerce(value)
    if configuration.enum is not None and result not in configuration.enum:
        allowed = ", ".join(json.dumps(option) for option in configuration.enum)
        raise ConfigValueError(f"must be one of {allowed}")
    return result


def check_integration_config(
    spec: Spec | None, values: Mapping[str, Any]
) -> tuple[dict[str, Any], list[ConfigProblem]]:
    """Validates every configuration and collects all problems instead of stopping at one.

    Returns:
        The validated values (snake_case keys, defaults applied) and the problems found.
    """
    given = {decamelize(str(key)): value for key, value in values.items()}
    if spec is None:
        return given, []
    result = dict(given)
    problems: list[ConfigProblem] = []
    for configuration in spec.configurations:
        key = configuration.snake_name
        value = given.get(key)
        if _is_unset(value, configuration):
            value = configuration.default
        if value is None:
            result[key] = None
            if configuration.required:
                problems.append(ConfigProblem(configuration, "missing", "missing required configuration"))
            continue
        try:
            result[key] = coerce_config_value(configuration, value)
        except ConfigValueError as exc:
            problems.append(ConfigProblem(configuration, "invalid", str(exc)))
    return result, problems


def validate_integration_config(
    spec: Spec | None,
    values: Mapping[str, Any],
    *,
    source: str = "integration config",
    origins: Mapping[str, Origin] | None = None,
) -> dict[str, Any]:
    """Validates integration settings against the spec's ``configurations``.

    Args:
        spec: the integration's spec (None: values are returned with snake_case keys only).
        values: raw values, camelCase (config.yaml) or snake_case (environment) keys.
        source: names where the values come from in errors (e.g. ``config.yaml``).
        origins: per snake_case key, where exactly each value was written (more precise
            than ``source``; see ``ocean_runtime.config.settings.integration_config_origins``).

    Returns:
        snake_case keys → typed values; defaults applied; undeclared keys passed through.

    Raises:
        UserInputError: a required configuration is missing (naming the env var to set) or a
            value does not fit its type or enum (naming the key, the value and the type).
    """
    result, problems = check_integration_config(spec, values)
    if not problems:
        return result
    assert spec is not None  # problems only come from a spec
    missing = [p.configuration for p in problems if p.kind == "missing"]
    if missing:
        raise missing_error(missing, spec_file=spec.file)
    problem = problems[0]
    error = invalid_error(problem, values, source=source, origins=origins or {})
    if len(problems) > 1:
        others = ", ".join(f"'{p.configuration.name}'" for p in problems[1:])
        error = UserInputError(
            f"{error.message} (also invalid: {others})",
            file=error.file,
            location=error.location,
            line=error.line,
            fix=error.fix,
        )
    raise error


def missing_error(missing: list[Configuration], *, spec_file: str) -> UserInputError:
    """The error for required configurations that have no value and no default."""
    names = ", ".join(f"'{c.name}'" for c in missing)
    plural = "s" if len(missing) > 1 else ""
    env_vars = ", ".join(c.env_var for c in missing)
    yaml_keys = ", ".join(f"integration.config.{c.name}" for c in missing)
    return UserInputError(
        f"missing required configuration{plural} {names}",
        file=spec_file,
        fix=f"set {env_vars} or {yaml_keys} in config.yaml",
    )


def invalid_error(
    problem: ConfigProblem, values: Mapping[str, Any], *, source: str, origins: Mapping[str, Origin]
) -> UserInputError:
    """The error for one value that does not fit its configuration."""
    configuration = problem.configuration
    default_origin = Origin(source, f"integration.config.{configuration.name}")
    origin = origins.get(configuration.snake_name) or default_origin
    raw = next((v for k, v in values.items() if decamelize(str(k)) == configuration.snake_name), None)
    shown = "***" if configuration.sensitive else _short(raw)
    return UserInputError(
        f"configuration '{configuration.name}' = {shown} is not valid: {problem.message}",
        file=origin.file,
        location=origin.location,
        line=origin.line,
        fix=(
            f"set {configuration.env_var} or integration.config.{configuration.name} to "
            f"{EXPECTED.get(configuration.type, configuration.type)}"
        ),
    )


def _is_unset(value: Any, configuration: Configuration) -> bool:
    # An empty environment variable (common in Helm charts) means "not set" for non-strings.
    return value is None or (value == "" and configuration.type != "string")


def _to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ConfigValueError(f"expected {EXPECTED['string']}, got {_kind(value)}")


def _to_integer(value: Any) -> int:
    if isinstance(value, bool):
        raise ConfigValueError(f"expected {EXPECTED['integer']}, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value.strip())
    raise ConfigValueError(f"expected {EXPECTED['integer']}")


def _to_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ConfigValueError(f"expected {EXPECTED['number']}, got a boolean")
    if isinstance(value, int | float):
        number: int | float = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = int(text) if _INTEGER.fullmatch(text) else float(text)
        except ValueError:
            raise ConfigValueError(f"expected {EXPECTED['number']}") from None
    else:
        raise ConfigValueError(f"expected {EXPECTED['number']}, got {_kind(value)}")
    if isinstance(number, float) and not math.isfinite(number):
        raise ConfigValueError(f"expected a finite number, got {number}")
    return number


def _to_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ConfigValueError(f"expected {EXPECTED['boolean']}")


def _from_json(value: Any, wanted: type, type_name: str) -> Any:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ConfigValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(value, wanted):
        raise ConfigValueError(f"expected {EXPECTED[type_name]}, got {_kind(value)}")
    return value


def _to_url(value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigValueError(f"expected {EXPECTED['url']}, got {_kind(value)}")
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
        raise ConfigValueError(f"expected {EXPECTED['url']}")
    # As the reference: a trailing slash is dropped so `f"{url}/path"` never doubles it.
    return text.rstrip("/")


_COERCERS: dict[str, Any] = {
    "string": _to_string,
    "integer": _to_integer,
    "number": _to_number,
    "boolean": _to_boolean,
    "object": lambda value: _from_json(value, dict, "object"),
    "array": lambda value: _from_json(value, list, "array"),
    "url": _to_url,
}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, int | float):
        return "a number"
    return f"a {type(value).__name__}"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."
