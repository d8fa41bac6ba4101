"""The jq budget: hostile expressions end in a clear error, the worker is replaced, nothing hangs.

Everything runs through a real ``JqSandbox`` (a real worker process), with a small budget so
each breach costs about a second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ocean_runtime.errors import UserInputError
from ocean_runtime.mapping import (
    JqBudgetError,
    JqLimits,
    JqSandbox,
    ResourceMapper,
    compile_resource,
    parse_port_app_config,
)
from ocean_runtime.mapping.jq_sandbox import JqSandboxClosed

LIMITS = JqLimits(timeout_seconds=1.0, memory_mb=128)
HOSTILE = {
    "def f: f; f": "took longer than 1 s",
    "[range(1e12)]": "took longer than 1 s",
    "reduce range(1e12) as $x (0; .+1)": "took longer than 1 s",
    "def f: 1 + f; f": "128 MB|took longer than 1 s",  # its stack grows until one budget stops it
    '"a" * 1000000000': "needed more than 128 MB",
}


@pytest.fixture
def sandbox() -> Iterator[JqSandbox]:
    with JqSandbox(LIMITS) as made:
        yield made


@pytest.mark.parametrize("expression", list(HOSTILE))
def test_a_hostile_expression_is_stopped_and_the_next_call_works(sandbox: JqSandbox, expression: str) -> None:
    started = time.monotonic()
    with pytest.raises(JqBudgetError, match=HOSTILE[expression]):
        sandbox.first_output(expression, {"a": 1})
    assert time.monotonic() - started < 30
    assert sandbox.first_output(".a + 1", {"a": 1}) == 2


def test_jq_errors_and_empty_outputs_are_not_budget_errors(sandbox: JqSandbox) -> None:
    from ocean_runtime.mapping.jq_expr import NoOutput

    with pytest.raises(ValueError, match="boom"):
        sandbox.first_output('error("boom")', None)
    with pytest.raises(NoOutput):
        sandbox.first_output("empty", None)
    assert sandbox.first_output(".when", {"when": __import__("datetime").date(2024, 5, 1)}) == "2024-05-01"


def test_a_result_too_large_to_hand_back_is_refused(sandbox: JqSandbox) -> None:
    with pytest.raises(JqBudgetError, match="more than the 8 MB allowed"):
        sandbox.first_output('[range(10) | "x" * 1000000]', None)


def test_closing_the_sandbox_ends_a_call_waiting_on_jq() -> None:
    sandbox = JqSandbox(JqLimits(timeout_seconds=60, memory_mb=128))
    outcome: list[Any] = []

    def run() -> None:
        try:
            sandbox.first_output("def f: f; f", None)
        except Exception as exc:
            outcome.append(exc)

    waiting = threading.Thread(target=run)
    waiting.start()
    time.sleep(0.5)
    started = time.monotonic()
    sandbox.close()
    waiting.join(10)
    assert not waiting.is_alive()
    assert time.monotonic() - started < 5
    assert isinstance(outcome[0], JqSandboxClosed)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("OCEAN__JQ__TIMEOUT_SECONDS", "soon"),
        ("OCEAN__JQ__TIMEOUT_SECONDS", "0"),
        ("OCEAN__JQ__MEMORY_MB", "1.5"),
    ],
)
def test_a_bad_limit_names_the_variable(variable: str, value: str) -> None:
    with pytest.raises(UserInputError, match=f"{variable}={value!r} is not a positive"):
        JqLimits.from_environ({variable: value})


def resource(properties: dict[str, str], *, selector: str = "true", **port: Any) -> Any:
    mappings = {"identifier": ".id", "blueprint": '"svc"', "properties": properties}
    one = {"kind": "k", "selector": {"query": selector}, "port": {"entity": {"mappings": mappings}, **port}}
    return parse_port_app_config({"resources": [one]}).resources[0]


def mapper(sandbox: JqSandbox, properties: dict[str, str], **kwargs: Any) -> ResourceMapper:
    tolerant = kwargs.pop("tolerant", False)
    return compile_resource(
        resource(properties, **kwargs), source="pac.yml", sandbox=sandbox, tolerant=tolerant
    )


ITEMS = [{"id": "a", "name": "A", "tags": ["x", "y"]}, {"id": "b", "name": "B", "tags": []}]


def test_the_expression_over_budget_is_named_among_batched_ones(sandbox: JqSandbox) -> None:
    fields = {"tags": "[.tags[] | ascii_upcase]", "loop": "[range(1e12)]", "count": ".tags | length"}

    with pytest.raises(UserInputError) as raised:
        mapper(sandbox, fields).map_raw(ITEMS)

    message = str(raised.value)
    assert message.startswith("pac.yml: resources[0].port.entity.mappings.properties.loop: jq expression")
    assert "'[range(1e12)]' took longer than 1 s" in message
    assert "OCEAN__JQ__TIMEOUT_SECONDS" in message


def test_tolerant_mapping_keeps_the_fields_that_work(sandbox: JqSandbox) -> None:
    fields = {"tags": "[.tags[] | ascii_upcase]", "loop": "def f: f; f", "bad": ".name | ]", "name": ".name"}
    tolerant = mapper(sandbox, fields, tolerant=True)

    result = tolerant.map_raw(ITEMS)

    assert [e["properties"] for e in result.entities] == [
        {"tags": ["X", "Y"], "loop": None, "bad": None, "name": "A"},
        {"tags": [], "loop": None, "bad": None, "name": "B"},
    ]
    assert [(p.location.rsplit(".", 1)[1], p.kind) for p in tolerant.problems] == [
        ("bad", "syntax"),
        ("loop", "budget"),
    ]
    assert tolerant.map_raw(ITEMS[:1]).entities[0]["properties"]["tags"] == ["X", "Y"]  # no second breach
    assert len(tolerant.problems) == 2


@pytest.mark.parametrize(
    ("where", "kwargs", "location"),
    [
        ("selector", {"selector": "def f: f; f"}, "resources[0].selector.query"),
        ("itemsToParse", {"itemsToParse": "[range(1e12)]", "itemsToParseTopLevelTransform": False},
         "resources[0].port.itemsToParse"),
    ],
)  # fmt: skip
def test_a_selector_or_items_to_parse_over_budget_fails_the_resource(
    sandbox: JqSandbox, where: str, kwargs: dict[str, Any], location: str
) -> None:
    with pytest.raises(UserInputError) as raised:
        mapper(sandbox, {"name": ".name"}, **kwargs).map_raw(ITEMS)
    assert f"pac.yml: {location}: jq expression" in str(raised.value)


def test_a_constant_jq_would_build_while_compiling_is_built_in_the_worker(sandbox: JqSandbox) -> None:
    """jq folds constants when it compiles: ``"a" * 1000000000`` is a gigabyte before any item."""
    import resource as process

    before = process.getrusage(process.RUSAGE_SELF).ru_maxrss
    tolerant = mapper(sandbox, {"huge": '"a" * 1000000000', "name": ".name"}, tolerant=True)

    assert [(p.location, p.kind) for p in tolerant.problems] == [
        ("resources[0].port.entity.mappings.properties.huge", "budget")
    ]
    assert "needed more than 128 MB" in tolerant.problems[0].reason
    assert tolerant.map_raw(ITEMS).entities[0]["properties"] == {"huge": None, "name": "A"}
    assert process.getrusage(process.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KB: nothing built here


def _resident_mb() -> float:
    """This process's resident memory now (not its peak: what it holds)."""
    import os
    from pathlib import Path

    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024**2


def test_a_big_constant_within_the_budget_is_only_ever_built_in_the_worker() -> None:
    """jq keeps a folded constant inside the compiled program: compiled here, 40 MB would stay here."""
    with JqSandbox(JqLimits(timeout_seconds=30, memory_mb=256)) as roomy:
        before = _resident_mb()
        compiled = mapper(roomy, {"size": '"a" * 40000000 | length', "name": ".name"})

        assert _resident_mb() - before < 20
        assert compiled.map_raw(ITEMS[:1]).entities[0]["properties"] == {"size": 40000000, "name": "A"}
        assert _resident_mb() - before < 20


@pytest.mark.parametrize(
    ("where", "kwargs", "location"),
    [
        ("field", {}, "resources[0].port.entity.mappings.properties.huge"),
        ("selector", {"selector": '("a" * 1000000000) == "a"'}, "resources[0].selector.query"),
        ("itemsToParse", {"itemsToParse": '["a" * 1000000000]', "itemsToParseTopLevelTransform": False},
         "resources[0].port.itemsToParse"),
    ],
)  # fmt: skip
def test_a_constant_over_the_budget_fails_its_resource_like_a_syntax_error(
    sandbox: JqSandbox, where: str, kwargs: dict[str, Any], location: str
) -> None:
    properties = {"huge": '"a" * 1000000000'} if where == "field" else {"name": ".name"}
    with pytest.raises(UserInputError) as raised:
        mapper(sandbox, properties, **kwargs)
    message = str(raised.value)
    assert message.startswith(f"pac.yml: {location}: jq expression ")
    assert "needed more than 128 MB, its memory budget (OCEAN__JQ__MEMORY_MB)" in message
