"""Differential tests: our mapping engine against the reference (port-ocean) on the same input.

Every case is mapped by both; entities must be equal (order and content), the misconfigured
keys equal, and errors agree up to the reference's documented double counting (it reports a
bad item once per evaluation path, DESIGN.md #8). Cases where we deliberately differ are in
``DELIBERATE`` and assert the documented difference instead.

The reference runs out of process (Python 3.12 + port-ocean): ``anchor_map.py`` itself for the
shared benchmark mapping, and ``anchor_driver.py`` (the same steps, one process) for the table.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from ocean_runtime.errors import UserInputError
from ocean_runtime.mapping import MappingResult, compile_resource, load_port_app_config, parse_port_app_config

HERE = Path(__file__).parent
ENV_VALUE = "s3cr3t-value"
BP = '"svc"'

ITEMS: list[Any] = [
    {
        "id": "a1",
        "name": "alpha",
        "n": 1,
        "f": 1.5,
        "whole": 2.0,
        "big": 12345678901234567890,
        "flag": True,
        "tags": ["x", "y"],
        "obj": {"k": "v", "deep": {"z": 0}, "items": [1, 2]},
        "s": "12",
        "empty": "",
        "zero": 0,
        "no": False,
        "nil": None,
        "org": "port",
        "repo": "ocean",
        "type": "service",
        "archived": False,
        "email": "a@x.io",
        "people": [{"name": "ann", "role": "owner"}, {"name": "bob", "role": "dev"}],
        "files": [{"path": "a.py", "ok": True}, {"path": "b.py", "ok": False}],
        "matrix": [[1, 2], [3]],
    },
    {
        "id": "b2",
        "name": "beta",
        "n": 2,
        "f": -0.25,
        "tags": [],
        "obj": None,
        "s": "abc",
        "org": "acme",
        "repo": "web",
        "type": "",
        "archived": True,
        "flag": False,
        "people": [{"name": "cy", "role": "dev"}],
        "files": [],
        "matrix": [],
    },
    {
        "id": "",
        "name": None,
        "tags": "notalist",
        "obj": 5,
        "s": None,
        "flag": "yes",
        "files": "nope",
        "type": None,
        "archived": None,
    },
    {
        "id": None,
        "name": "délta ünï 🚀",
        "obj": {"k": None, "items": "x"},
        "tags": [None, 1, "z"],
        "files": {"path": "c.py"},
        "n": 3,
        "archived": False,
    },
    {
        "id": 123,
        "n": 0,
        "type": "lib",
        "obj": ["arr"],
        "tags": ["solo"],
        "files": [{"path": "d.py", "ok": True}],
        "flag": True,
        "matrix": [[7]],
        "archived": False,
    },
    {},
]


def case(
    mappings: dict[str, Any], *, selector: str = "true", items: list[Any] | None = None, **port: Any
) -> dict[str, Any]:
    config = {
        "resources": [
            {
                "kind": "thing",
                "selector": {"query": selector},
                "port": {"entity": {"mappings": mappings}, **port},
            }
        ]
    }
    return {"config": config, "items": ITEMS if items is None else items}


def props(**properties: str) -> dict[str, Any]:
    return {"identifier": ".id | tostring", "blueprint": BP, "properties": properties}


ITP_ITEMS = [
    {
        "id": "r1",
        "tags": ["a", "b"],
        "files": [{"path": "x.py", "ok": True}, {"path": "y.md", "ok": False}],
        "obj": {"items": [{"k": 1}, {"k": 2}], "keep": True},
        "matrix": [[1, 2], [3]],
        "name": "one",
    },
    {"id": "r2", "tags": [], "files": None, "obj": None, "matrix": [], "name": "two"},
    {"id": "r3", "tags": "x", "files": {"path": "z"}, "obj": 5, "matrix": [[9]], "name": "three"},
    {"id": "r4", "files": [{"path": "w.go", "ok": True}], "obj": {"items": []}, "name": "four"},
]
ITP_MAPPING = {
    "identifier": '.id + ":" + (.item | tostring)',
    "blueprint": BP,
    "title": ".name",
    "properties": {"element": ".item", "parentTags": ".tags", "parentFiles": ".files", "obj": ".obj"},
}

CASES: dict[str, dict[str, Any]] = {
    "plain_paths": case(
        props(
            p1=".obj.k",
            p2=".obj.deep.z",
            p3=".nil.x",
            p4=".tags[0]",
            p5=".tags[-1]",
            p6=".tags[5]",
            p7='.obj["k"]',
            p8='."name"',
            p9=".",
            p10=".big",
            p11=".whole",
            p12=".f",
            p13=".obj.items[1]",
            p14=".missing",
            p15='.obj."deep"."z"',
            p16=".people[0].name",
        )
    ),
    "non_object_parents": case(
        props(p1=".s.x", p2=".tags.x", p3=".obj[0]", p4=".n.x", p5=".flag.x", p6=".name[0]")
    ),
    "recursive_descent": case(
        props(
            numbers="[.. | numbers] | length",
            strings="[.. | strings] | sort | first",
            deep="[.. | .k? // empty] | first",
        )
    ),
    "env_access": case(
        props(
            env="env.OCEAN_PARITY_TOKEN",
            dollar_env="$ENV.OCEAN_PARITY_TOKEN",
            missing="env.OCEAN_PARITY_MISSING_X",
        )
    ),
    "keys_and_length": case(
        props(
            keys="keys",
            obj_keys=".obj | keys",
            entries="to_entries | length",
            length="length",
            has='has("id")',
            obj_has='.obj | has("k")',
        )
    ),
    "interpolation": case(
        props(
            slug='"\\(.org)/\\(.repo)"',
            num='"id-\\(.n)"',
            obj='"\\(.obj)"',
            float='"\\(.f)"',
            big='"\\(.big)"',
        )
    ),
    "alternative": case(
        props(
            nil='.nil // "d"',
            no='.no // "d"',
            zero='.zero // "d"',
            deep=".missing.deep // .name",
            empty='.empty // "d"',
        )
    ),
    "try_and_errors": case(
        props(
            caught='try (.s | tonumber) catch "bad"',
            optional="(.s | tonumber)?",
            message='try error("x") catch .',
            uncaught=".s | tonumber",
            error_obj='error({"a": 1})',
        )
    ),
    "first_output": case(
        props(
            first="first(.tags[])",
            stream=".tags[]",
            owner='.people[] | select(.role == "owner") | .name',
            nobody='.people[] | select(.role == "x") | .name',
            names=".people[] | .name",
            empty="empty",
            limited="limit(1; .tags[])",
            slice=".tags[1:]",
        )
    ),
    "falsy_values_kept": case(
        props(
            no=".no",
            zero=".zero",
            empty=".empty",
            lit_false="false",
            lit_zero="0",
            lit_empty='""',
            arr="[]",
            obj="{}",
        )
    ),
    "single_quote_rewrite": case(
        props(middle=".org + '/' + .repo", leading="'/' + .org", trailing=".org + '/'", apostrophe='"it\'s"')
    ),
    "identifier_values": case(
        {"identifier": ".id", "blueprint": BP, "title": ".name"},
        items=[{"id": v} for v in ["x", "", None, 0, 123, [], ["l"], False, True, {"a": 1}, 1.5]],
    ),
    "blueprint_values": case({"identifier": '"fixed"', "blueprint": ".type", "title": ".name"}),
    "search_queries": case(
        {
            "identifier": {
                "combinator": '"and"',
                "rules": [{"property": '"$identifier"', "operator": '"="', "value": ".id"}],
            },
            "blueprint": BP,
            "relations": {
                "owner": {
                    "combinator": '"or"',
                    "rules": [
                        {"property": '"email"', "operator": '"="', "value": ".email"},
                        {
                            "combinator": '"and"',
                            "rules": [{"property": '"$title"', "operator": '"="', "value": ".name"}],
                        },
                    ],
                },
                "plain": ".org",
            },
        }
    ),
    "team_string": case({"identifier": ".id | tostring", "blueprint": BP, "team": ".obj.k"}),
    "team_number": case({"identifier": ".id | tostring", "blueprint": BP, "team": ".n", "icon": ".n"}),
    "team_list": case(
        {"identifier": ".id | tostring", "blueprint": BP, "team": "[.tags[]?]", "icon": ".flag"}
    ),
    "team_search": case(
        {
            "identifier": ".id | tostring",
            "blueprint": BP,
            "team": {
                "combinator": '"and"',
                "rules": [{"property": '"name"', "operator": '"="', "value": ".org"}],
            },
        }
    ),
    "title_null": case({"identifier": ".id | tostring", "blueprint": BP, "title": None}),
    "numeric_yaml_values": case(
        {"identifier": ".id | tostring", "blueprint": BP, "properties": {"five": 5, "pi": 3.14}}
    ),
    "relations_arrays": case(
        {
            "identifier": ".id | tostring",
            "blueprint": BP,
            "relations": {"members": "[.people[]?.name]", "single": ".obj.k", "tags": ".tags"},
        }
    ),
    "selector_not_boolean_with_properties": case(props(name=".name"), selector=".flag"),
    "selector_not_boolean_plain": case({"identifier": ".id | tostring", "blueprint": BP}, selector=".flag"),
    "selector_quoted_string": case(props(name=".name"), selector="'true'"),
    "selector_empty": case(props(name=".name"), selector="empty"),
    "selector_error": case(props(name=".name"), selector='error("boom")'),
    "selector_stream": case(props(name=".name"), selector='.tags[] == "x"'),
    "selector_comparison": case(props(name=".name"), selector=".archived == false"),
    "selector_path_error": case(props(name=".name"), selector=".obj.deep.z == 0"),
    "selector_literal_false": case(props(name=".name"), selector="false"),
    "builtins": case(
        props(
            cond='if (.n // 0) > 1 then "big" elif .n == 1 then "one" else "none" end',
            upper=".tags | map(ascii_upcase)?",
            join='(.tags | join(","))?',
            test='.name | test("^a")?',
            lower=".name | ascii_downcase?",
            split='(.name // "") | split("l")',
            b64='@base64 "\\(.name)"',
            count=".tags | length",
            names='[.people[]?.name] | join("+")',
            defined="def f: .name; f",
            reduced='reduce (.tags[]? // empty) as $t (""; . + ($t | tostring))',
            bound=". as $r | $r.name",
            loc="$__loc__",
            input="input",
            comment=".name # trailing comment",
            sorted=".tags | sort_by(.)?",
            json="tojson | length",
            concat='(.n | tostring) + "x"',
            now="now | type",
        )
    ),
    "numbers": case(
        props(
            double=".f * 2",
            whole=".whole",
            third=".n / 3",
            big=".big",
            big_plus=".big + 1",
            one="1.0",
            thousand="1e3",
            negzero="-0",
            text=".n | tostring",
            floor=".f | floor",
        )
    ),
    "non_object_items": case({"identifier": ".id", "blueprint": BP}, items=["s", 5, None, [1], {"id": "ok"}]),
    "itp_basic": case(ITP_MAPPING, items=ITP_ITEMS, itemsToParse=".tags"),
    "itp_no_transform": case(
        ITP_MAPPING, items=ITP_ITEMS, itemsToParse=".tags", itemsToParseTopLevelTransform=False
    ),
    "itp_custom_name": case(
        {
            "identifier": '.id + ":" + .file.path',
            "blueprint": BP,
            "properties": {"ok": ".file.ok", "files": ".files"},
        },
        items=ITP_ITEMS,
        itemsToParse=".files",
        itemsToParseName="file",
    ),
    "itp_nested_path": case(ITP_MAPPING, items=ITP_ITEMS, itemsToParse=".obj.items"),
    "itp_filtered_list": case(ITP_MAPPING, items=ITP_ITEMS, itemsToParse=".files | map(select(.ok))"),
    "itp_variable": case(ITP_MAPPING, items=ITP_ITEMS, itemsToParse=". as $all | ($all | .files) // []"),
    "itp_parenthesised": case(ITP_MAPPING, items=ITP_ITEMS, itemsToParse="(.files)"),
    "itp_indexed": case(ITP_MAPPING, items=ITP_ITEMS, itemsToParse=".matrix[0]"),
    "itp_overwrites_key": case(
        {"identifier": ".id + (.name | tostring)", "blueprint": BP},
        items=ITP_ITEMS,
        itemsToParse=".tags",
        itemsToParseName="name",
    ),
    "itp_with_selector": case(
        ITP_MAPPING, items=ITP_ITEMS, itemsToParse=".files", selector=".item.ok == true"
    ),
    "itp_non_list": case(ITP_MAPPING, items=ITP_ITEMS, itemsToParse=".name"),
}

# Where we differ on purpose; each maps a case id to (reason, checker of our side).
DELIBERATE: dict[str, dict[str, Any]] = {
    "icon_object": case({"identifier": ".id | tostring", "blueprint": BP, "icon": ".obj"}),
    "unquoted_search_combinator": case(
        {
            "identifier": {
                "combinator": "and",
                "rules": [{"property": '"$identifier"', "operator": '"="', "value": ".id"}],
            },
            "blueprint": BP,
        }
    ),
    "itp_no_deletion_path": case(ITP_MAPPING, items=ITP_ITEMS, itemsToParse="[.tags[]?]"),
}


def _write_case(directory: Path, case_id: str, spec: dict[str, Any]) -> dict[str, Any]:
    config, items = directory / f"{case_id}.yml", directory / f"{case_id}.json"
    config.write_text(yaml.safe_dump(spec["config"], sort_keys=False))
    items.write_text(json.dumps(spec["items"]))
    return {"id": case_id, "config": str(config), "items": str(items), "resource": 0}


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=240, check=False)
    assert done.returncode == 0, f"reference failed: {done.stderr[-2000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def generated_items(reference: tuple[Path, Path]) -> list[dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("anchor_gen_data", reference[0] / "gen_data.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [module.make_item(i) for i in range(300)]


@pytest.fixture(scope="module")
def reference_results(
    reference: tuple[Path, Path],
    generated_items: list[dict[str, Any]],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """Every case through the reference: the table in one driver process, the benchmark via anchor_map.py."""
    anchor, python = reference
    directory = tmp_path_factory.mktemp("parity")
    table = [_write_case(directory, case_id, spec) for case_id, spec in {**CASES, **DELIBERATE}.items()]
    (directory / "cases.json").write_text(json.dumps(table))
    bench_items = directory / "generated.json"
    bench_items.write_text(json.dumps(generated_items))
    env = {**os.environ, "OCEAN_PARITY_TOKEN": ENV_VALUE}
    driver = [
        str(python),
        str(HERE / "anchor_driver.py"),
        str(anchor),
        str(directory / "cases.json"),
        str(directory / "out.json"),
    ]
    bench = [
        [
            str(python),
            str(anchor / "anchor_map.py"),
            str(anchor / "mapping.yml"),
            str(bench_items),
            "--resource",
            str(i),
        ]
        for i in (0, 1)
    ]
    with ThreadPoolExecutor(max_workers=3) as pool:
        outputs = list(pool.map(lambda command: _run(command, env), [driver, *bench]))
    results: dict[str, Any] = json.loads((directory / "out.json").read_text())
    for i, output in enumerate(outputs[1:]):
        results[f"benchmark_resource_{i}"] = json.loads(output)
    return results


def _ours(spec: dict[str, Any]) -> MappingResult:
    config = parse_port_app_config(spec["config"])
    return compile_resource(config.resources[0]).map_raw(spec["items"])


def _canonical(entities: list[Any]) -> list[str]:
    return [json.dumps(entity, sort_keys=True, ensure_ascii=False) for entity in entities]


def _assert_same(ours: MappingResult, theirs: dict[str, Any]) -> None:
    assert "crash" not in theirs, theirs
    # Compared as canonical JSON text: 2 and 2.0 (or 1 and true) are equal in Python, not in Port.
    assert _canonical(ours.entities) == _canonical(theirs["entities"])
    assert set(ours.misconfigured) == set(theirs["misconfigured"])
    # The reference counts a bad item once per evaluation path it runs (up to twice).
    assert len(ours.errors) <= theirs["errors"] <= 2 * len(ours.errors)


@pytest.mark.parametrize("case_id", list(CASES))
def test_table_case_matches_reference(
    case_id: str, reference_results: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OCEAN_PARITY_TOKEN", ENV_VALUE)
    _assert_same(_ours(CASES[case_id]), reference_results[case_id])


@pytest.mark.parametrize("resource", [0, 1])
def test_benchmark_mapping_matches_reference(
    resource: int,
    reference: tuple[Path, Path],
    generated_items: list[dict[str, Any]],
    reference_results: dict[str, Any],
) -> None:
    config = load_port_app_config(reference[0] / "mapping.yml")
    ours = compile_resource(config.resources[resource], index=resource).map_raw(generated_items)
    theirs = reference_results[f"benchmark_resource_{resource}"]
    assert len(ours.entities) > 200
    _assert_same(ours, theirs)


def test_icon_object_fails_the_item_not_the_batch(reference_results: dict[str, Any]) -> None:
    """The reference fails the whole batch on an object icon; we report only those items."""
    assert "crash" in reference_results["icon_object"]
    ours = _ours(DELIBERATE["icon_object"])
    assert [error.index for error in ours.errors] == [0, 3, 4]  # object / object / array icons
    assert all("icon must be text" in error.message for error in ours.errors)
    assert [entity["identifier"] for entity in ours.entities] == ["b2", "null"]


def test_unquoted_search_combinator_is_a_config_error(reference_results: dict[str, Any]) -> None:
    """The reference silently maps an invalid combinator to null; we refuse the config."""
    assert "identifier.combinator" in reference_results["unquoted_search_combinator"]["misconfigured"]
    with pytest.raises(UserInputError) as raised:
        _ours(DELIBERATE["unquoted_search_combinator"])
    assert raised.value.location == "resources[0].port.entity.mappings.identifier.combinator"


def test_itemstoparse_without_deletion_path_is_a_config_error(reference_results: dict[str, Any]) -> None:
    """The reference skips every item (``del(.)`` gives null); we say why and how to fix it."""
    assert reference_results["itp_no_deletion_path"]["entities"] == []
    with pytest.raises(UserInputError, match="itemsToParseTopLevelTransform: false"):
        _ours(DELIBERATE["itp_no_deletion_path"])
