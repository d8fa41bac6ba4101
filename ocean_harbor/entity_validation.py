"""Validating an entity's properties and relation shapes against its blueprint.

Most Port properties are a bare ``type`` with maybe a ``format`` or an ``enum``; those are checked
directly in Python (the hot path of every bulk upsert). Anything richer (``items``, ``pattern``,
``minimum``, ...) goes through ``jsonschema``. Either way each message names the property.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from jsonschema import Draft7Validator

from ocean_harbor.blueprint_schema import FORMAT_CHECKER

# Keys that only describe a property for people; they never make a value invalid.
_DESCRIPTIVE = {
    "type",
    "format",
    "enum",
    "title",
    "description",
    "icon",
    "default",
    "enumColors",
    "spec",
    "specAuthentication",
}
# The Python types of each property type (a number is also never a bool, see ``_fast_check``).
_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "number": (int, float),
    "boolean": bool,
    "object": dict,
    "array": list,
}

Check = Callable[[Any], list[str]]


def _fast_check(prop: dict[str, Any]) -> Check | None:
    """A direct check for a simple property schema, or None when jsonschema is needed."""
    kind = prop.get("type")
    if not set(prop) <= _DESCRIPTIVE or kind not in _TYPES:
        return None
    python_type, fmt, enum = _TYPES[kind], prop.get("format"), prop.get("enum")
    no_bool = kind == "number"  # bool is an int in Python but not a number in JSON
    conforms = _format_function(fmt)

    # Inlined rather than composed: this runs for every property of every upserted entity.
    def check(value: Any) -> list[str]:
        if not isinstance(value, python_type) or (no_bool and isinstance(value, bool)):
            return [f"{value!r} is not of type '{kind}'"]
        if enum is not None and value not in enum:
            return [f"{value!r} is not one of {enum!r}"]
        if conforms is not None and not conforms(value):
            return [f"{value!r} is not a '{fmt}'"]
        return []

    return check


def _format_function(fmt: str | None) -> Callable[[Any], Any] | None:
    """``FORMAT_CHECKER``'s function for ``fmt`` (None: every value conforms).

    Called directly it decides as ``FORMAT_CHECKER.conforms`` does, whose lookup and exception
    handling cost more than most checks; a function declared to raise keeps going through it.
    """
    if fmt is None or fmt not in FORMAT_CHECKER.checkers:
        return None
    function: Callable[[Any], Any]
    function, raises = FORMAT_CHECKER.checkers[fmt]
    if raises:
        return lambda value: FORMAT_CHECKER.conforms(value, fmt)
    return function


def _schema_check(prop: dict[str, Any]) -> Check:
    validator = Draft7Validator(prop, format_checker=FORMAT_CHECKER)
    return lambda value: [error.message for error in validator.iter_errors(value)]


class EntityValidator:
    """Validates entity properties and relation shapes against one blueprint."""

    def __init__(self, blueprint: dict[str, Any]) -> None:
        self.identifier: str = blueprint["identifier"]
        schema = blueprint.get("schema", {})
        self.properties: dict[str, Any] = schema.get("properties", {})
        self.required: list[str] = sorted(set(schema.get("required", [])))
        self.relations: dict[str, Any] = blueprint.get("relations", {})
        self._checks = {
            name: _fast_check(prop) or _schema_check(prop) for name, prop in self.properties.items()
        }

    def property_errors(self, properties: dict[str, Any]) -> list[str]:
        """Messages for each property that does not fit the schema (null means "no value")."""
        errors = []
        for name, value in properties.items():
            check = self._checks.get(name)
            if check is None:
                errors.append(f"properties.{name}: blueprint '{self.identifier}' has no property '{name}'")
            elif value is not None:
                problems = check(value)  # almost always none: skip building a generator
                if problems:
                    errors.extend(f"properties.{name}: {message}" for message in problems)
        for name in self.required:
            if properties.get(name) is None:
                errors.append(
                    f"properties.{name}: required by blueprint '{self.identifier}' but missing or null"
                )
        return errors

    def relation_errors(self, relations: dict[str, Any]) -> list[str]:
        """Messages for unknown relations and values of the wrong shape (after query resolution)."""
        errors = []
        for name, value in relations.items():
            relation = self.relations.get(name)
            if relation is None:
                errors.append(f"relations.{name}: blueprint '{self.identifier}' has no relation '{name}'")
            elif relation["many"] and value is not None and not _is_str_list(value):
                errors.append(
                    f"relations.{name}: a many relation takes an array of identifiers, got {_short(value)}"
                )
            elif not relation["many"] and value is not None and not isinstance(value, str):
                errors.append(f"relations.{name}: takes one identifier (a string), got {_short(value)}")
        for name, relation in self.relations.items():
            if relation["required"] and relations.get(name) in (None, []):
                errors.append(
                    f"relations.{name}: required by blueprint '{self.identifier}' but missing or null"
                )
        return errors


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."
