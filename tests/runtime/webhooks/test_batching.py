"""Live events written together: runs of a key composed, keys sharing bulk requests, order kept,
one refused entity failing only its own event.

Composition is checked against the harbor itself: for every table case, the entity the harbor
holds after the composed upsert equals the one it holds after the events' upserts one by one.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ocean_runtime.webhooks import WebhookEvent
from ocean_runtime.webhooks.changes import EventChanges
from ocean_runtime.webhooks.phases import compose, plan_phases

from .conftest import CountingTransport

REPO = {"name": "ocean", "language": "python", "stars": 1}


def changes(
    upserts: dict[str, dict[str, Any]] | None = None, deletes: list[str] | None = None
) -> EventChanges:
    found = EventChanges()
    for identifier, entity in (upserts or {}).items():
        found.upserts["repo", identifier] = (
            "repo",
            {"identifier": identifier, "blueprint": "repo", **entity},
        )
    for identifier in deletes or []:
        found.deletes["repo", identifier] = "repo"
    return found


def test_upserts_of_one_entity_compose_into_one_write_per_phase() -> None:
    run = [changes({"a": {"properties": {"stars": n}}}) for n in range(1, 11)]

    [phase] = plan_phases(run, merge=True)

    [upsert] = phase.upserts.values()
    assert upsert.entity["properties"] == {"stars": 10}
    assert [source.position for source in upsert.sources] == list(range(10))


def test_a_delete_then_an_upsert_of_anything_starts_a_new_phase() -> None:
    run = [
        changes({"a": {"title": "one"}}),
        changes(deletes=["a"]),  # after the upsert of a: same phase, deletions go last
        changes({"b": {"title": "two"}}),  # an upsert after a deletion: next phase
        changes(deletes=["b"]),
    ]

    phases = plan_phases(run, merge=True)

    assert [(list(p.upserts), list(p.deletes)) for p in phases] == [
        ([("repo", "a")], [("repo", "a")]),
        ([("repo", "b")], [("repo", "b")]),
    ]


COMPOSITIONS = [
    pytest.param(
        [{"properties": {"stars": 1, "language": "go"}}, {"properties": {"stars": 2}}], id="properties merge"
    ),
    pytest.param([{"title": "one", "icon": "Git"}, {"title": "two"}], id="top-level keys replaced when sent"),
    pytest.param(
        [{"properties": {"stars": 1}}, {"properties": None}], id="null properties keep what is held"
    ),
    pytest.param(
        [{"relations": {"owner": "x"}}, {"relations": {"team": "y"}}, {"relations": {"owner": None}}],
        id="relations merge key by key",
    ),
    pytest.param([{"team": ["a"]}, {"properties": {"stars": 3}}, {"team": []}], id="team replaced"),
]


@pytest.mark.parametrize("merge", [True, False], ids=["merge", "replace"])
@pytest.mark.parametrize("sequence", COMPOSITIONS)
async def test_a_composed_upsert_leaves_what_the_upserts_one_by_one_leave(
    harbor: Any, sequence: list[dict[str, Any]], merge: bool
) -> None:
    with harbor.client() as client:
        client.post(
            "/v1/blueprints",
            json={
                "identifier": "composed",
                "title": "Composed",
                "schema": {"properties": {"stars": {"type": "number"}, "language": {"type": "string"}}},
                "relations": {
                    "owner": {"target": "composed", "many": False, "required": False},
                    "team": {"target": "composed", "many": False, "required": False},
                },
            },
        ).raise_for_status()
        start = {"identifier": "start", "title": "start", "properties": {"language": "c"}, "relations": {}}
        params = {"upsert": "true", "merge": str(merge).lower(), "create_missing_related_entities": "true"}
        held = {}
        for identifier in ("one-by-one", "composed"):
            client.post(
                "/v1/blueprints/composed/entities", json={**start, "identifier": identifier}
            ).raise_for_status()
        for entity in sequence:
            client.post(
                "/v1/blueprints/composed/entities", params=params, json={"identifier": "one-by-one", **entity}
            ).raise_for_status()
        composed = sequence[0]
        for entity in sequence[1:]:
            composed = compose(composed, entity, merge=merge)
        client.post(
            "/v1/blueprints/composed/entities", params=params, json={**composed, "identifier": "composed"}
        ).raise_for_status()
        for identifier in ("one-by-one", "composed"):
            entity = client.get(f"/v1/blueprints/composed/entities/{identifier}").json()["entity"]
            held[identifier] = {
                key: entity.get(key) for key in ("title", "icon", "team", "properties", "relations")
            }

    assert held["composed"] == held["one-by-one"]


def _event(key: str, payload: dict[str, Any]) -> WebhookEvent:
    event = WebhookEvent.new("/repos", payload, {"x-github-event": "repository"})
    event.group_key = f"/repos#{key}"
    return event


async def test_keys_share_bulk_requests_and_a_refused_event_fails_alone(start_live: Any) -> None:
    counting = CountingTransport()
    live = await start_live(transport=counting)
    dispatcher = live.service.dispatcher
    assert dispatcher is not None
    runs = [
        [
            _event(
                f"repo-{k}",
                {"repo": {**REPO, "name": f"repo-{k}", "stars": "bad" if (k, n) == (3, 10) else n}},
            )
            for n in range(1, 11)
        ]
        for k in range(20)
    ]
    before = counting.count("POST", "/entities/bulk")

    await asyncio.gather(*(dispatcher.process(run) for run in runs))

    bulk = counting.count("POST", "/entities/bulk") - before
    assert bulk < 200 / 4, f"{bulk} bulk requests for 200 events"
    assert {name: entity["properties"]["stars"] for name, entity in live.repos().items()} == {
        f"repo-{k}": 9 if k == 3 else 10
        for k in range(20)  # repo-3's last event was refused
    }
    assert await live.metric("ocean_webhook_events_total", path="/repos", outcome="processed") == 199
    assert await live.metric("ocean_webhook_events_total", path="/repos", outcome="failed") == 1
    [failure] = live.service.failures.recent
    assert failure.event_id == runs[3][9].id and "repo/repo-3" in failure.message
