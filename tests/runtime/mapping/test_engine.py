"""The mapping engine against the facts of reference/mapping-semantics.md §2 (tables of cases)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from ocean_runtime.errors import UserInputError
from ocean_runtime.mapping import MappingResult, ResourceConfig, compile_resource

BP = '"service"'


def resource(mappings: dict[str, Any], *, selector: str = "true", **port: Any) -> ResourceConfig:
    return ResourceConfig.model_validate(
        {"kind": "thing", "selector": {"query": selector}, "port": {"entity": {"mappings": mappings}, **port}}
    )


def run(mappings: dict[str, Any], items: list[Any], *, selector: str = "true", **port: Any) -> MappingResult:
    return compile_resource(resource(mappings, selector=selector, **port)).map_raw(items)


def value_of(expression: str, item: Any) -> Any:
    """What one expression gives for one item, seen through a property."""
    result = run({"identifier": '"x"', "blueprint": BP, "properties": {"p": expression}}, [item])
    return result.entities[0]["properties"]["p"]


SONAR = {
    "subViews": [
        {
            "qualifier": "VW",
            "key": "GetPort_SelfService_Second",
            "subViews": [{"qualifier": "SVW", "key": "Nested"}],
        },
        {"qualifier": "APP", "key": "App"},
        {"qualifier": "SVW", "key": "Python"},
    ]
}
PARAMETERS = {
    "parameters": [
        {"name": "another_parameter", "value": "another_value"},
        {"name": "another_parameter", "value": "second"},
        {"name": "x", "value": "y"},
    ]
}


@pytest.mark.parametrize(
    ("expression", "item", "expected"),
    [
        (".foo", {"foo": "bar"}, "bar"),  # 1. path lookup
        (
            ".organization + '/' + .repository",
            {"organization": "port", "repository": "ocean"},
            "port/ocean",
        ),  # 2.
        (".organization + '/'", {"organization": "port"}, "port/"),  # 3. trailing quote
        ("'/' + .organization", {"organization": "port"}, "/port"),  # 3. leading quote
        ('"shalom"', {"anything": 1}, "shalom"),  # 4. quoted literal
        (
            '.subViews | map(select((.qualifier | IN("VW","SVW"))) | .key)',
            SONAR,
            ["GetPort_SelfService_Second", "Python"],
        ),  # 6. filter chain, nested views not searched
        ('.parameters[] | select(.name == "another_parameter") | .value', PARAMETERS, "another_value"),  # 7.
        ('.parameters[] | select(.name == "nope") | .value', PARAMETERS, None),  # 7. no match → null
        (".parameters", PARAMETERS, PARAMETERS["parameters"]),  # 8. whole arrays
        (".tags[]", {"tags": ["a", "b"]}, "a"),  # first output only
        ("empty", {}, None),  # zero outputs → null
        (".s | tonumber", {"s": "abc"}, None),  # runtime error → null
        (".a.b", {"a": 1}, None),  # path through a number: a jq error → null
        (".a.b", {"a": None}, None),
        ('"\\(.a)-\\(.b)"', {"a": "x", "b": 2}, "x-2"),
        ('.missing // "default"', {}, "default"),
        ('try error("x") catch .', {}, "x"),
        ("[.[] | numbers] | add", {"a": 1, "b": 2.5, "c": "x"}, 3.5),
        (".f", {"f": 2.0}, 2),  # jq gives integral numbers back as ints
        (".big", {"big": 12345678901234567890}, 12345678901234567168),  # jq's doubles
    ],
)
def test_expression_results(expression: str, item: Any, expected: Any) -> None:
    got = value_of(expression, item)
    assert json.dumps(got) == json.dumps(expected)


def test_environment_is_readable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OCEAN_TEST_ENGINE_TOKEN", "t0k")
    assert value_of("env.OCEAN_TEST_ENGINE_TOKEN", {}) == "t0k"
    assert value_of('$ENV.OCEAN_TEST_ENGINE_TOKEN + "!"', {}) == "t0k!"


@pytest.mark.parametrize(
    ("selector", "item", "outcome"),
    [
        (".foo", {"foo": True}, "entity"),  # 9.
        (".foo", {"foo": "bar"}, "error"),  # 9. not a boolean
        (".foo", {}, "error"),  # null is not a boolean
        ('.foo == "bar"', {"foo": "bar"}, "entity"),
        ('.foo == "bar"', {"foo": "baz"}, "filtered"),
        ("'true'", {}, "error"),  # rewritten to the string "true"
        ("true", {}, "entity"),
        ("false", {}, "filtered"),
        ("1", {}, "error"),
        ("empty", {}, "error"),
        ('error("boom")', {}, "error"),
        (".a.b", {"a": 5}, "error"),  # a jq error in a plain path
        ('.tags[] == "x"', {"tags": ["x", "y"]}, "entity"),  # first output decides
        ('.tags[] == "x"', {"tags": ["y", "x"]}, "filtered"),
    ],
)
def test_selector_must_give_a_boolean(selector: str, item: Any, outcome: str) -> None:
    result = run(
        {"identifier": '"id"', "blueprint": BP, "properties": {"p": ".p"}}, [item], selector=selector
    )
    got = (
        "entity" if result.entities else "filtered" if result.filtered else "error" if result.errors else "?"
    )
    assert got == outcome
    if outcome == "error":
        assert len(result.errors) == 1  # once per item, not once per evaluation path
        assert result.errors[0].index == 0 and repr(selector) in result.errors[0].message
        assert result.misconfigured == {}


def test_selector_error_drops_only_that_item() -> None:
    result = run(
        {"identifier": ".id", "blueprint": BP},
        [{"id": "a", "ok": True}, {"id": "b"}, {"id": "c", "ok": False}, {"id": "d", "ok": True}],
        selector=".ok",
    )
    assert [e["identifier"] for e in result.entities] == ["a", "d"]
    assert [e.index for e in result.errors] == [1]
    assert result.filtered == 1


def test_nested_mapping_objects() -> None:  # 10.
    result = run(
        {
            "identifier": '"x"',
            "blueprint": BP,
            "properties": {"foo": ".foo.bar"},
            "relations": {"deep": ".foo.bar"},
        },
        [{"foo": {"bar": "baz"}}],
    )
    assert result.entities == [
        {
            "identifier": "x",
            "blueprint": "service",
            "properties": {"foo": "baz"},
            "relations": {"deep": "baz"},
        }
    ]


def test_list_of_templates_in_search_queries() -> None:  # 11.
    mapping = {
        "identifier": {
            "combinator": '"and"',
            "rules": [
                {"property": '"$identifier"', "operator": '"="', "value": ".id"},
                {"property": '"$title"', "operator": '"="', "value": ".missing"},
            ],
        },
        "blueprint": BP,
        "relations": {
            "owner": {
                "combinator": '"or"',
                "rules": [
                    {
                        "combinator": '"and"',
                        "rules": [{"property": '"email"', "operator": '"="', "value": ".mail"}],
                    }
                ],
            }
        },
    }
    result = run(mapping, [{"id": "n1", "mail": "a@b"}])
    assert result.entities == [
        {
            "identifier": {
                "combinator": "and",
                "rules": [
                    {"property": "$identifier", "operator": "=", "value": "n1"},
                    {"property": "$title", "operator": "=", "value": None},
                ],
            },
            "blueprint": "service",
            "relations": {
                "owner": {
                    "combinator": "or",
                    "rules": [
                        {
                            "combinator": "and",
                            "rules": [{"property": "email", "operator": "=", "value": "a@b"}],
                        }
                    ],
                }
            },
        }
    ]
    # Leaves inside lists are reported without their index, as the reference does.
    assert result.misconfigured == {"identifier.rules.value": ".missing"}


def test_simple_batch_of_many_items() -> None:  # 12.
    items = [{"foo": "bar"}] * 10_000
    result = run(
        {"identifier": ".foo", "blueprint": ".foo", "properties": {"foo": ".foo"}},
        items,
        selector='.foo == "bar"',
    )
    assert len(result.entities) == 10_000 and not result.errors
    assert result.entities[0] == {"identifier": "bar", "blueprint": "bar", "properties": {"foo": "bar"}}


def test_misconfigured_fields_are_the_union_over_the_batch() -> None:  # 13.
    mapping = {
        "identifier": ".ark",
        "title": ".foo",
        "blueprint": ".baz",
        "properties": {"description": ".bazbar", "url": ".foobar", "defaultBranch": ".bar.baz"},
    }
    items = [{"foo": "x", "baz": "b", "bar": {"baz": "main"}}, {"foo": "y", "baz": "b"}]
    result = run(mapping, items)
    assert result.misconfigured == {
        "identifier": ".ark",
        "properties.description": ".bazbar",
        "properties.url": ".foobar",
        "properties.defaultBranch": ".bar.baz",
    }
    assert result.skipped == 2 and result.entities == []


@pytest.mark.parametrize(
    ("identifier", "blueprint", "kept", "misconfigured"),
    [
        ("", "service", False, set()),  # 14. empty: skipped, not misconfigured
        ("x", "", False, set()),
        (None, "service", False, {"identifier"}),  # null: skipped and misconfigured
        ("x", None, False, {"blueprint"}),
        (0, "service", False, set()),  # falsy values are skipped
        (False, "service", False, set()),
        ([], "service", False, set()),
        (123, "service", True, set()),  # truthy non-strings are kept as they are
        ("0", "service", True, set()),
        (["a"], "service", True, set()),
    ],
)
def test_identifier_and_blueprint_must_be_truthy(
    identifier: Any, blueprint: Any, kept: bool, misconfigured: set[str]
) -> None:
    result = run({"identifier": ".i", "blueprint": ".b"}, [{"i": identifier, "b": blueprint}])
    assert bool(result.entities) is kept
    assert result.skipped == (0 if kept else 1)
    assert set(result.misconfigured) == misconfigured
    if kept:
        assert result.entities[0]["identifier"] == identifier


def test_nonexistent_identifier_field() -> None:  # 15.
    result = run({"identifier": ".nonexistent_field", "blueprint": BP}, [{"a": 1}, {"a": 2}])
    assert result.entities == [] and "identifier" in result.misconfigured


def test_falsy_values_are_kept_and_not_misconfigured() -> None:
    result = run(
        {"identifier": '"x"', "blueprint": BP, "properties": {"f": ".f", "z": ".z", "e": ".e", "n": ".n"}},
        [{"f": False, "z": 0, "e": ""}],
    )
    assert result.entities[0]["properties"] == {"f": False, "z": 0, "e": "", "n": None}
    assert result.misconfigured == {"properties.n": ".n"}


def test_only_mapped_keys_are_sent() -> None:
    result = run({"identifier": '"x"', "blueprint": BP, "title": ".nope"}, [{}])
    assert result.entities == [{"identifier": "x", "blueprint": "service", "title": None}]


def test_yaml_null_leaf_is_sent_as_null() -> None:
    result = run({"identifier": '"x"', "blueprint": BP, "title": None}, [{}])
    assert result.entities == [{"identifier": "x", "blueprint": "service", "title": None}]
    assert result.misconfigured == {"title": "null"}


@pytest.mark.parametrize(
    ("icon", "team", "expected_icon", "expected_team"),
    [
        (5, 5, "5", "5"),  # numbers become text, as pydantic does in the reference
        (True, 2.5, "True", "2.5"),
        ("Github", ["a", 1], "Github", ["a", 1]),
        (None, {"k": "v"}, None, {"k": "v"}),
    ],
)
def test_icon_and_team_typing(icon: Any, team: Any, expected_icon: Any, expected_team: Any) -> None:
    result = run(
        {"identifier": '"x"', "blueprint": BP, "icon": ".icon", "team": ".team"},
        [{"icon": icon, "team": team}],
    )
    assert result.entities[0]["icon"] == expected_icon and result.entities[0]["team"] == expected_team


def test_object_icon_fails_only_that_item() -> None:
    result = run(
        {"identifier": ".id", "blueprint": BP, "icon": ".icon"}, [{"id": "a", "icon": {"x": 1}}, {"id": "b"}]
    )
    assert [e["identifier"] for e in result.entities] == ["b"]
    assert len(result.errors) == 1 and "icon must be text" in result.errors[0].message


def test_values_are_copies_not_aliases_of_the_input() -> None:
    item = {"id": "a", "tags": ["x"], "meta": {"k": [1]}}
    before = copy.deepcopy(item)
    entity = run(
        {"identifier": ".id", "blueprint": BP, "properties": {"tags": ".tags", "meta": ".meta"}}, [item]
    ).entities[0]
    entity["properties"]["tags"].append("mutated")
    entity["properties"]["meta"]["k"].append(2)
    assert item == before


def test_non_json_values_are_converted_like_the_reference() -> None:
    stamp = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    result = run(
        {
            "identifier": ".id",
            "blueprint": BP,
            "properties": {"at": ".at", "obj": ".obj", "len": ".obj | length", "t": ".t"},
        },
        [{"id": "a", "at": stamp, "obj": {"when": stamp}, "t": (1, 2)}],
    )
    assert result.entities[0]["properties"] == {
        "at": "2024-01-02T03:04:05+00:00",
        "obj": {"when": "2024-01-02T03:04:05+00:00"},
        "len": 1,
        "t": [1, 2],
    }


@pytest.mark.parametrize(
    "expression", ['."1"', '."1" + "!"', '.obj."2"', '.obj."2" + "!"', ".id", '.["1"]', '[."1", .id]']
)
def test_non_string_keys_are_seen_as_jq_sees_them(expression: str) -> None:
    """jq gets ``{1: "x"}`` as ``{"1": "x"}``; the Python shortcuts must not miss such keys."""
    import jq

    from ocean_runtime.mapping import rewrite_single_quotes

    item = {1: "x", "id": "a", "obj": {2: "z"}}
    expected = jq.compile(rewrite_single_quotes(expression)).input_value(item).first()
    assert value_of(expression, item) == expected


@pytest.mark.parametrize(
    "expression",
    ["$__loc__ | .line", "input", ".a # a comment", "halt_error", "def f: .a; f", "[limit(2; .xs[])]"],
)
def test_expressions_needing_their_own_program_still_work(expression: str) -> None:
    """Expressions that cannot share the combined jq program give what they give alone."""
    import jq

    from ocean_runtime.mapping import rewrite_single_quotes

    item = {"a": "A", "xs": [1, 2, 3]}
    outputs = iter(jq.compile(rewrite_single_quotes(expression)).input_value(item))
    try:
        expected = next(outputs, None)
    except ValueError:
        expected = None
    assert value_of(expression, item) == expected


def test_include_filtered_maps_items_whose_selector_is_false() -> None:
    mapper = compile_resource(
        resource({"identifier": ".id", "blueprint": BP, "properties": {"s": ".s"}}, selector='.s == "on"')
    )
    result = mapper.map_raw([{"id": "a", "s": "on"}, {"id": "b", "s": "off"}], include_filtered=True)
    assert [e["identifier"] for e in result.entities] == ["a"]
    assert [e["identifier"] for e in result.filtered_entities] == ["b"]
    assert result.filtered == 1


def test_merge_shifts_item_indices() -> None:
    mapper = compile_resource(resource({"identifier": ".id", "blueprint": BP}, selector=".ok"))
    first = mapper.map_raw([{"id": "a", "ok": True}, {"id": "b"}])
    second = mapper.map_raw([{"id": "c"}, {"id": "d", "ok": True}])
    merged = first.merge(second)
    assert [e["identifier"] for e in merged.entities] == ["a", "d"]
    assert [e.index for e in merged.errors] == [1, 2]
    assert merged.raw_count == 4


def test_empty_batch() -> None:
    result = run({"identifier": ".id", "blueprint": BP}, [])
    assert result == MappingResult()


def test_blueprint_literal() -> None:
    assert compile_resource(resource({"identifier": ".id", "blueprint": BP})).blueprint_literal == "service"
    assert compile_resource(resource({"identifier": ".id", "blueprint": ".type"})).blueprint_literal is None


def test_invalid_expressions_are_reported_with_their_key_paths() -> None:
    bad = resource(
        {
            "identifier": {
                "combinator": "and",
                "rules": [{"property": '"$identifier"', "operator": '"="', "value": ".id"}],
            },
            "blueprint": BP,
            "properties": {"url": ".foo."},
        },
        selector=".a ==",
    )
    with pytest.raises(UserInputError) as raised:
        compile_resource(bad, index=2, source="my-config.yml")
    error = raised.value
    assert error.file == "my-config.yml"
    assert error.location == "resources[2].selector.query"
    text = str(error)
    assert "resources[2].port.entity.mappings.identifier.combinator" in text
    assert "resources[2].port.entity.mappings.properties.url" in text and "'.foo.'" in text


def test_invalid_items_to_parse_is_reported() -> None:
    with pytest.raises(UserInputError) as raised:
        compile_resource(resource({"identifier": ".id", "blueprint": BP}, itemsToParse=".files["))
    assert raised.value.location == "resources[0].port.itemsToParse"
