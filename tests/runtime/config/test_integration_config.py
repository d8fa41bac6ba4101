"""validate_integration_config: types, defaults, enums and messages."""

from __future__ import annotations

from typing import Any

import pytest

from ocean_runtime.config import Spec, check_integration_config, validate_integration_config
from ocean_runtime.config.documents import parse_yaml
from ocean_runtime.config.spec import spec_from_document
from ocean_runtime.errors import UserInputError


def spec_of(yaml_text: str) -> Spec:
    return spec_from_document(parse_yaml(yaml_text, name=".port/spec.yaml"))


def one(type_: str, value: Any, **extra: Any) -> Any:
    options = "".join(f", {key}: {val}" for key, val in extra.items())
    spec = spec_of(f"configurations:\n  - {{name: theValue, type: {type_}{options}}}\n")
    return validate_integration_config(spec, {"theValue": value}, source="test")["the_value"]


@pytest.mark.parametrize(
    ("type_", "given", "expected"),
    [
        ("string", "text", "text"),
        ("string", 123, "123"),  # YAML reads `projectId: 123` as a number
        ("integer", "42", 42),
        ("integer", " -7 ", -7),
        ("integer", 5, 5),
        ("integer", 5.0, 5),
        ("number", "0.25", 0.25),
        ("number", "3", 3),
        ("number", 1.5, 1.5),
        ("number", 2, 2),
        ("boolean", "true", True),
        ("boolean", "False", False),
        ("boolean", "1", True),
        ("boolean", "off", False),
        ("boolean", True, True),
        ("object", '{"a": [1, 2]}', {"a": [1, 2]}),
        ("object", {"a": 1}, {"a": 1}),
        ("array", '["x", "y"]', ["x", "y"]),
        ("array", ["x"], ["x"]),
        ("url", "https://example.atlassian.net/", "https://example.atlassian.net"),
        ("url", "http://localhost:8080/api/", "http://localhost:8080/api"),
        ("url", "https://example.com", "https://example.com"),
    ],
)
def test_values_are_coerced_to_their_type(type_: str, given: Any, expected: Any) -> None:
    result = one(type_, given)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("type_", "given", "expected_text"),
    [
        ("integer", "abc", "expected a whole number"),
        ("integer", "1.5", "expected a whole number"),
        ("integer", True, "got a boolean"),
        ("number", "fast", "expected a number"),
        ("number", "nan", "finite"),
        ("boolean", "maybe", "expected true or false"),
        ("object", "[1]", "expected a JSON object"),
        ("object", "{bad", "not valid JSON"),
        ("array", '{"a": 1}', "expected a JSON array"),
        ("url", "example.com", "http(s) URL"),
        ("url", "ftp://example.com", "http(s) URL"),
        ("string", {"a": 1}, "got an object"),
    ],
)
def test_wrong_type_names_key_value_and_type(type_: str, given: Any, expected_text: str) -> None:
    with pytest.raises(UserInputError) as caught:
        one(type_, given)

    error = caught.value
    assert "configuration 'theValue'" in error.message
    assert expected_text in error.message
    assert error.location == "integration.config.theValue"
    assert error.file == "test"
    assert error.fix is not None and "OCEAN__INTEGRATION__CONFIG__THE_VALUE" in error.fix


def test_sensitive_values_are_not_echoed() -> None:
    spec = spec_of("configurations:\n  - {name: port, type: integer, sensitive: true}\n")

    with pytest.raises(UserInputError) as caught:
        validate_integration_config(spec, {"port": "hunter2"}, source="env")

    assert "hunter2" not in str(caught.value)
    assert "***" in caught.value.message


def test_enum_is_enforced_after_coercion() -> None:
    assert one("integer", "2", enum=[1, 2, 3]) == 2
    with pytest.raises(UserInputError, match="must be one of 1, 2, 3"):
        one("integer", "4", enum=[1, 2, 3])


def test_defaults_apply_and_are_typed() -> None:
    spec = spec_of(
        "configurations:\n"
        "  - {name: apiUrl, type: url, default: 'https://api.pagerduty.com/'}\n"
        "  - {name: pageSize, type: integer, default: '100'}\n"
        "  - {name: rate, type: number, default: 0}\n"
        "  - {name: optionalThing, type: string}\n"
    )

    result = validate_integration_config(spec, {}, source="test")

    assert result == {
        "api_url": "https://api.pagerduty.com",
        "page_size": 100,
        "rate": 0,
        "optional_thing": None,
    }


def test_camel_and_snake_keys_are_both_accepted_and_extras_kept() -> None:
    spec = spec_of("configurations:\n  - {name: jiraHost, type: url}\n  - {name: pageSize, type: integer}\n")

    result = validate_integration_config(
        spec, {"jiraHost": "https://a.b", "page_size": "5", "undeclared_key": "kept"}, source="test"
    )

    assert result == {"jira_host": "https://a.b", "page_size": 5, "undeclared_key": "kept"}


def test_empty_environment_value_means_unset_for_non_strings() -> None:
    spec = spec_of(
        "configurations:\n  - {name: pageSize, type: integer, default: 10}\n  - {name: label, type: string}\n"
    )

    assert validate_integration_config(spec, {"page_size": "", "label": ""}, source="env") == {
        "page_size": 10,
        "label": "",
    }


def test_missing_required_names_config_spec_file_and_env_var() -> None:
    spec = spec_of("configurations:\n  - {name: jiraHost, type: url, required: true}\n")

    with pytest.raises(UserInputError) as caught:
        validate_integration_config(spec, {}, source="env")

    error = caught.value
    assert error.message == "missing required configuration 'jiraHost'"
    assert error.file == ".port/spec.yaml"
    assert (
        error.fix == "set OCEAN__INTEGRATION__CONFIG__JIRA_HOST or integration.config.jiraHost in config.yaml"
    )


def test_every_missing_required_configuration_is_listed() -> None:
    spec = spec_of(
        "configurations:\n"
        "  - {name: token, type: string, required: true}\n"
        "  - {name: host, type: url, required: true, default: 'https://h.example'}\n"
        "  - {name: orgName, type: string, required: true}\n"
    )

    with pytest.raises(UserInputError) as caught:
        validate_integration_config(spec, {}, source="env")

    assert caught.value.message == "missing required configurations 'token', 'orgName'"
    assert "OCEAN__INTEGRATION__CONFIG__ORG_NAME" in (caught.value.fix or "")


def test_check_collects_every_problem() -> None:
    spec = spec_of(
        "configurations:\n"
        "  - {name: a, type: integer}\n"
        "  - {name: b, type: boolean}\n"
        "  - {name: c, type: string, required: true}\n"
    )

    values, problems = check_integration_config(spec, {"a": "x", "b": "perhaps"})

    assert [(p.configuration.name, p.kind) for p in problems] == [
        ("a", "invalid"),
        ("b", "invalid"),
        ("c", "missing"),
    ]
    assert values["c"] is None


def test_without_spec_values_are_only_decamelized() -> None:
    assert validate_integration_config(None, {"jiraHost": "x", "page_size": "5"}, source="env") == {
        "jira_host": "x",
        "page_size": "5",
    }
