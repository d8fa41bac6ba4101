"""port-app-config models and loading: defaults, aliases, errors with file/line/key, unknown keys."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from pydantic import Field

from ocean_runtime.errors import UserInputError
from ocean_runtime.mapping import (
    PortAppConfig,
    ResourceConfig,
    SearchQuery,
    Selector,
    find_unknown_keys,
    load_port_app_config,
    parse_port_app_config,
)

VALID = """\
resources:
  - kind: repository
    selector:
      query: '.archived == false'
    port:
      entity:
        mappings:
          identifier: .full_name
          title: .name
          blueprint: '"service"'
          properties:
            stars: .stargazers_count
            five: 5
          relations:
            owner:
              combinator: '"and"'
              rules:
                - property: '"email"'
                  operator: '"="'
                  value: .owner.email
"""


def write(tmp_path: Path, text: str, name: str = "port-app-config.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults_are_the_reference_code_defaults(tmp_path: Path) -> None:
    config = load_port_app_config(write(tmp_path, VALID))
    assert config.enable_merge_entity is True
    assert config.delete_dependent_entities is True
    assert config.create_missing_related_entities is True
    assert config.entity_deletion_threshold == 0.9
    port = config.resources[0].port
    assert port.items_to_parse is None and port.items_to_parse_name == "item"
    assert port.items_to_parse_top_level_transform is True
    mappings = port.entity.mappings
    assert mappings.properties == {"stars": ".stargazers_count", "five": "5"}
    assert isinstance(mappings.relations["owner"], SearchQuery)


def test_to_request_is_camel_case_with_only_set_keys(tmp_path: Path) -> None:
    request = load_port_app_config(write(tmp_path, VALID)).to_request()
    assert request["enableMergeEntity"] is True and request["entityDeletionThreshold"] == 0.9
    resource = request["resources"][0]
    assert resource["selector"] == {"query": ".archived == false"}
    assert set(resource["port"]["entity"]["mappings"]) == {
        "identifier",
        "title",
        "blueprint",
        "properties",
        "relations",
    }
    assert parse_port_app_config(request).to_request() == request


def test_snake_case_names_are_accepted_too() -> None:
    config = parse_port_app_config(
        {"enable_merge_entity": False, "entityDeletionThreshold": 0.5, "resources": []}
    )
    assert config.enable_merge_entity is False and config.entity_deletion_threshold == 0.5


def test_json_config(tmp_path: Path) -> None:
    path = write(tmp_path, '{"resources": [], "deleteDependentEntities": false}', "port-app-config.json")
    assert load_port_app_config(path).delete_dependent_entities is False


@pytest.mark.parametrize(
    ("text", "location", "line", "words"),
    [
        (VALID.replace("'.archived == false'", "true"), "resources[0].selector.query", 4, "write 'true'"),
        (
            VALID.replace("    selector:\n      query: '.archived == false'\n", "    selector: {}\n"),
            "resources[0].selector.query",
            3,
            "required",
        ),
        (
            VALID.replace("stars: .stargazers_count", "stars:\n              nested: .x"),
            "resources[0].port.entity.mappings.properties.stars",
            12,
            "search queries",
        ),
        (
            VALID.replace("          blueprint: '\"service\"'\n", ""),
            "resources[0].port.entity.mappings.blueprint",
            7,
            "required",
        ),
        ("entityDeletionThreshold: 1.5\nresources: []\n", "entityDeletionThreshold", 1, "between 0 and 1"),
        ("resources: 5\n", "resources", 1, "valid list"),
        (
            VALID.replace("                  operator: '\"=\"'\n", ""),
            "resources[0].port.entity.mappings.relations.owner.rules[0].operator",
            18,
            "required",
        ),
        (VALID + "    enableDelete: 'no'\n", "resources[0].enableDelete", 21, "true or false"),
    ],
)
def test_validation_errors_name_file_line_and_key(
    tmp_path: Path, text: str, location: str, line: int, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UserInputError) as raised:
        load_port_app_config(path)
    error = raised.value
    assert error.file == str(path)
    assert error.location == location
    assert error.line == line
    assert words in str(error)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "resources:\n  - kind: a\n    selector: [unclosed\n")
    with pytest.raises(UserInputError) as raised:
        load_port_app_config(path)
    assert raised.value.file == str(path) and raised.value.line == 4
    assert "invalid YAML" in str(raised.value)


def test_json_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '{\n  "resources": [,]\n}', "port-app-config.json")
    with pytest.raises(UserInputError) as raised:
        load_port_app_config(path)
    assert raised.value.line == 2


@pytest.mark.parametrize(("text", "message"), [("", "empty"), ("- a\n- b\n", "expected a mapping")])
def test_documents_that_are_not_a_config(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        load_port_app_config(write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="file not found"):
        load_port_app_config(tmp_path / "nope.yml")


def test_unknown_keys_are_tolerated_and_listed() -> None:
    data = {
        "resources": [
            {
                "kind": "repository",
                "selector": {"query": "true", "includeArchived": True},
                "port": {
                    "itemToParse": ".x",
                    "entity": {
                        "mappings": {
                            "identifier": ".id",
                            "blueprint": '"b"',
                            "propertes": {"a": ".a"},
                            "relations": {
                                "r": {
                                    "combinator": '"and"',
                                    "rules": [
                                        {"property": '"p"', "operator": '"="', "value": ".v", "typo": 1}
                                    ],
                                }
                            },
                        }
                    },
                },
            }
        ],
        "deleteDependents": True,
    }
    config = parse_port_app_config(data)
    assert config.resources[0].selector.model_extra == {"includeArchived": True}
    assert config.to_request()["resources"][0]["selector"]["includeArchived"] is True
    assert find_unknown_keys(data) == [
        "resources[0].selector.includeArchived",
        "resources[0].port.itemToParse",
        "resources[0].port.entity.mappings.propertes",
        "resources[0].port.entity.mappings.relations.r.rules[0].typo",
        "deleteDependents",
    ]


class RepositorySelector(Selector):
    include_archived: bool = Field(default=False, alias="includeArchived")


class RepositoryResource(ResourceConfig):
    kind: Literal["repository"]
    selector: RepositorySelector


class GithubConfig(PortAppConfig):
    resources: list[RepositoryResource | ResourceConfig] = Field(default_factory=list)


def test_integrations_subclass_the_models() -> None:
    data = {
        "resources": [
            {
                "kind": "repository",
                "selector": {"query": "true", "includeArchived": True},
                "port": {"entity": {"mappings": {"identifier": ".id", "blueprint": '"b"'}}},
            },
            {
                "kind": "team",
                "selector": {"query": "true", "includeArchived": True},
                "port": {"entity": {"mappings": {"identifier": ".id", "blueprint": '"t"'}}},
            },
        ]
    }
    config = parse_port_app_config(data, config_class=GithubConfig)
    assert isinstance(config.resources[0], RepositoryResource)
    assert config.resources[0].selector.include_archived is True
    assert find_unknown_keys(data, GithubConfig) == ["resources[1].selector.includeArchived"]
