"""Checking a run's properties against the spec's ``actions[].inputs``; malformed declarations."""

from __future__ import annotations

from typing import Any

import pytest

from ocean_runtime.actions.inputs import ActionDeclaration, InvalidInputs, check_properties, spec_actions
from ocean_runtime.config.documents import parse_yaml
from ocean_runtime.errors import UserInputError

DEPLOY = ActionDeclaration.model_validate(
    {
        "name": "deploy",
        "inputs": [
            {"name": "service", "type": "string", "required": True},
            {"name": "version", "type": "integer", "required": True},
            {"name": "ratio", "type": "number", "default": 0.5},
            {"name": "dryRun", "type": "boolean", "default": False},
            {"name": "status", "type": "string", "enum": ["healthy", "failing"]},
            {"name": "options", "type": "jqObject"},
            {"name": "tags", "type": "array"},
        ],
    }
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"service": "a", "version": 3}, {"service": "a", "version": 3, "ratio": 0.5, "dryRun": False}),
        ({"service": "a", "version": "3", "dryRun": "true"}, {"version": 3, "dryRun": True}),
        (
            {"service": 7, "version": 3.0, "options": '{"x": 1}'},
            {"service": "7", "version": 3, "options": {"x": 1}},
        ),
        ({"service": "a", "version": 1, "extra": [1]}, {"extra": [1]}),  # undeclared: passed through
    ],
)
def test_values_are_converted_and_defaults_applied(given: dict[str, Any], expected: dict[str, Any]) -> None:
    checked = check_properties(DEPLOY, given)
    assert {key: checked[key] for key in expected} == expected


def test_every_bad_input_is_named_with_its_reason() -> None:
    with pytest.raises(InvalidInputs) as caught:
        check_properties(
            DEPLOY, {"version": "3.5", "ratio": "fast", "dryRun": "maybe", "status": "gone", "tags": "x"}
        )
    assert caught.value.reasons == [
        "input 'service' is required",
        "input 'version' must be a whole number, got \"3.5\"",
        "input 'ratio' must be a number, got \"fast\"",
        "input 'dryRun' must be true or false, got \"maybe\"",
        'input \'status\' must be one of "healthy", "failing", got "gone"',
        "input 'tags' must be a list, got \"x\"",
    ]


def test_properties_that_are_not_an_object_are_refused() -> None:
    with pytest.raises(InvalidInputs, match="must be an object"):
        check_properties(DEPLOY, ["service"])


@pytest.mark.parametrize(
    ("text", "location", "message"),
    [
        ("actions: {name: deploy}", "actions", "must be a list"),
        ("actions:\n  - inputs: []", "actions[0].name", "required key 'name' is missing"),
        (
            "actions:\n  - name: a\n    inputs: [{name: x, type: date}]",
            "actions[0].inputs[0].type",
            "unknown type",
        ),
        ("actions:\n  - name: a\n  - name: a", "actions[1].name", "declared twice"),
    ],
)
def test_malformed_declarations_name_the_key(text: str, location: str, message: str) -> None:
    with pytest.raises(UserInputError) as caught:
        spec_actions(parse_yaml(text, name=".port/spec.yaml"))
    assert caught.value.location == location
    assert message in caught.value.message
    assert caught.value.file == ".port/spec.yaml"


def test_the_flag_and_declarations_are_read() -> None:
    spec = spec_actions(parse_yaml("actionsProcessingEnabled: true\nactions: [{name: deploy}]", name="s"))
    assert spec.processing_enabled and list(spec.declarations) == ["deploy"]
