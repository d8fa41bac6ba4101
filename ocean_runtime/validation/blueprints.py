"""Checks of ``.port/resources/blueprints.json``: Port's blueprint schema plus cross-references."""

from __future__ import annotations

from typing import Any

from ocean_runtime.config.documents import Document, KeyPath
from ocean_runtime.validation.blueprint_schema import BLUEPRINTS_FILE_SCHEMA
from ocean_runtime.validation.findings import Finding, at
from ocean_runtime.validation.schema_errors import schema_findings

Blueprints = dict[str, dict[str, Any]]


def check_blueprints(document: Document) -> tuple[list[Finding], Blueprints]:
    """Validates every blueprint; returns the findings and the blueprints by identifier."""
    data = document.data
    if not isinstance(data, list):
        return [at(document, "error", (), "must be a JSON list of blueprints")], {}

    def blueprint_named(path: KeyPath) -> str:
        return _label(data[path[0]]) if path and isinstance(path[0], int) else ""

    findings = schema_findings(document, BLUEPRINTS_FILE_SCHEMA, prefix=blueprint_named)
    defined: Blueprints = {}
    for index, blueprint in enumerate(data):
        identifier = blueprint.get("identifier") if isinstance(blueprint, dict) else None
        if not isinstance(identifier, str):
            continue
        if identifier in defined:
            findings.append(
                at(document, "error", (index, "identifier"), f"duplicated blueprint '{identifier}'")
            )
        else:
            defined[identifier] = blueprint
    for index, blueprint in enumerate(data):
        if isinstance(blueprint, dict):
            findings.extend(_required_properties(document, index, blueprint))
            findings.extend(_relation_targets(document, index, blueprint, defined))
    return findings, defined


def _required_properties(document: Document, index: int, blueprint: dict[str, Any]) -> list[Finding]:
    schema = blueprint.get("schema")
    if not isinstance(schema, dict) or not isinstance(schema.get("required"), list):
        return []
    properties = schema.get("properties")
    declared = properties if isinstance(properties, dict) else {}
    return [
        at(
            document,
            "error",
            (index, "schema", "required", position),
            f"{_label(blueprint)}'{name}' is listed as required but is not a property of the blueprint",
        )
        for position, name in enumerate(schema["required"])
        if isinstance(name, str) and name not in declared
    ]


def _relation_targets(
    document: Document, index: int, blueprint: dict[str, Any], defined: Blueprints
) -> list[Finding]:
    relations = blueprint.get("relations")
    if not isinstance(relations, dict):
        return []
    findings = []
    for name, relation in relations.items():
        target = relation.get("target") if isinstance(relation, dict) else None
        if isinstance(target, str) and target not in defined:
            message = (
                f"{_label(blueprint)}relation '{name}' targets blueprint '{target}', which is not defined "
                "in this file (it must already exist in Port)"
            )
            findings.append(at(document, "warning", (index, "relations", name, "target"), message))
    return findings


def _label(blueprint: Any) -> str:
    identifier = blueprint.get("identifier") if isinstance(blueprint, dict) else None
    return f"blueprint '{identifier}': " if isinstance(identifier, str) else ""
