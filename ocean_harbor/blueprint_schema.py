"""Blueprint documents: checking them, and the string formats their properties may declare.

A blueprint's ``schema.properties`` uses Port's property types (string, number, boolean, object,
array) with formats (url, email, date-time, ipv4, ipv6, ...), enums and ``required``; its
``relations`` name a target blueprint and whether they are required and many-valued. Entities
are checked against them by ``ocean_harbor.entity_validation``.
"""

from __future__ import annotations

import ipaddress
import json
import re
from datetime import datetime
from typing import Any

from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from ocean_harbor.errors import invalid

BLUEPRINT_IDENTIFIER = re.compile(r"^[A-Za-z0-9@_=\-]+$")
ENTITY_IDENTIFIER = re.compile(r"^[A-Za-z0-9@_.+:/=-]+$")
PROPERTY_TYPES = {"string", "number", "boolean", "object", "array"}
STRING_FORMATS = {
    "date-time",
    "url",
    "email",
    "ipv4",
    "ipv6",
    "yaml",
    "markdown",
    "user",
    "team",
    "timer",
    "proto",
    "entity",
    "json",
}
DOCUMENT_KEYS = ("calculationProperties", "mirrorProperties", "aggregationProperties")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#]+[^\s]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_ip(version: int) -> Any:
    def check(value: object) -> bool:
        if not isinstance(value, str):
            return True
        try:
            return ipaddress.ip_address(value).version == version
        except ValueError:
            return False

    return check


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("url")(lambda v: not isinstance(v, str) or bool(_URL.match(v)))
    checker.checks("email")(lambda v: not isinstance(v, str) or bool(_EMAIL.match(v)))
    checker.checks("date-time")(_is_datetime)
    checker.checks("timer")(_is_datetime)
    checker.checks("ipv4")(_is_ip(4))
    checker.checks("ipv6")(_is_ip(6))
    return checker


FORMAT_CHECKER = _format_checker()


def normalize_blueprint(body: dict[str, Any]) -> dict[str, Any]:
    """Checks a blueprint document and fills Port's defaults (empty schema, relations, ...).

    Raises:
        HarborError: 422 naming the key at fault.
    """
    identifier = body.get("identifier")
    if not isinstance(identifier, str) or not BLUEPRINT_IDENTIFIER.match(identifier):
        raise invalid(
            f"body/identifier must be a string matching {BLUEPRINT_IDENTIFIER.pattern}, "
            f"got {json.dumps(identifier)}."
        )
    doc = dict(body)
    doc.setdefault("title", identifier)
    schema = doc.get("schema") if doc.get("schema") is not None else {}
    if not isinstance(schema, dict):
        raise invalid("body/schema must be an object with 'properties' and 'required'.")
    doc["schema"] = _normalize_schema(schema)
    relations = doc.get("relations") if doc.get("relations") is not None else {}
    doc["relations"] = _normalize_relations(relations)
    for key in DOCUMENT_KEYS:
        value = doc.get(key) if doc.get(key) is not None else {}
        if not isinstance(value, dict):
            raise invalid(f"body/{key} must be an object.")
        doc[key] = value
    return doc


def _normalize_schema(schema: dict[str, Any]) -> dict[str, Any]:
    properties = schema.get("properties") if schema.get("properties") is not None else {}
    if not isinstance(properties, dict):
        raise invalid("body/schema/properties must be an object of property definitions.")
    for name, prop in properties.items():
        _check_property(name, prop)
    required = schema.get("required") if schema.get("required") is not None else []
    if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
        raise invalid("body/schema/required must be an array of property names.")
    unknown = [r for r in required if r not in properties]
    if unknown:
        raise invalid(f"body/schema/required names properties that do not exist: {', '.join(unknown)}.")
    return {**schema, "properties": properties, "required": required}


def _check_property(name: str, prop: Any) -> None:
    where = f"body/schema/properties/{name}"
    if not isinstance(prop, dict):
        raise invalid(f'{where} must be an object like {{"type": "string"}}.')
    kind = prop.get("type")
    if kind not in PROPERTY_TYPES:
        raise invalid(
            f"{where}/type must be one of {', '.join(sorted(PROPERTY_TYPES))}, got {json.dumps(kind)}."
        )
    fmt = prop.get("format")
    if fmt is not None and kind == "string" and fmt not in STRING_FORMATS:
        raise invalid(
            f"{where}/format must be one of {', '.join(sorted(STRING_FORMATS))}, got {json.dumps(fmt)}."
        )
    if "enum" in prop and not isinstance(prop["enum"], list):
        raise invalid(f"{where}/enum must be an array of allowed values.")
    try:
        Draft7Validator.check_schema(prop)
    except SchemaError as exc:
        raise invalid(f"{where} is not a valid property schema: {exc.message}.") from None


def _normalize_relations(relations: Any) -> dict[str, Any]:
    if not isinstance(relations, dict):
        raise invalid("body/relations must be an object of relation definitions.")
    result = {}
    for name, relation in relations.items():
        where = f"body/relations/{name}"
        if not isinstance(relation, dict) or not isinstance(relation.get("target"), str):
            raise invalid(f"{where} must be an object with a 'target' blueprint identifier.")
        for flag in ("required", "many"):
            if not isinstance(relation.get(flag, False), bool):
                raise invalid(f"{where}/{flag} must be a boolean.")
        result[name] = {
            "title": name,
            **relation,
            "required": relation.get("required", False),
            "many": relation.get("many", False),
        }
    return result


def relation_targets(blueprint: dict[str, Any]) -> set[str]:
    """The blueprints the relations of ``blueprint`` point at."""
    return {relation["target"] for relation in blueprint.get("relations", {}).values()}
