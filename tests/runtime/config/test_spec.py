"""load_spec: file order, syntax errors with lines, and the Spec model."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocean_runtime.config import load_spec
from ocean_runtime.errors import UserInputError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "reference_integrations"


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_no_spec_gives_none(tmp_path: Path) -> None:
    assert load_spec(tmp_path) is None


def test_json_is_preferred_over_yaml_then_yml(tmp_path: Path) -> None:
    write(tmp_path, ".port/spec.yml", "features: [{resources: [{kind: from-yml}]}]\n")
    assert load_spec(tmp_path).kinds == ["from-yml"]  # type: ignore[union-attr]

    write(tmp_path, ".port/spec.yaml", "features: [{resources: [{kind: from-yaml}]}]\n")
    assert load_spec(tmp_path).kinds == ["from-yaml"]  # type: ignore[union-attr]

    write(tmp_path, ".port/spec.json", '{"features": [{"resources": [{"kind": "from-json"}]}]}')
    spec = load_spec(tmp_path)
    assert spec is not None
    assert spec.kinds == ["from-json"]
    assert spec.file == ".port/spec.json"


def test_reference_jira_spec() -> None:
    spec = load_spec(FIXTURES / "jira")

    assert spec is not None
    assert spec.file == ".port/spec.yaml"
    assert spec.kinds == ["project", "issue"]
    assert [c.name for c in spec.configurations] == [
        "appHost",
        "jiraHost",
        "atlassianUserEmail",
        "atlassianUserToken",
    ]
    token = spec.configuration("atlassian_user_token")
    assert token is not None
    assert token.sensitive and token.required
    assert token.env_var == "OCEAN__INTEGRATION__CONFIG__ATLASSIAN_USER_TOKEN"
    assert spec.raw["icon"] == "Jira"


def test_kinds_are_unique_across_features() -> None:
    spec = load_spec(FIXTURES / "gitlab")
    assert spec is not None
    assert spec.kinds == ["projects"]  # the gitops feature lists no resources


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, ".port/spec.yaml", "title: x\nfeatures:\n  - type: exporter\n   section: bad-indent\n")

    with pytest.raises(UserInputError) as caught:
        load_spec(tmp_path)

    assert caught.value.file == ".port/spec.yaml"
    assert caught.value.line == 4
    assert "invalid YAML" in caught.value.message


def test_json_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, ".port/spec.json", '{\n  "title": "x",\n  "features": [\n}\n')

    with pytest.raises(UserInputError) as caught:
        load_spec(tmp_path)

    assert (caught.value.file, caught.value.line) == (".port/spec.json", 4)


def test_spec_must_be_a_mapping(tmp_path: Path) -> None:
    write(tmp_path, ".port/spec.yaml", "- just\n- a list\n")

    with pytest.raises(UserInputError, match="must be a mapping"):
        load_spec(tmp_path)


def test_configuration_without_type_is_reported_with_its_path(tmp_path: Path) -> None:
    write(tmp_path, ".port/spec.yaml", "configurations:\n  - name: host\n    required: true\n")

    with pytest.raises(UserInputError) as caught:
        load_spec(tmp_path)

    assert caught.value.location == "configurations[0].type"
    assert "required key 'type' is missing" in caught.value.message
    assert caught.value.line == 2


def test_unknown_configuration_type_lists_the_valid_ones(tmp_path: Path) -> None:
    write(tmp_path, ".port/spec.yaml", "configurations:\n  - name: host\n    type: hostname\n")

    with pytest.raises(UserInputError) as caught:
        load_spec(tmp_path)

    error = caught.value
    assert (error.location, error.line) == ("configurations[0].type", 3)
    assert "unknown type 'hostname'" in error.message
    assert error.fix is not None and "number" in error.fix


def test_number_type_is_accepted(tmp_path: Path) -> None:
    write(tmp_path, ".port/spec.yaml", "configurations:\n  - {name: rate, type: number, default: 0.5}\n")

    spec = load_spec(tmp_path)
    assert spec is not None
    assert spec.configurations[0].type == "number"
