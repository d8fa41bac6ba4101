"""``ocean`` and ``event`` are context variables: two integrations live side by side in one process."""

from __future__ import annotations

import asyncio
import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from ocean_runtime import event, ocean
from ocean_runtime.app import OceanApp, load_integration
from ocean_runtime.context import NoActiveAppError, NoEventError
from ocean_runtime.testing import resync_async

# Both integrations have a `source.py` and an `integration.py` with the same names but different
# content: each must see its own.
MAIN = """
from ocean_runtime import event, ocean
from source import items

@ocean.on_resync("thing")
async def things(kind):
    prefix = ocean.integration_config["prefix"]
    yield [{"id": f"{prefix}-{i}", "blueprint": event.resource_config.kind} for i in items()]
"""
SPEC = "configurations:\n  - name: prefix\n    type: string\n    required: true\n"
BLUEPRINT = [{"identifier": "thing", "title": "Thing", "schema": {"properties": {}}}]
MAPPING = {
    "resources": [{
        "kind": "thing", "selector": {"query": "true"},
        "port": {"entity": {"mappings": {"identifier": ".id", "blueprint": '"thing"', "title": ".id"}}},
    }]
}  # fmt: skip


def make(root: Path, name: str, count: int) -> Path:
    files = {
        "pyproject.toml": f'[project]\nname = "{name}"\nversion = "0.1.0"\n',
        "main.py": MAIN,
        "source.py": f"def items():\n    return range({count})\n",
        ".port/spec.yaml": SPEC,
        ".port/resources/blueprints.json": json.dumps(BLUEPRINT),
        ".port/resources/port-app-config.yml": json.dumps(MAPPING),
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def test_ocean_is_only_usable_while_an_app_is_active() -> None:
    app = OceanApp(integration_config={"token": "x"})

    with pytest.raises(NoActiveAppError, match="no integration is loaded"):
        _ = ocean.integration_config

    # Outside an app (a unit test importing main.py), decorators leave handlers as they are.
    @ocean.on_resync("repo")
    async def plain(kind: str) -> list[dict[str, Any]]:
        return [{"kind": kind}]

    assert asyncio.run(plain("repo")) == [{"kind": "repo"}]
    assert app.resync_handlers == []
    with app.activated():
        assert ocean.integration_config == {"token": "x"}

        @ocean.on_resync("repo")
        async def repos(kind: str) -> list[dict[str, Any]]:
            return []

    assert app.handlers_for("repo")[0].function is repos  # the decorator returned it unchanged
    with pytest.raises(NoEventError, match="only available while Ocean runs a handler"):
        _ = event.resource_config


def test_two_apps_keep_their_own_handlers_config_and_modules(tmp_path: Path) -> None:
    first = load_integration(
        make(tmp_path / "one", "alpha", 2), environ={"OCEAN__INTEGRATION__CONFIG__PREFIX": "a"}
    )
    second = load_integration(
        make(tmp_path / "two", "beta", 3), environ={"OCEAN__INTEGRATION__CONFIG__PREFIX": "b"}
    )

    assert first.integration_config == {"prefix": "a"} and second.integration_config == {"prefix": "b"}
    assert len(first.resync_handlers) == len(second.resync_handlers) == 1
    first_fn, second_fn = first.resync_handlers[0].function, second.resync_handlers[0].function
    assert first_fn is not second_fn
    assert first_fn.__module__ != second_fn.__module__


async def test_two_apps_resync_concurrently_into_one_harbor(tmp_path: Path, harbor: Any) -> None:
    one, two = make(tmp_path / "one", "alpha", 2), make(tmp_path / "two", "beta", 3)
    credentials = {
        "base_url": harbor.url,
        "client_id": harbor.client_id,
        "client_secret": harbor.client_secret,
    }

    reports = await asyncio.gather(
        resync_async(one, env={"OCEAN__INTEGRATION__CONFIG__PREFIX": "a"}, **credentials),
        resync_async(two, env={"OCEAN__INTEGRATION__CONFIG__PREFIX": "b"}, **credentials),
    )

    assert [r.kinds[0].upserted for r in reports] == [2, 3]
    ids = {entity["identifier"] for entity in harbor.entities("thing")}
    assert ids == {"a-0", "a-1", "b-0", "b-1", "b-2"}
    # Each owns its own entities: shrinking one deletes only from its own.
    (one / "source.py").write_text("def items():\n    return range(1)\n")
    await resync_async(one, env={"OCEAN__INTEGRATION__CONFIG__PREFIX": "a"}, **credentials)
    assert {entity["identifier"] for entity in harbor.entities("thing")} == {"a-0", "b-0", "b-1", "b-2"}
