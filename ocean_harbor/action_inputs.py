"""An action's user inputs (``trigger.userInputs``): the form the UI shows and checking a run's.

``userInputs`` is Port's JSON-schema-like object::

    {"properties": {"version": {"type": "number", "title": "Version", "minimum": 1},
                    "status": {"type": "string", "enum": ["healthy", "failing"]},
                    "owner": {"type": "string", "format": "entity", "blueprint": "fakePerson"}},
     "required": ["version"], "order": ["version", "status"]}

A run's ``properties`` are checked against it (JSON Schema, plus: an ``entity`` input must name
an entity of its blueprint) before the run exists; every problem is reported at once, by input.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft7Validator

from ocean_harbor.errors import invalid

TEXTAREA_FORMATS = ("multi-line", "markdown", "yaml")


@dataclass(frozen=True)
class InputField:
    """One user input, as a form shows it.

    Attributes:
        name: the property name.
        title: its label.
        control: ``text``, ``textarea``, ``number``, ``checkbox``, ``select``, ``entity`` or ``json``.
        spec: the input's schema.
        required: the input must be given.
    """

    name: str
    title: str
    control: str
    spec: dict[str, Any]
    required: bool

    @property
    def description(self) -> str:
        """The input's help text."""
        return str(self.spec.get("description") or "")

    @property
    def default(self) -> Any:
        """The input's default value (None when it has none)."""
        return self.spec.get("default")

    @property
    def options(self) -> list[Any]:
        """The allowed values of a ``select``."""
        enum = self.spec.get("enum")
        return list(enum) if isinstance(enum, list) else []


def user_inputs(action: dict[str, Any]) -> dict[str, Any]:
    """The action's ``trigger.userInputs`` (empty when it has none)."""
    trigger = action.get("trigger")
    inputs = trigger.get("userInputs") if isinstance(trigger, dict) else None
    return inputs if isinstance(inputs, dict) else {}


def _declared(inputs: dict[str, Any]) -> dict[str, Any]:
    properties = inputs.get("properties")
    return properties if isinstance(properties, dict) else {}


def input_fields(action: dict[str, Any]) -> list[InputField]:
    """The action's inputs in form order (``order`` first, then the others as declared)."""
    inputs = user_inputs(action)
    properties = _declared(inputs)
    required = set(inputs.get("required") or [])
    order = [name for name in inputs.get("order") or [] if name in properties]
    names = order + [name for name in properties if name not in order]
    fields = []
    for name in names:
        spec = properties[name] if isinstance(properties[name], dict) else {}
        fields.append(
            InputField(name, str(spec.get("title") or name), _control(spec), spec, name in required)
        )
    return fields


def _control(spec: dict[str, Any]) -> str:
    kind, form = spec.get("type"), spec.get("format")
    if form == "entity":
        return "entity"
    if isinstance(spec.get("enum"), list):
        return "select"
    if kind in ("number", "integer"):
        return "number"
    if kind == "boolean":
        return "checkbox"
    if kind in ("object", "array"):
        return "json"
    return "textarea" if form in TEXTAREA_FORMATS else "text"


def check_inputs(conn: sqlite3.Connection, action: dict[str, Any], properties: Any) -> dict[str, Any]:
    """``properties`` with defaults applied, if they satisfy the action's inputs.

    Raises:
        HarborError: 422 listing every input that is missing or wrong.
    """
    if not isinstance(properties, dict):
        raise invalid("body/properties must be an object of the action's inputs.")
    checked, problems = checked_inputs(conn, action, properties)
    if problems:
        listed = "; ".join(f"properties.{name}: {problem}" for name, problem in problems.items())
        raise invalid(f"The inputs of action {action.get('identifier')} are invalid: {listed}.")
    return checked


def checked_inputs(
    conn: sqlite3.Connection, action: dict[str, Any], properties: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """``(properties with defaults, {input: problem})`` — the form shows the problems by field."""
    fields = input_fields(action)
    checked = dict(properties)
    for field in fields:
        if checked.get(field.name) is None and field.default is not None:
            checked[field.name] = field.default
    schema = _schema(action)
    problems: dict[str, str] = {}
    for error in sorted(Draft7Validator(schema).iter_errors(checked), key=lambda e: list(e.path)):
        if error.validator == "required":
            missing = str(error.message).split("'")[1] if "'" in error.message else "?"
            problems.setdefault(missing, "is required")
        else:
            name = str(error.path[0]) if error.path else "(inputs)"
            problems.setdefault(name, _schema_message(error))
    for field in fields:
        value = checked.get(field.name)
        if field.control == "entity" and isinstance(value, str) and field.name not in problems:
            target = field.spec.get("blueprint")
            if isinstance(target, str) and not _entity_exists(conn, target, value):
                problems[field.name] = f"there is no {target} entity {value!r}"
    return checked, problems


def _schema(action: dict[str, Any]) -> dict[str, Any]:
    inputs = user_inputs(action)
    properties = _declared(inputs)
    # ``format`` is a display hint in Port (entity, multi-line…), not a check.
    cleaned = {
        name: {key: value for key, value in spec.items() if key not in ("format", "blueprint")}
        for name, spec in properties.items()
        if isinstance(spec, dict)
    }
    required = [name for name in inputs.get("required") or [] if isinstance(name, str)]
    return {"type": "object", "properties": cleaned, "required": required}


def _schema_message(error: Any) -> str:
    if error.validator == "enum":
        return f"must be one of {', '.join(json.dumps(option) for option in error.validator_value)}"
    if error.validator == "type":
        return f"must be {_article(error.validator_value)}, got {json.dumps(error.instance)[:60]}"
    return str(error.message)


def _article(kind: Any) -> str:
    names = {
        "string": "a string",
        "number": "a number",
        "integer": "a whole number",
        "boolean": "true or false",
    }
    names |= {"object": "an object", "array": "a list"}
    return names.get(kind, str(kind)) if isinstance(kind, str) else " or ".join(map(_article, kind))


def _entity_exists(conn: sqlite3.Connection, blueprint: str, identifier: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM entities WHERE blueprint = ? AND identifier = ?", (blueprint, identifier)
    ).fetchone()
    return row is not None


def from_form(action: dict[str, Any], form: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The properties a submitted form gives (typed), and ``{input: problem}`` for text that is not.

    Empty fields are left out (so defaults and ``required`` apply); an unchecked checkbox is false.
    """
    properties: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for field in input_fields(action):
        raw = form.get(field.name)
        if field.control == "checkbox":
            properties[field.name] = raw is not None
            continue
        text = (raw or "").strip()
        if not text:
            continue
        try:
            properties[field.name] = _typed(field, text)
        except ValueError as exc:
            problems[field.name] = str(exc)
    return properties, problems


def _typed(field: InputField, text: str) -> Any:
    kind = field.spec.get("type")
    if field.control == "select" and kind not in ("number", "integer", "boolean"):
        return text
    if kind in ("number", "integer"):
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"must be a number, got {text!r}") from None
        return int(number) if number.is_integer() else number
    if kind == "boolean":
        return text.lower() in ("true", "on", "yes", "1")
    if kind in ("object", "array"):
        try:
            return json.loads(text)
        except ValueError as exc:
            raise ValueError(f"is not valid JSON: {exc}") from None
    return text
