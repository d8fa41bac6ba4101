"""Checks of the other default resources: ``actions``, ``scorecards`` and ``pages``."""

from __future__ import annotations

from ocean_runtime.config.documents import Document
from ocean_runtime.validation.blueprints import Blueprints
from ocean_runtime.validation.findings import Finding, at
from ocean_runtime.validation.schema_errors import json_kind


def check_resource_list(document: Document, stem: str, *, blueprints: Blueprints | None) -> list[Finding]:
    """``actions``/``pages``: a list of objects with an ``identifier``; ``scorecards``: a list of
    ``{"blueprint": ..., "data": [...]}``."""
    data = document.data
    if not isinstance(data, list):
        return [at(document, "error", (), f"must be a list of {stem}, got {json_kind(data)}")]
    findings = []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            findings.append(at(document, "error", (index,), f"expected an object, got {json_kind(item)}"))
        elif stem == "scorecards":
            findings.extend(_scorecard_group(document, index, item, blueprints))
        elif not isinstance(item.get("identifier"), str):
            findings.append(at(document, "error", (index,), "required key 'identifier' is missing"))
    return findings


def _scorecard_group(
    document: Document, index: int, item: dict[str, object], blueprints: Blueprints | None
) -> list[Finding]:
    findings = []
    blueprint = item.get("blueprint")
    if not isinstance(blueprint, str):
        findings.append(
            at(document, "error", (index,), "required key 'blueprint' (a blueprint identifier) is missing")
        )
    elif blueprints is not None and blueprint not in blueprints:
        message = f"blueprint '{blueprint}' is not defined in blueprints.json (it must already exist in Port)"
        findings.append(at(document, "warning", (index, "blueprint"), message))
    if not isinstance(item.get("data"), list):
        findings.append(
            at(document, "error", (index,), "required key 'data' (a list of scorecards) is missing")
        )
    return findings
