"""Checks of ``.port/spec.yaml``: the keys surveyed across the reference's 49 integrations.

Known top-level keys are type-checked; unknown ones are warnings (Port's UI may read keys we do
not know). ``configurations`` items must have a ``name`` and one of the seven types, and their
``default`` and ``enum`` values must fit that type.
"""

from __future__ import annotations

from typing import Any

from ocean_runtime.config.documents import Document
from ocean_runtime.config.integration_config import ConfigValueError, coerce_config_value
from ocean_runtime.config.spec import CONFIG_TYPES, Configuration, Spec, spec_from_document
from ocean_runtime.errors import UserInputError
from ocean_runtime.validation.findings import Finding, at
from ocean_runtime.validation.schema_errors import schema_findings, short

_STRING = {"type": "string"}
_BOOLEAN = {"type": "boolean"}
_OBJECT = {"type": "object"}
_ARRAY = {"type": "array"}

CONFIGURATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "type"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "type": {"enum": list(CONFIG_TYPES)},
        "required": _BOOLEAN,
        "sensitive": _BOOLEAN,
        "description": _STRING,
        "title": _STRING,
        "enum": {"type": "array", "minItems": 1},
        "dependencies": _ARRAY,
    },
}

SPEC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": _STRING,
        "description": _STRING,
        "icon": _STRING,
        "docs": _STRING,
        "type": _STRING,
        "version": _STRING,
        "formMappingEnabled": _BOOLEAN,
        "recommendedInstallationMethod": _STRING,
        "actionsProcessingEnabled": _BOOLEAN,
        "disableDefaultInstallationMethods": _BOOLEAN,
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": _STRING,
                    "section": _STRING,
                    "resources": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["kind"],
                            "properties": {
                                "kind": {"type": "string", "minLength": 1},
                                "description": _STRING,
                            },
                        },
                    },
                },
            },
        },
        "configurations": {"type": "array", "items": CONFIGURATION_SCHEMA},
        "saas": _OBJECT,
        "deploymentMethodRequirements": _ARRAY,
        "deploymentMethodOverride": _ARRAY,
        "installationDocs": _OBJECT,
        "actions": _ARRAY,
        "provider": _OBJECT,
        "interface": _OBJECT,
    },
}


def check_spec(document: Document) -> tuple[list[Finding], Spec | None]:
    """All findings for the spec, and the parsed spec when it is usable."""
    data = document.data
    if not isinstance(data, dict):
        return [
            at(document, "error", (), "the spec must be a mapping (title, features, configurations…)")
        ], None
    findings = schema_findings(document, SPEC_SCHEMA)
    for key in data:
        if key not in SPEC_SCHEMA["properties"]:
            findings.append(at(document, "warning", (str(key),), f"unknown top-level key '{key}'"))
    configurations = data.get("configurations")
    if isinstance(configurations, list):
        findings.extend(_configuration_values(document, configurations))
    if not data.get("features"):
        findings.append(at(document, "warning", (), "no features: the spec lists no kinds"))
    try:
        spec = spec_from_document(document)
    except UserInputError:
        spec = None  # already reported above, with its location
    return findings, spec


def _configuration_values(document: Document, configurations: list[Any]) -> list[Finding]:
    findings = []
    seen: set[str] = set()
    for index, item in enumerate(configurations):
        if (
            not isinstance(item, dict)
            or item.get("type") not in CONFIG_TYPES
            or not isinstance(item.get("name"), str)
        ):
            continue  # the schema check reports it
        if item["name"] in seen:
            message = f"duplicated configuration '{item['name']}'"
            findings.append(at(document, "error", ("configurations", index, "name"), message))
        seen.add(item["name"])
        findings.extend(_values_fit_type(document, index, item))
    return findings


def _values_fit_type(document: Document, index: int, item: dict[str, Any]) -> list[Finding]:
    """``enum`` values and ``default`` must be values of the configuration's type."""
    name, type_ = item["name"], item["type"]
    findings = []
    enum = item.get("enum") if isinstance(item.get("enum"), list) else None
    for position, option in enumerate(enum or []):
        problem = _misfit(Configuration(name=name, type=type_), option)
        if problem:
            message = f"enum value {short(option)} of '{name}': {problem}"
            findings.append(at(document, "error", ("configurations", index, "enum", position), message))
    default = item.get("default")
    if default is not None:
        problem = _misfit(Configuration(name=name, type=type_, enum=enum or None), default)
        if problem:
            message = f"default {short(default)} of '{name}': {problem}"
            findings.append(at(document, "error", ("configurations", index, "default"), message))
    return findings


def _misfit(configuration: Configuration, value: Any) -> str | None:
    try:
        coerce_config_value(configuration, value)
    except ConfigValueError as exc:
        return str(exc)
    return None
