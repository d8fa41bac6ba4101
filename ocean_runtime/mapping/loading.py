"""Reading a port-app-config file into the models, with errors that name the file, line and key.

A pydantic error location like ``('resources', 1, 'selector', 'query')`` becomes
``port-app-config.yml:12: resources[1].selector.query: required key is missing — …``.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ocean_runtime.config.documents import parse_json, parse_yaml, read_document
from ocean_runtime.errors import UserInputError
from ocean_runtime.mapping.models import UNION_TAGS, PortAppConfig

ConfigT = TypeVar("ConfigT", bound=PortAppConfig)
LineOf = Callable[[tuple[str | int, ...]], int | None]

_FIXES = types.MappingProxyType(
    {
        ("selector", "query"): "add `query: 'true'` under selector to sync every item",
        ("mappings", "identifier"): "map the entity identifier, e.g. `identifier: .id | tostring`",
        ("mappings", "blueprint"): (
            "name the blueprint as a jq string literal, e.g. `blueprint: '\"service\"'`"
        ),
    }
)


def parse_port_app_config(
    data: Any,
    *,
    config_class: type[ConfigT] = PortAppConfig,  # type: ignore[assignment]
    source: str = "port-app-config.yml",
    line_of: LineOf | None = None,
) -> ConfigT:
    """Validates an already-decoded port-app-config.

    Args:
        data: the decoded YAML/JSON document.
        config_class: the integration's ``PortAppConfig`` subclass, if it has one.
        source: how to name the document in errors (usually its path).
        line_of: maps a key path to its 1-based line in the file, when known.

    Raises:
        UserInputError: naming ``source``, the key path (``resources[1].selector.query``),
            what is wrong and how to fix it.
    """
    if data is None:
        raise UserInputError(
            "the port-app-config is empty", file=source, fix="add a `resources:` list (see `ocean new`)"
        )
    if not isinstance(data, Mapping):
        raise UserInputError(
            f"expected a mapping with a `resources:` list, got {_type_name(data)}", file=source, line=1
        )
    try:
        return config_class.model_validate(dict(data))
    except ValidationError as exc:
        raise _user_error(exc, data, source, line_of) from None


def load_port_app_config(path: Path, *, config_class: type[ConfigT] = PortAppConfig) -> ConfigT:  # type: ignore[assignment]
    """Reads and validates a port-app-config file (YAML, or JSON for ``.json``).

    Raises:
        UserInputError: the file is missing, over the file limits (size, YAML aliases), is not
            valid YAML/JSON (with the line), or does not validate (with the key path and line).
    """
    document = read_document(path, name=str(path))
    return parse_port_app_config(
        document.data, config_class=config_class, source=document.name, line_of=document.line_of
    )


def decode_config_text(text: str, *, source: str, is_json: bool = False) -> tuple[Any, LineOf | None]:
    """Decodes YAML (or JSON) text; returns the data and a key-path → line lookup.

    Raises:
        UserInputError: a syntax error, with its line, or the text is over the YAML limits.
    """
    document = parse_json(text, name=source) if is_json else parse_yaml(text, name=source)
    return document.data, document.line_of


def find_unknown_keys(data: Any, config_class: type[PortAppConfig] = PortAppConfig) -> list[str]:
    """Lists the key paths no model of ``config_class`` declares (``resources[0].selector.qurey``).

    The runtime tolerates them, as the reference does; ``ocean validate`` reports them so typos
    do not go unnoticed. Works on invalid documents too (best effort).
    """
    found: list[str] = []
    _walk_unknown(data, config_class, "", found)
    return found


def _walk_unknown(data: Any, annotation: Any, path: str, found: list[str]) -> None:
    model = _pick_model(annotation, data)
    if model is not None:
        if not isinstance(data, Mapping):
            return
        fields = {}
        for name, field in model.model_fields.items():
            fields[name] = field.annotation
            if field.alias:
                fields[field.alias] = field.annotation
        for key, value in data.items():
            key_path = f"{path}.{key}" if path else str(key)
            if key not in fields:
                found.append(key_path)
            else:
                _walk_unknown(value, fields[key], key_path, found)
        return
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list and args and isinstance(data, list):
        for index, item in enumerate(data):
            _walk_unknown(item, args[0], f"{path}[{index}]", found)
    elif origin is dict and len(args) == 2 and isinstance(data, Mapping):
        for key, value in data.items():
            _walk_unknown(value, args[1], f"{path}.{key}", found)


def _pick_model(annotation: Any, data: Any) -> type[BaseModel] | None:
    """The model class that ``data`` is validated as, for plain and union annotations."""
    candidates = [arg for arg in _flatten(annotation) if isinstance(arg, type) and issubclass(arg, BaseModel)]
    if not candidates or not isinstance(data, Mapping):
        return None
    for candidate in candidates:
        try:
            candidate.model_validate(dict(data))
        except ValidationError:
            continue
        return candidate
    # Nothing validates: judge the keys against the closest candidate.
    return max(candidates, key=lambda model: len(set(data) & _declared_keys(model)))


def _flatten(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _flatten(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return [leaf for arg in typing.get_args(annotation) for leaf in _flatten(arg)]
    return [annotation]


def _declared_keys(model: type[BaseModel]) -> set[str]:
    return {key for name, field in model.model_fields.items() for key in (name, field.alias) if key}


def _user_error(exc: ValidationError, data: Any, source: str, line_of: LineOf | None) -> UserInputError:
    problems = []
    for error in exc.errors():
        key_path = tuple(part for part in error["loc"] if part not in UNION_TAGS)
        problems.append((key_path, _describe(error)))
    key_path, (message, fix) = problems[0]
    others = [f"{_format_path(path)}: {text}" for path, (text, _) in problems[1:]]
    if others:
        message += f" (also: {'; '.join(others)})"
    return UserInputError(
        message,
        file=source,
        location=_format_path(key_path) or None,
        line=line_of(key_path) if line_of else None,
        fix=fix or _fix_for(key_path),
    )


def _describe(error: Any) -> tuple[str, str | None]:
    """One error → (what is wrong, how to fix it or None)."""
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return "required key is missing", None
    if kind == "value_error":
        text = str(error["msg"]).removeprefix("Value error, ")
        message, _, fix = text.partition(" — ")
        return message, fix or None
    if kind == "string_type":
        return f"expected a jq expression (a string), got {_type_name(value)} {_short(value)}", (
            "quote the expression; nested objects are only allowed as search queries (combinator + rules)"
        )
    if kind == "model_type" or kind == "dict_type":
        return f"expected a mapping of keys, got {_type_name(value)} {_short(value)}", None
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"must be between 0 and 1, got {_short(value)}", None
    if kind.startswith("bool"):
        return f"must be true or false, got {_short(value)}", None
    return f"{error['msg']}, got {_short(value)}", None


def _fix_for(key_path: tuple[str | int, ...]) -> str | None:
    return _FIXES.get(tuple(str(part) for part in key_path[-2:]))  # type: ignore[arg-type]


def _format_path(key_path: tuple[str | int, ...]) -> str:
    text = ""
    for part in key_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _type_name(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
