"""The inputs an action declares in ``.port/spec.yaml`` (``actions[]``), and checking a run's.

A spec declares, per action type it can execute::

    actionsProcessingEnabled: true
    actions:
      - name: dispatch_workflow          # the executor's action name
        inputs:
          - {name: repo, type: string, required: true}
          - {name: reportWorkflowStatus, type: boolean, default: true}
          - {name: workflowInputs, type: jqObject}

Port renders a run's ``integrationActionExecutionProperties`` from the action's definition
(its JQ templates over the user's inputs and the entity); what arrives can still be wrong — a
template reading a property the entity does not have gives ``null``. Before an executor runs,
``check_properties`` applies the defaults, converts what converts without doubt (``"3"`` for an
integer) and refuses the rest with one reason per input, which becomes the run's FAILURE.

Types: ``string``, ``number``, ``integer``, ``boolean``, ``object``, ``array`` and ``jqObject``
(an object Port built from JQ templates); an input may also list its allowed values in ``enum``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ocean_runtime.config.documents import Document
from ocean_runtime.config.naming import format_key_path
from ocean_runtime.errors import UserInputError

INPUT_TYPES = ("string", "number", "integer", "boolean", "object", "array", "jqObject")
_MISSING = object()


class ActionInput(BaseModel):
    """One item of ``actions[].inputs``. Unknown keys (``title``, ``description``…) are kept."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(min_length=1)
    type: str = "string"
    required: bool = False
    default: Any = None
    enum: list[Any] | None = None


class ActionDeclaration(BaseModel):
    """One item of ``actions[]``: an action type this integration executes."""

    model_config = ConfigDict(extra="allow")

    name: str = Field(min_length=1)
    inputs: list[ActionInput] = Field(default_factory=list)


@dataclass(frozen=True)
class SpecActions:
    """What the spec says about actions.

    Attributes:
        file: the spec file, for messages.
        processing_enabled: ``actionsProcessingEnabled``.
        declarations: the declared action types by name.
    """

    file: str = ".port/spec.yaml"
    processing_enabled: bool = False
    declarations: dict[str, ActionDeclaration] = field(default_factory=dict)


class InvalidInputs(Exception):
    """A run's properties do not match the spec; ``reasons`` has one line per input."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("; ".join(reasons))


def spec_actions(document: Document | None) -> SpecActions:
    """The ``actionsProcessingEnabled`` flag and ``actions[]`` of a decoded spec (None: no spec).

    Raises:
        UserInputError: ``actions`` is malformed (with the key path and line), an input has an
            unknown type, or two actions share a name.
    """
    if document is None or not isinstance(document.data, dict):
        return SpecActions()
    raw = document.data
    declarations: dict[str, ActionDeclaration] = {}
    items = raw.get("actions") or []
    if not isinstance(items, list):
        raise _spec_error(document, ("actions",), "must be a list of actions (name, inputs)")
    for index, item in enumerate(items):
        declaration = _declaration(document, index, item)
        if declaration.name in declarations:
            raise _spec_error(
                document, ("actions", index, "name"), f"action {declaration.name!r} is declared twice"
            )
        declarations[declaration.name] = declaration
    return SpecActions(document.name, bool(raw.get("actionsProcessingEnabled")), declarations)


def _declaration(document: Document, index: int, item: Any) -> ActionDeclaration:
    try:
        declaration = ActionDeclaration.model_validate(item)
    except ValidationError as exc:
        error = exc.errors()[0]
        path = ("actions", index, *error["loc"])
        what = f"required key '{error['loc'][-1]}' is missing" if error["type"] == "missing" else error["msg"]
        raise _spec_error(document, path, what) from None
    for position, declared in enumerate(declaration.inputs):
        if declared.type not in INPUT_TYPES:
            raise _spec_error(
                document,
                ("actions", index, "inputs", position, "type"),
                f"input {declared.name!r} of action {declaration.name!r} has unknown type {declared.type!r}",
                fix=f"use one of {', '.join(INPUT_TYPES)}",
            )
    return declaration


def _spec_error(
    document: Document, path: tuple[str | int, ...], message: str, fix: str | None = None
) -> UserInputError:
    return UserInputError(
        message, file=document.name, location=format_key_path(path), line=document.line_of(path), fix=fix
    )


def check_properties(declaration: ActionDeclaration | None, properties: Any) -> dict[str, Any]:
    """The run's properties with defaults applied and values converted, as the executor gets them.

    Properties the spec does not declare are passed through unchanged.

    Raises:
        InvalidInputs: one reason per input that is missing or of the wrong type.
    """
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise InvalidInputs([f"the run's properties must be an object, got {_show(properties)}"])
    if declaration is None:
        return dict(properties)
    checked = dict(properties)
    reasons: list[str] = []
    for declared in declaration.inputs:
        value = properties.get(declared.name, _MISSING)
        if value is _MISSING or value is None or value == "":
            if declared.default is not None:
                checked[declared.name] = declared.default
            elif declared.required:
                reasons.append(f"input '{declared.name}' is required")
            continue
        try:
            checked[declared.name] = _converted(declared, value)
        except ValueError as exc:
            reasons.append(f"input '{declared.name}' {exc}")
    if reasons:
        raise InvalidInputs(reasons)
    return checked


def _converted(declared: ActionInput, value: Any) -> Any:
    """``value`` as ``declared.type`` says (raises ``ValueError`` with the reason)."""
    converted = _CONVERTERS[declared.type](value)
    if declared.enum is not None and converted not in declared.enum:
        allowed = ", ".join(_show(option) for option in declared.enum)
        raise ValueError(f"must be one of {allowed}, got {_show(value)}")
    return converted


def _string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"must be a string, got {_show(value)}")


def _number(value: Any) -> int | float:
    if isinstance(value, str):
        try:
            value = json.loads(value.strip())
        except ValueError:
            raise ValueError(f"must be a number, got {_show(value)}") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"must be a number, got {_show(value)}")
    return value


def _integer(value: Any) -> int:
    try:
        number = _number(value)
    except ValueError:
        number = None
    if number is None or number != int(number):
        raise ValueError(f"must be a whole number, got {_show(value)}")
    return int(number)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(f"must be true or false, got {_show(value)}")


def _json_of(kind: type, label: str) -> Any:
    def convert(value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError(f"must be {label}, got {_show(value)}") from None
        if not isinstance(value, kind):
            raise ValueError(f"must be {label}, got {_show(value)}")
        return value

    return convert


_CONVERTERS = {
    "string": _string,
    "number": _number,
    "integer": _integer,
    "boolean": _boolean,
    "object": _json_of(dict, "an object"),
    "jqObject": _json_of(dict, "an object"),
    "array": _json_of(list, "a list"),
}


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
