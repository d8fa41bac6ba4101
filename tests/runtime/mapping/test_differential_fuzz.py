"""Seeded differential fuzzing: every fast path of the mapping engine against the jq library.

Random expressions (``jq_fuzz.Generator``) × random items, each answer compared with what jq
itself gives for the same text on the same item:

* native evaluation (``native.compile_native``) — value for value, error for error;
* the keys an expression reads (``jq_reads.keys_read``) — jq on the cut-down item must give
  exactly what it gives on the whole item;
* "exactly one output" (``jq_shape.one_output``) — jq must give one output or an error;
* whole resources through ``compile_resource(...).map_raw`` — literal, native, batched (on
  items cut down to the keys read, and whole) and alone leaves, selectors and ``itemsToParse``
  (in Python and in jq) together, items the selector filters out included — against the
  mapping rules applied item by item with plain jq; the test fails if a strategy went unused.

A check is one expression compared on one item. A normal run makes over 30,000 (each test
has a floor: 8,000 + 6,000 + 7,000) in about ten seconds. For a longer ("nightly") run:
``OCEAN_FUZZ_SCALE=20 pytest tests/runtime/mapping/test_differential_fuzz.py`` (20× as many
expressions and resources); ``OCEAN_FUZZ_SEED=N`` changes the seed. Every divergence found
becomes a row of ``DIVERGENCES`` below, checked on every run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import jq
import pytest

from ocean_runtime.mapping import ResourceMapper, compile_resource, parse_port_app_config
from ocean_runtime.mapping.items_to_parse import deletion_path
from ocean_runtime.mapping.jq_expr import rewrite_single_quotes
from ocean_runtime.mapping.jq_parse import parse_tree
from ocean_runtime.mapping.jq_reads import keys_read
from ocean_runtime.mapping.jq_sandbox import JqSandbox
from ocean_runtime.mapping.jq_shape import one_output
from ocean_runtime.mapping.native import compile_native
from ocean_runtime.mapping.plain import NotPlain, PathError

from .jq_fuzz import Generator

SEED = int(os.environ.get("OCEAN_FUZZ_SEED", "20261207"))
SCALE = float(os.environ.get("OCEAN_FUZZ_SCALE", "1"))
Answer = tuple[str, str | None]


def scaled(count: int) -> int:
    return max(1, int(count * SCALE))


@dataclass
class Tally:
    """Checks made and divergences found (the first few kept for the failure message)."""

    checks: int = 0
    divergences: list[str] = field(default_factory=list)
    count: int = 0

    def record(self, what: str) -> None:
        self.count += 1
        if len(self.divergences) < 15:
            self.divergences.append(what)

    def assert_clean(self, minimum: int) -> None:
        print(f"{self.checks} checks, {self.count} divergences (seed {SEED}, scale {SCALE})")
        details = "\n".join(self.divergences)
        assert not self.count, f"{self.count} divergences (seed {SEED}):\n{details}"
        assert self.checks >= minimum * min(SCALE, 1), f"only {self.checks} checks"


@cache
def _compiled(expression: str) -> Any:
    try:
        return jq.compile(expression)
    except ValueError:
        return None


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def jq_answer(program: Any, data: Any) -> Answer:
    """("value", JSON of the first output), ("none", None) or ("error", None)."""
    try:
        for value in program.input_value(data):
            return "value", _text(value)
    except ValueError:
        return "error", None
    return "none", None


def jq_first_or_null(program: Any, data: Any) -> Any:
    """The mapping rule for a leaf: the first output; none or an error give null."""
    try:
        for value in program.input_value(data):
            return value
    except ValueError:
        return None
    return None


def expressions(generator: Generator, count: int, *, native: bool) -> Iterator[tuple[str, Any]]:
    """``count`` distinct valid expressions with their compiled jq programs."""
    seen: set[str] = set()
    attempts = 0
    while len(seen) < count and attempts < count * 5:
        attempts += 1
        text = generator.native() if native else generator.any()
        program = _compiled(text)
        if text in seen or program is None:
            continue
        seen.add(text)
        yield text, program


@pytest.fixture(scope="module")
def items() -> list[Any]:
    generator = Generator(SEED + 1)
    return [generator.item() for _ in range(24)]


def test_native_evaluation_matches_jq(items: list[Any]) -> None:
    tally, generator, left_to_jq = Tally(), Generator(SEED), 0
    for text, program in expressions(generator, scaled(450), native=True):
        native = compile_native(text)
        assert native is not None, f"{text!r} is in the native subset"
        for item in items:
            try:
                ours: Answer = ("value", _text(native.evaluate(item)))
            except PathError:
                ours = ("error", None)
            except NotPlain:
                left_to_jq += 1
                continue
            tally.checks += 1
            theirs = jq_answer(program, item)
            if ours != theirs:
                tally.record(f"native {text!r} on {item!r}: ours {ours}, jq {theirs}")
    tally.assert_clean(8_000)
    assert left_to_jq < tally.checks / 4


def test_key_reads_and_single_output_match_jq(items: list[Any]) -> None:
    tally, generator, modeled = Tally(), Generator(SEED + 2), 0
    for text, program in expressions(generator, scaled(450), native=False):
        tree = parse_tree(text)
        modeled += tree is not None
        keys, single = keys_read(tree), one_output(tree)
        for item in items:
            if keys is not None and isinstance(item, dict):
                tally.checks += 1
                projected = {key: item[key] for key in keys if key in item}
                whole, cut = jq_answer(program, item), jq_answer(program, projected)
                if whole != cut:
                    tally.record(f"keys {sorted(keys)} of {text!r} on {item!r}: whole {whole}, cut {cut}")
            if single:
                tally.checks += 1
                try:
                    outputs = len(program.input_value(item).all())
                except ValueError:
                    continue
                if outputs != 1:
                    tally.record(f"one_output {text!r} on {item!r}: {outputs} outputs")
    tally.assert_clean(6_000)
    assert modeled > scaled(450) * 0.6


def reference_mapping(resource: dict[str, Any], raw_items: list[Any]) -> dict[str, Any]:
    """The mapping rules, applied item by item with plain jq (no shortcut of the engine).

    Items the selector filters out are mapped too (into ``filtered``, as live events map them),
    so every expression is compared on every item. ``checks`` counts expression × item
    evaluations compared: itemsToParse per parent, the selector per merged item, each leaf per
    item the selector gave a boolean for.
    """
    port = resource["port"]
    mappings = port["entity"]["mappings"]
    programs = {key: _compiled(rewrite_single_quotes(text)) for key, text in mappings["properties"].items()}
    selector = _compiled(rewrite_single_quotes(resource["selector"]["query"]))
    identifier_program = _compiled(mappings["identifier"])
    outcome: dict[str, Any] = {
        "entities": [],
        "filtered": [],
        "errors": 0,
        "misconfigured": set(),
        "warnings": 0,
    }
    checks = 0
    for data in _expanded(port, raw_items, outcome):
        checks += 1
        answer = jq_answer(selector, data)
        if answer[0] != "value" or answer[1] not in ("true", "false"):
            outcome["errors"] += 1
            continue
        identifier = jq_first_or_null(identifier_program, data)
        properties = {}
        for key, program in programs.items():
            properties[key] = jq_first_or_null(program, data)
            if properties[key] is None:
                outcome["misconfigured"].add(f"properties.{key}")
        if identifier is None:
            outcome["misconfigured"].add("identifier")
        checks += 1 + len(programs)
        if identifier:
            entity = {"identifier": identifier, "blueprint": "bp", "properties": properties}
            outcome["entities" if answer[1] == "true" else "filtered"].append(entity)
    if port.get("itemsToParse") is not None:
        checks += len(raw_items)
    return {**outcome, "checks": checks}


def _expanded(port: dict[str, Any], raw_items: list[Any], outcome: dict[str, Any]) -> Iterator[Any]:
    expression = port.get("itemsToParse")
    if expression is None:
        yield from raw_items
        return
    elements_program = _compiled(rewrite_single_quotes(expression))
    path = deletion_path(expression) if port.get("itemsToParseTopLevelTransform", True) else None
    delete = _compiled(f". | del({path})")
    for parent in raw_items:
        elements = jq_first_or_null(elements_program, parent)
        if path is not None:
            parent = jq_first_or_null(delete, parent)
            if parent is None:
                outcome["warnings"] += 1
                continue
        if not isinstance(elements, list) or not isinstance(parent, dict):
            outcome["warnings"] += 1
            continue
        for element in elements:
            yield {**parent, "item": element}


ITEMS_TO_PARSE = [(".xs", True), (".obj", True), (".xs | map(select(. != null))", True), ("[.xs[]?]", False),
                  (".obj.xs", True), (".obj", False)]  # fmt: skip


# Expressions that need a jq program of their own (``alone``): their result depends on the program.
OWN_PROGRAM = ["$__loc__ | .line", "[$__loc__.file, ({any})]", "input_line_number", "try input catch ({any})",
               "({any}) # a comment", "[.s, input_filename]"]  # fmt: skip


def random_resource(generator: Generator) -> dict[str, Any]:
    rng = generator.rng
    literal = rng.choice(["1", '"a"'])
    selector = rng.choice(
        ["true", generator.any(2), f"{generator.path()} != null", f"({generator.any(2)}) == {literal}",
         f'({generator.native(2)}) | type == "string"', "false"]
    )  # fmt: skip
    leaves = {f"p{i}": generator.native() if rng.random() < 0.5 else generator.any() for i in range(5)}
    leaves["lit"] = rng.choice(['"service"', "42", "1.0", "null", "true"])
    if rng.random() < 0.2:
        leaves["own"] = rng.choice(OWN_PROGRAM).format(any=generator.any(2))
    port: dict[str, Any] = {
        "entity": {"mappings": {"identifier": ".id", "blueprint": '"bp"', "properties": leaves}}
    }
    if rng.random() < 0.3:
        expression, transform = rng.choice(ITEMS_TO_PARSE)
        port["itemsToParse"] = expression
        port["itemsToParseTopLevelTransform"] = transform
        port["entity"]["mappings"]["identifier"] = '.id + ":" + (.item | tostring)'
    return {"kind": "thing", "selector": {"query": selector}, "port": port}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[JqSandbox]:
    with JqSandbox() as shared:
        yield shared


# Every way an expression can be evaluated: each must be exercised by the resources below.
STRATEGIES = {
    "selector": {"literal", "path", "batched", "batched-whole"},
    "leaf": {"literal", "path", "batched", "batched-whole", "alone"},
    "itemsToParse": {"python", "jq"},
}


def _role(location: str) -> str:
    if location.endswith(".selector.query"):
        return "selector"
    return "itemsToParse" if location.endswith(".itemsToParse") else "leaf"


def test_resources_map_as_jq_does_item_by_item(items: list[Any], sandbox: JqSandbox) -> None:
    tally, generator = Tally(), Generator(SEED + 3)
    seen: dict[str, set[str]] = {role: set() for role in STRATEGIES}
    more = [*items, *(Generator(SEED + 4).item() for _ in range(24))]
    batch = [dict(item, id=f"i{n}") if isinstance(item, dict) else item for n, item in enumerate(more)]
    for _ in range(scaled(60)):
        resource = random_resource(generator)
        texts = [
            resource["selector"]["query"],
            *resource["port"]["entity"]["mappings"]["properties"].values(),
        ]
        if any(_compiled(rewrite_single_quotes(text)) is None for text in texts):
            continue
        compiled = mapper(resource, sandbox)
        for location, strategy in compiled.strategies().items():
            seen[_role(location)].add(strategy)
        result = compiled.map_raw(batch, include_filtered=True)
        expected = reference_mapping(resource, batch)
        tally.checks += expected.pop("checks")
        ours = {
            "entities": [_text(entity) for entity in result.entities],
            "filtered": [_text(entity) for entity in result.filtered_entities],
            "errors": len(result.errors),
            "misconfigured": set(result.misconfigured),
            "warnings": len(result.warnings),
        }
        theirs = {
            **expected,
            "entities": [_text(entity) for entity in expected["entities"]],
            "filtered": [_text(entity) for entity in expected["filtered"]],
        }
        if ours != theirs:
            difference = {key: (ours[key], theirs[key]) for key in ours if ours[key] != theirs[key]}
            tally.record(f"resource {json.dumps(resource)}: {str(difference)[:1500]}")
    tally.assert_clean(7_000)
    missing = {role: wanted - seen[role] for role, wanted in STRATEGIES.items() if wanted - seen[role]}
    assert not missing, f"strategies no generated resource exercised: {missing}"


# Every divergence the fuzzing found, as (expression, item, what jq gives); the engine must agree.
DIVERGENCES: list[tuple[str, Any, Any]] = [
    ('"v\\(1.0)"', {}, "v1.0"),  # number literals print as written
    ('"v\\(1e3)"', {}, "v1E+3"),
    ('"\\(1.10)/\\(.n)"', {"n": 2.0}, "1.10/2.0"),
    ("1.0 | tostring", {}, "1.0"),
    ('if .state == "active" then .n - 1 end', {"state": "idle", "n": 1}, {"state": "idle", "n": 1}),
]
SELECTOR_DIVERGENCES: list[tuple[str, Any, bool]] = [
    # `if` without `else` gives the input: the selector reads the whole item, not only state/n
    ('(if .state=="active" then .n-1 end) | has("owner")', {"state": "idle", "n": 1, "owner": "ann"}, True),
]


def one_resource(properties: dict[str, str], *, selector: str = "true", **port: Any) -> dict[str, Any]:
    mappings = {"identifier": '"e"', "blueprint": '"bp"', "properties": properties}
    return {"kind": "k", "selector": {"query": selector}, "port": {"entity": {"mappings": mappings}, **port}}


def mapper(resource: dict[str, Any], sandbox: JqSandbox | None = None) -> ResourceMapper:
    return compile_resource(parse_port_app_config({"resources": [resource]}).resources[0], sandbox=sandbox)


# itemsToParse: the parent comes back from jq's `del` as jq hands values back.
ITEMS_TO_PARSE_DIVERGENCES: list[tuple[str, Any]] = [
    ("tostring", {"xs": [0], "f": 1.0, "neg": -0.0, "big": 2**53 + 1, "deep": {"g": 2.0}}),
    ('[.f, .big] | join(",")', {"xs": [0], "f": 3.0, "big": 2**53 + 1}),
]


@pytest.mark.parametrize(("expression", "parent"), ITEMS_TO_PARSE_DIVERGENCES)
def test_items_to_parse_divergences_stay_fixed(expression: str, parent: Any) -> None:
    resource = one_resource({"value": expression}, itemsToParse=".xs")
    expected = reference_mapping(resource, [parent])["entities"][0]["properties"]["value"]
    result = mapper(resource).map_raw([parent])
    assert _text(result.entities[0]["properties"]["value"]) == _text(expected)


@pytest.mark.parametrize(("expression", "item", "expected"), DIVERGENCES)
def test_divergences_found_stay_fixed(expression: str, item: Any, expected: Any) -> None:
    assert jq_first_or_null(jq.compile(expression), item) == expected
    result = mapper(one_resource({"value": expression})).map_raw([item])
    assert _text(result.entities[0]["properties"]["value"]) == _text(expected)


@pytest.mark.parametrize(("selector", "item", "selected"), SELECTOR_DIVERGENCES)
def test_selector_divergences_stay_fixed(selector: str, item: Any, selected: bool) -> None:
    assert jq.compile(selector).input_value(item).first() is selected
    result = mapper(one_resource({"s": ".state"}, selector=selector)).map_raw([item])
    assert len(result.entities) == int(selected) and result.filtered == int(not selected)
