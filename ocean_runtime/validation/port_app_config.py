"""Checks of ``.port/resources/port-app-config.yml``: structure, every jq expression, cross-references.

Structure comes from the integration's own config class (its custom selector fields and
validators included); every jq leaf is compiled after Port's quote rewriting, so a typo is
reported with its key path and jq's own message before anything runs. Kinds, blueprints,
properties and relations are compared with the spec and ``blueprints.json``: a property or
relation that a blueprint of the integration's own ``blueprints.json`` lacks is an error (Port
refuses the entity); the rest are warnings, because the missing piece may legitimately live
elsewhere (a blueprint that already exists in Port).

A config class whose models are not pydantic v2 models (an adapter's) may say which keys it does
not declare with a classmethod ``ocean_unknown_keys(data) -> list[str]`` (key paths such as
``resources[0].selector.qurey``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from ocean_runtime.config.documents import Document, KeyPath
from ocean_runtime.config.spec import Spec
from ocean_runtime.mapping import (
    JqBudgetError,
    JQCompileError,
    PortAppConfig,
    check_jq,
    find_unknown_keys,
    rewrite_single_quotes,
)
from ocean_runtime.validation.blueprints import Blueprints
from ocean_runtime.validation.findings import Finding, at
from ocean_runtime.validation.schema_errors import json_kind, short

# Values some reference integrations (GitLab, GitHub…) resolve themselves instead of with jq.
_INTEGRATION_PREFIXES = ("file://", "search://")
_STRING_LITERAL = re.compile(r'\s*("(?:[^"\\]|\\.)*")\s*')
_PATH_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")
_BASE_SELECTOR_KEYS = {"query", "exportEnvVariables"}
_MAPPING_KEYS = {"identifier", "title", "blueprint", "icon", "team", "properties", "relations"}


def check_port_app_config(
    document: Document,
    *,
    spec: Spec | None,
    blueprints: Blueprints | None,
    config_class: type[PortAppConfig] = PortAppConfig,
) -> list[Finding]:
    """All findings for one port-app-config document.

    Args:
        document: the decoded file.
        spec: the integration's spec (kinds are compared with its features), if any.
        blueprints: the blueprints defined in ``blueprints.json`` (None when there is no such file).
        config_class: the integration's ``PortAppConfig`` subclass: the keys it declares (custom
            selector fields) are not reported as unknown.
    """
    data = document.data
    if data is None:
        return [at(document, "error", (), "the file is empty; add a `resources:` list")]
    if not isinstance(data, dict):
        return [
            at(document, "error", (), f"expected a mapping with a `resources:` list, got {json_kind(data)}")
        ]
    findings = _structure(document, config_class)
    findings.extend(_unknown_keys(document, config_class))
    resources = data.get("resources")
    if not isinstance(resources, list):
        return findings
    if not resources:
        findings.append(at(document, "warning", ("resources",), "no resources: nothing will be synced"))
    for index, resource in enumerate(resources):
        if isinstance(resource, dict):
            path: KeyPath = ("resources", index)
            findings.extend(_expressions(document, path, resource))
            findings.extend(_kind(document, path, resource, spec))
            findings.extend(_blueprint_references(document, path, resource, blueprints))
    return findings


def _structure(document: Document, config_class: type[PortAppConfig]) -> list[Finding]:
    try:
        config_class.model_validate(document.data)
    except ValidationError as exc:
        findings = []
        for error in exc.errors():
            # Union tags like "<search query>" name pydantic's branches, not YAML keys.
            path = tuple(
                part for part in error["loc"] if not (isinstance(part, str) and part.startswith("<"))
            )
            findings.append(at(document, "error", path, _describe(error)))
        return _first_per_location(findings)
    return []


def _describe(error: Any) -> str:
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return f"required key '{error['loc'][-1]}' is missing"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind == "string_type":
        return f"expected a jq expression (a string), got {json_kind(value)} {short(value)}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping of keys, got {json_kind(value)} {short(value)}"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"must be between 0 and 1, got {short(value)}"
    return f"{error['msg']}, got {short(value)}"


def _unknown_keys(document: Document, config_class: type[PortAppConfig]) -> list[Finding]:
    custom = getattr(config_class, "ocean_unknown_keys", None)
    unknown = custom(document.data) if callable(custom) else find_unknown_keys(document.data, config_class)
    custom_class = config_class is not PortAppConfig
    findings = []
    for text in unknown:
        path = _parse_path(text)
        key = path[-1]
        if len(path) >= 3 and path[-2] == "entity" and key in _MAPPING_KEYS:
            message = (
                f"'{key}' must be inside 'mappings' (port.entity.mappings.{key}): here it is ignored, "
                f"so no {key} are written"
            )
            findings.append(at(document, "error", path, message))
            continue
        if len(path) >= 2 and path[-2] == "selector":
            declared_by = "the integration's Selector" if custom_class else "the base Selector"
            message = f"'{key}' is not a selector key ({declared_by} does not declare it): ignored (a typo?)"
        else:
            message = f"unknown key '{key}' is ignored (a typo?)"
        findings.append(at(document, "warning", path, message))
    return findings


def _expressions(document: Document, path: KeyPath, resource: dict[str, Any]) -> list[Finding]:
    findings = []
    for leaf_path, expression in _jq_leaves(path, resource):
        if isinstance(expression, bool) or not isinstance(expression, str | int | float):
            continue  # not a string: the structure check reports it
        text = str(expression)
        if text.startswith(_INTEGRATION_PREFIXES):
            message = (
                f"{short(text)} is not jq: only integrations that resolve "
                f"'{text.split('://')[0]}://' values themselves support it"
            )
            findings.append(at(document, "warning", leaf_path, message))
            continue
        try:
            check_jq(text)
        except JQCompileError as exc:
            findings.append(at(document, "error", leaf_path, f"jq error in {short(text)}: {exc.reason}"))
        except JqBudgetError as exc:  # jq folds constants while compiling: "a" * 1000000000
            findings.append(at(document, "error", leaf_path, f"jq expression {short(text)} {exc.reason}"))
    return findings


def _jq_leaves(path: KeyPath, resource: dict[str, Any]) -> Iterator[tuple[KeyPath, Any]]:
    selector = resource.get("selector")
    if isinstance(selector, dict) and "query" in selector:
        yield (*path, "selector", "query"), selector["query"]
    port = resource.get("port")
    if not isinstance(port, dict):
        return
    if port.get("itemsToParse") is not None:
        yield (*path, "port", "itemsToParse"), port["itemsToParse"]
    entity = port.get("entity")
    mappings = entity.get("mappings") if isinstance(entity, dict) else None
    if not isinstance(mappings, dict):
        return
    base: KeyPath = (*path, "port", "entity", "mappings")
    for key in ("identifier", "title", "blueprint", "icon", "team"):
        if key in mappings:
            yield from _expression_or_query((*base, key), mappings[key])
    for group in ("properties", "relations"):
        entries = mappings.get(group)
        if isinstance(entries, dict):
            for name, value in entries.items():
                yield from _expression_or_query((*base, group, name), value)


def _expression_or_query(path: KeyPath, value: Any) -> Iterator[tuple[KeyPath, Any]]:
    if not isinstance(value, dict):
        yield path, value
        return
    if "combinator" in value:
        yield (*path, "combinator"), value["combinator"]
    rules = value.get("rules")
    if isinstance(rules, list):
        for index, rule in enumerate(rules):
            rule_path = (*path, "rules", index)
            if isinstance(rule, dict) and ("combinator" in rule or "rules" in rule):
                yield from _expression_or_query(rule_path, rule)
            elif isinstance(rule, dict):
                for key in ("property", "operator", "value"):
                    if key in rule:
                        yield (*rule_path, key), rule[key]


def _kind(document: Document, path: KeyPath, resource: dict[str, Any], spec: Spec | None) -> list[Finding]:
    kind = resource.get("kind")
    if spec is None or not spec.kinds or not isinstance(kind, str) or kind in spec.kinds:
        return []
    message = (
        f"kind '{kind}' is not listed in {spec.file} features[].resources (known: {', '.join(spec.kinds)})"
    )
    return [at(document, "warning", (*path, "kind"), message)]


def _blueprint_references(
    document: Document, path: KeyPath, resource: dict[str, Any], blueprints: Blueprints | None
) -> list[Finding]:
    port = resource.get("port")
    entity = port.get("entity") if isinstance(port, dict) else None
    mappings = entity.get("mappings") if isinstance(entity, dict) else None
    if not isinstance(mappings, dict):
        return []
    identifier = blueprint_literal(mappings.get("blueprint"))
    if identifier is None:
        return []  # computed per item (e.g. `.type`): nothing to compare statically
    base: KeyPath = (*path, "port", "entity", "mappings")
    blueprint = (blueprints or {}).get(identifier)
    if blueprint is None:
        where = ".port/resources/blueprints.json" if blueprints is not None else "a blueprints.json"
        message = f"blueprint '{identifier}' is not defined in {where} (it must already exist in Port)"
        return [at(document, "warning", (*base, "blueprint"), message)]
    return _undeclared(document, base, mappings, identifier, blueprint)


def _undeclared(
    document: Document, base: KeyPath, mappings: dict[str, Any], identifier: str, blueprint: dict[str, Any]
) -> list[Finding]:
    schema = blueprint.get("schema")
    declared_properties = schema.get("properties") if isinstance(schema, dict) else None
    declared_relations = blueprint.get("relations")
    findings = []
    checks = (("properties", "property", declared_properties), ("relations", "relation", declared_relations))
    for group, noun, declared in checks:
        entries = mappings.get(group)
        if not isinstance(entries, dict):
            continue
        known = declared if isinstance(declared, dict) else {}
        for name in entries:
            if name not in known:
                message = (
                    f"blueprint '{identifier}' in .port/resources/blueprints.json has no {noun} '{name}': "
                    f"Port refuses the entity — add the {noun} to the blueprint or remove this line"
                )
                findings.append(at(document, "error", (*base, group, name), message))
    return findings


def blueprint_literal(expression: Any) -> str | None:
    """The blueprint named by a jq string literal (``'"service"'``), or None if it is computed."""
    if not isinstance(expression, str):
        return None
    match = _STRING_LITERAL.fullmatch(rewrite_single_quotes(expression))
    if match is None:
        return None
    value = json.loads(match.group(1))
    return value if isinstance(value, str) else None


def _parse_path(text: str) -> KeyPath:
    return tuple(int(index) if index else key for index, key in _PATH_TOKEN.findall(text))


def _first_per_location(findings: list[Finding]) -> list[Finding]:
    seen: set[str] = set()
    result = []
    for finding in findings:
        if finding.location not in seen:
            seen.add(finding.location)
            result.append(finding)
    return result
