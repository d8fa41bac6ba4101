"""The JSON schema of ``.port/resources/blueprints.json`` (a list of Port blueprint bodies).

Written from Port's documented blueprint shape: identifier pattern, property types and string
formats, relations with ``target``/``required``/``many``. Checks a schema cannot express
(``required`` naming real properties, duplicate identifiers, relation targets) live in
``blueprints``.
"""

from __future__ import annotations

from typing import Any

IDENTIFIER_PATTERN = r"^[A-Za-z0-9@_=\-]+$"
PROPERTY_TYPES = ["string", "number", "boolean", "object", "array"]
STRING_FORMATS = [
    "url",
    "email",
    "user",
    "team",
    "date-time",
    "timer",
    "yaml",
    "markdown",
    "ipv4",
    "ipv6",
    "proto",
    "entity",
    "json",
]

NOT_ALLOWED: dict[str, Any] = {"not": {}}
"""A key that must be absent (``schema_errors`` words it as "not allowed here")."""

_JSON_TYPE_OF = {
    "string": "string",
    "number": "number",
    "boolean": "boolean",
    "object": "object",
    "array": "array",
}


def _values_of_type(type_name: str) -> dict[str, Any]:
    """``if type == T then enum/default must be of T`` (null is allowed in enums, as in Port)."""
    json_type = _JSON_TYPE_OF[type_name]
    return {
        "if": {"properties": {"type": {"const": type_name}}, "required": ["type"]},
        "then": {
            "properties": {
                "enum": {"items": {"type": [json_type, "null"]}},
                "default": {"type": json_type},
            }
        },
    }


ITEMS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"enum": PROPERTY_TYPES},
        "format": {"enum": STRING_FORMATS},
        "enum": {"type": "array"},
    },
    "allOf": [_values_of_type(name) for name in PROPERTY_TYPES],
}

PROPERTY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "type": {"enum": PROPERTY_TYPES},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "icon": {"type": "string"},
        "format": {"enum": STRING_FORMATS},
        "enum": {"type": "array", "minItems": 1},
        "enumColors": {"type": "object", "additionalProperties": {"type": "string"}},
        "items": ITEMS_SCHEMA,
    },
    "allOf": [
        *(_values_of_type(name) for name in PROPERTY_TYPES),
        {  # a format only makes sense on strings (arrays carry theirs in `items`)
            "if": {
                "required": ["type"],
                "properties": {"type": {"enum": ["number", "boolean", "object", "array"]}},
            },
            "then": {"properties": {"format": NOT_ALLOWED}},
        },
    ],
}

RELATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    # Port defaults `required` and `many` to false when a relation leaves them out.
    "required": ["target"],
    "properties": {
        "target": {"type": "string", "pattern": IDENTIFIER_PATTERN},
        "required": {"type": "boolean"},
        "many": {"type": "boolean"},
        "title": {"type": "string"},
        "description": {"type": "string"},
    },
}

BLUEPRINT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["identifier", "title", "schema"],
    "properties": {
        "identifier": {"type": "string", "pattern": IDENTIFIER_PATTERN, "maxLength": 100},
        "title": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "icon": {"type": "string"},
        "schema": {
            "type": "object",
            "required": ["properties"],
            "properties": {
                "properties": {"type": "object", "additionalProperties": PROPERTY_SCHEMA},
                "required": {"type": "array", "items": {"type": "string"}},
            },
        },
        "relations": {"type": "object", "additionalProperties": RELATION_SCHEMA},
        "calculationProperties": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["calculation", "type"],
                "properties": {"calculation": {"type": "string"}, "type": {"enum": PROPERTY_TYPES}},
            },
        },
        "mirrorProperties": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["path"],
                "properties": {"path": {"type": "string"}},
            },
        },
        "aggregationProperties": {"type": "object"},
        "ownership": {
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"enum": ["Direct", "Inherited"]}, "path": {"type": "string"}},
        },
        "teamInheritance": {
            "type": "object",
            "required": ["path"],
            "properties": {"path": {"type": "string"}},
        },
    },
}

BLUEPRINTS_FILE_SCHEMA: dict[str, Any] = {"type": "array", "items": BLUEPRINT_SCHEMA}
