"""``itemsToParse`` expansion (mapping-semantics §2.10)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ocean_runtime.errors import UserInputError
from ocean_runtime.mapping import MappingResult, ResourceConfig, compile_resource
from ocean_runtime.mapping.items_to_parse import deletion_path

BP = '"file"'


def run(items: list[Any], mappings: dict[str, Any] | None = None, **port: Any) -> MappingResult:
    mappings = mappings or {
        "identifier": '.id + ":" + (.item | tostring)',
        "blueprint": BP,
        "properties": {"element": ".item", "parent": ".files", "name": ".name"},
    }
    config = ResourceConfig.model_validate(
        {"kind": "k", "selector": {"query": "true"}, "port": {"entity": {"mappings": mappings}, **port}}
    )
    return compile_resource(config).map_raw(items)


@pytest.mark.parametrize(
    ("expression", "path"),
    [
        (".files", ".files"),
        (".file.content.raw", ".file.content.raw"),
        (". as $all | ($all | .file.content.raw) // {}", ".file.content.raw"),
        (".files | map(select(.ok))", ".files"),
        ("(.files)", ".files"),
        (".matrix[0]", ".matrix[0]"),
        ('.["a b"]', '.["a b"]'),
        ("$items", None),
        ("[.files[]]", None),
        ("map(.x)", None),
    ],
)
def test_deletion_path_is_read_like_the_reference(expression: str, path: str | None) -> None:
    assert deletion_path(expression) == path


def test_one_entity_per_element_with_parent_fields_and_the_list_removed() -> None:
    result = run([{"id": "r", "name": "repo", "files": ["a", "b"]}], itemsToParse=".files")
    assert result.entities == [
        {
            "identifier": "r:a",
            "blueprint": "file",
            "properties": {"element": "a", "parent": None, "name": "repo"},
        },
        {
            "identifier": "r:b",
            "blueprint": "file",
            "properties": {"element": "b", "parent": None, "name": "repo"},
        },
    ]
    assert [e["properties"]["parent"] for e in result.entities] == [None, None]
    assert result.misconfigured == {"properties.parent": ".files"}


def test_without_top_level_transform_the_list_stays() -> None:
    result = run([{"id": "r", "files": ["a"]}], itemsToParse=".files", itemsToParseTopLevelTransform=False)
    assert result.entities[0]["properties"]["parent"] == ["a"]


def test_custom_name_overwrites_an_existing_key() -> None:
    result = run(
        [{"id": "r", "name": "repo", "files": ["a"]}],
        {"identifier": ".id + .name", "blueprint": BP},
        itemsToParse=".files",
        itemsToParseName="name",
    )
    assert [e["identifier"] for e in result.entities] == ["ra"]


@pytest.mark.parametrize("files", [None, "text", {"path": "x"}, 5])
def test_a_parent_whose_list_is_not_a_list_is_skipped_with_a_warning(files: Any) -> None:
    result = run([{"id": "bad", "files": files}, {"id": "ok", "files": ["a"]}], itemsToParse=".files")
    assert [e["identifier"] for e in result.entities] == ["ok:a"]
    assert [w.index for w in result.warnings] == [0]
    assert "expected an array" in result.warnings[0].message
    assert result.errors == []


def test_nested_path_removal_copies_instead_of_mutating() -> None:
    items = [
        {"id": "r", "obj": {"items": [1, 2], "keep": True}},
        {"id": "s", "obj": None},
        {"id": "t", "obj": 5},
    ]
    before = copy.deepcopy(items)
    result = run(
        items,
        {"identifier": ".id + (.item | tostring)", "blueprint": BP, "properties": {"obj": ".obj"}},
        itemsToParse=".obj.items",
    )
    assert items == before
    assert result.entities == [
        {"identifier": "r1", "blueprint": "file", "properties": {"obj": {"keep": True}}},
        {"identifier": "r2", "blueprint": "file", "properties": {"obj": {"keep": True}}},
    ]
    # .obj null → .obj.items null (not a list); .obj a number → removing .obj.items fails.
    assert [w.index for w in result.warnings] == [1, 2]


def test_selector_and_errors_point_at_parent_and_element() -> None:
    items = [{"id": "r", "files": [{"ok": True}, {"ok": "yes"}, {"ok": False}]}]
    result = run(
        items, {"identifier": '.id + "-" + (.item.ok | tostring)', "blueprint": BP}, itemsToParse=".files"
    )
    assert [e["identifier"] for e in result.entities] == ["r-true", "r-yes", "r-false"]
    selected = run(items, {"identifier": ".id", "blueprint": BP}, itemsToParse=".files")
    assert len(selected.entities) == 3
    config = ResourceConfig.model_validate(
        {
            "kind": "k",
            "selector": {"query": ".item.ok"},
            "port": {
                "itemsToParse": ".files",
                "entity": {"mappings": {"identifier": ".id", "blueprint": BP}},
            },
        }
    )
    picky = compile_resource(config).map_raw(items)
    assert len(picky.entities) == 1 and picky.filtered == 1
    assert [(e.index, e.element) for e in picky.errors] == [(0, 1)]


def test_items_to_parse_that_cannot_name_its_path_is_refused() -> None:
    with pytest.raises(UserInputError, match="itemsToParseTopLevelTransform: false"):
        run([], itemsToParse="[.files[]]")
    assert (
        run(
            [{"id": "r", "files": ["a"]}], itemsToParse="[.files[]]", itemsToParseTopLevelTransform=False
        ).entities[0]["identifier"]
        == "r:a"
    )


def test_non_object_parents_are_skipped() -> None:
    result = run(
        [["a"], {"id": "r", "files": ["a"]}], itemsToParse=".files", itemsToParseTopLevelTransform=False
    )
    assert [w.index for w in result.warnings] == [0]
    assert len(result.entities) == 1
