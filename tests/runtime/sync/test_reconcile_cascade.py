"""Reconcile with ``deleteDependentEntities: true`` against a real harbor: Port's cascade is no failure.

Deleting a stale project makes Port delete the tasks that relate to it. When reconcile then asks
Port to delete those tasks (they are stale too), Port finds nothing left to delete and lists none
of them in ``deletedEntities`` — they are gone, which is what reconcile wanted.
"""

from __future__ import annotations

import json
from typing import Any

from ocean_runtime.sync import Status

MAIN = """
import json
from pathlib import Path

from ocean_runtime import ocean

DATA = Path(__file__).with_name("data.json")


@ocean.on_resync("project")
async def projects(kind):
    return json.loads(DATA.read_text())["project"]
"""

# The harbor lists owned entities by blueprint name, so "project" (the relation target) is
# deleted before "task": the cascade runs first, as it does whenever Port lists targets first.
BLUEPRINTS = [
    {"identifier": "project", "title": "Project", "schema": {"properties": {}}},
    {
        "identifier": "task",
        "title": "Task",
        "schema": {"properties": {}},
        "relations": {"project": {"target": "project", "required": False, "many": False}},
    },
]
PROJECT = {
    "kind": "project",
    "selector": {"query": "true"},
    "port": {"entity": {"mappings": {"identifier": ".id", "title": ".id", "blueprint": '"project"'}}},
}
TASK = {
    "kind": "project",
    "selector": {"query": "true"},
    "port": {
        "itemsToParse": ".tasks",
        "entity": {
            "mappings": {
                "identifier": ".item",
                "title": ".item",
                "blueprint": '"task"',
                "relations": {"project": ".id"},
            }
        },
    },
}


def projects(*names: str) -> list[dict[str, Any]]:
    """Raw projects, each with two tasks ``<project>-t0`` and ``<project>-t1``."""
    return [{"id": name, "tasks": [f"{name}-t0", f"{name}-t1"]} for name in names]


async def test_dependents_port_already_deleted_count_as_deleted(make_tiny: Any) -> None:
    tiny = make_tiny("cascade", main=MAIN, blueprints=BLUEPRINTS)
    tiny.set_mapping([PROJECT, TASK], deleteDependentEntities=True)
    data = tiny.root / "data.json"
    data.write_text(json.dumps({"project": projects("p0", "p1", "p2")}))
    first = await tiny.resync()
    assert first.status == Status.COMPLETED, first.reasons()
    data.write_text(json.dumps({"project": projects("p0", "p2")}))

    report = await tiny.resync()

    assert report.status == Status.COMPLETED, report.reasons()
    assert report.reconcile.status == Status.COMPLETED
    assert (report.reconcile.stale, report.reconcile.deleted) == (3, 3)
    assert [(kind.blueprint, kind.deleted) for kind in report.kinds] == [("project", 1), ("task", 2)]
    assert tiny.ids("project") == {"p0", "p2"}
    assert tiny.ids("task") == {"p0-t0", "p0-t1", "p2-t0", "p2-t1"}


async def test_a_stale_entity_port_refused_to_delete_still_fails_reconcile(make_tiny: Any) -> None:
    # Tasks *require* their project: without deleteDependentEntities Port refuses to delete a
    # project while tasks point at it, so it is missing from deletedEntities and still there.
    required = [
        BLUEPRINTS[0],
        {**BLUEPRINTS[1], "relations": {"project": {"target": "project", "required": True}}},
    ]
    tiny = make_tiny("refused", main=MAIN, blueprints=required)
    tiny.set_mapping([PROJECT, TASK], deleteDependentEntities=False)
    data = tiny.root / "data.json"
    data.write_text(json.dumps({"project": projects("p0", "p1", "p2")}))
    await tiny.resync()
    data.write_text(json.dumps({"project": projects("p0", "p2")}))

    report = await tiny.resync()

    assert report.reconcile.status == Status.FAILED
    assert report.reconcile.reason == "project: Port deleted 0 of 1 stale entities"
    assert [(kind.blueprint, kind.deleted) for kind in report.kinds] == [("project", 0), ("task", 2)]
    assert tiny.ids("project") == {"p0", "p1", "p2"}
    assert tiny.ids("task") == {"p0-t0", "p0-t1", "p2-t0", "p2-t1"}
