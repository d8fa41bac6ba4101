"""Turning jsonschema errors into findings with key paths, lines and plain-language messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from ocean_runtime.config.documents import Document, KeyPath
from ocean_runtime.validation.findings import Finding, at

Prefix = Callable[[KeyPath], str]


def schema_findings(
    document: Document, schema: dict[str, Any], *, prefix: Prefix | None = None
) -> list[Finding]:
    """Validates ``document.data`` against ``schema``; one error finding per violation.

    Args:
        document: the decoded file.
        schema: a draft-7 JSON schema.
        prefix: optional text put before each message, from the error's key path (e.g. the
            blueprint the error is in).
    """
    validator = Draft7Validator(schema)
    findings = []
    reported: set[KeyPath] = set()
    for error in sorted(
        validator.iter_errors(document.data), key=lambda e: [str(p) for p in e.absolute_path]
    ):
        path: KeyPath = tuple(error.absolute_path)
        if path in reported:
            continue  # one problem per key is enough (an unknown type also breaks the type-dependent rules)
        reported.add(path)
        message = describe(error)
        if prefix is not None:
            message = prefix(path) + message
        findings.append(at(document, "error", path, message))
    return findings


def describe(error: ValidationError) -> str:
    """A one-line explanation of a jsonschema error, naming the value and what is expected."""
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "not" and expected == {}:
        key = error.absolute_path[-1] if error.absolute_path else "this key"
        if key == "format":
            return "'format' is only allowed on string properties (an array takes it in 'items')"
        return f"'{key}' is not allowed here"
    if kind == "required" and isinstance(value, dict):
        missing = [key for key in expected if key not in value]
        return f"required key {', '.join(repr(key) for key in missing)} is missing"
    if kind == "enum":
        return (
            f"{short(value)} is not allowed; expected one of {', '.join(str(option) for option in expected)}"
        )
    if kind == "const":
        return f"{short(value)} is not allowed here; expected {short(expected)}"
    if kind == "type":
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        return f"expected {_a(wanted)}, got {json_kind(value)} {short(value)}"
    if kind == "pattern":
        return f"{short(value)} does not match Port's identifier pattern {expected}"
    if kind == "minItems":
        return "must not be empty"
    if kind == "minLength":
        return "must not be empty"
    if kind == "maxLength":
        return f"is longer than {expected} characters"
    return str(error.message)


def json_kind(value: Any) -> str:
    """``a string``, ``an object``… for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, int | float):
        return "a number"
    return "a string"


def short(value: Any) -> str:
    """A value as JSON, cut to a readable length."""
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"
