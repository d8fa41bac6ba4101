"""Blueprints: CRUD, schema checks with messages naming the key, deletion rules and migrations."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest


async def test_create_fills_defaults_and_get_returns_it(api: httpx.AsyncClient) -> None:
    created = (await api.post("/v1/blueprints", json={"identifier": "bare"})).json()["blueprint"]
    assert created["schema"] == {"properties": {}, "required": []}
    assert created["relations"] == {}
    for key in ("calculationProperties", "mirrorProperties", "aggregationProperties"):
        assert created[key] == {}
    assert (await api.get("/v1/blueprints/bare")).json()["blueprint"] == created
    assert [b["identifier"] for b in (await api.get("/v1/blueprints")).json()["blueprints"]] == ["bare"]
    again = await api.post("/v1/blueprints", json={"identifier": "bare"})
    assert again.status_code == 409 and again.json()["error"] == "conflict"


async def test_unknown_blueprint_is_404_json(api: httpx.AsyncClient) -> None:
    for method in ("GET", "PATCH", "DELETE"):
        response = await api.request(method, "/v1/blueprints/ghost", json={})
        assert response.status_code == 404, method
        assert response.json() == {"ok": False, "error": "not_found", "message": response.json()["message"]}


async def test_the_three_stage_defaults_sequence(api: httpx.AsyncClient, kit: SimpleNamespace) -> None:
    """What the published client sends: POST bare, PATCH with relations, PATCH the full document."""
    full = {
        **kit.SERVICE,
        "calculationProperties": {"slug": {"type": "string", "calculation": ".identifier"}},
    }
    bare = {k: v for k, v in full.items() if k not in ("relations", "calculationProperties")}
    await api.post("/v1/blueprints", json=kit.TEAM)
    assert (await api.post("/v1/blueprints", json=bare)).status_code == 200
    with_relations = {k: v for k, v in full.items() if k != "calculationProperties"}
    assert (await api.patch("/v1/blueprints/service", json=with_relations)).status_code == 200
    assert (await api.patch("/v1/blueprints/service", json=full)).status_code == 200
    stored = (await api.get("/v1/blueprints/service")).json()["blueprint"]
    assert stored["relations"]["team"] == {
        "title": "team",
        "target": "team",
        "many": False,
        "required": False,
    }
    assert stored["calculationProperties"] == full["calculationProperties"]
    assert stored["schema"]["properties"] == kit.SERVICE["schema"]["properties"]


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({}, 422, "body/identifier"),
        ({"identifier": "has space"}, 422, "body/identifier"),
        ({"identifier": "x", "schema": []}, 422, "body/schema"),
        ({"identifier": "x", "schema": {"properties": []}}, 422, "body/schema/properties"),
        ({"identifier": "x", "schema": {"properties": {"a": {"type": "text"}}}}, 422, "properties/a/type"),
        ({"identifier": "x", "schema": {"properties": {"a": "string"}}}, 422, "properties/a"),
        (
            {"identifier": "x", "schema": {"properties": {"a": {"type": "string", "format": "zip"}}}},
            422,
            "properties/a/format",
        ),
        (
            {"identifier": "x", "schema": {"properties": {"a": {"type": "string", "enum": "a"}}}},
            422,
            "properties/a/enum",
        ),
        ({"identifier": "x", "schema": {"properties": {}, "required": ["a"]}}, 422, "do not exist: a"),
        ({"identifier": "x", "relations": {"r": {"target": "ghost"}}}, 404, "relations/r/target"),
        ({"identifier": "x", "relations": {"r": {"many": True}}}, 422, "body/relations/r"),
        ({"identifier": "x", "relations": {"r": {"target": "x", "many": "yes"}}}, 422, "relations/r/many"),
        ({"identifier": "x", "calculationProperties": []}, 422, "calculationProperties"),
    ],
)
async def test_invalid_blueprints_are_refused_naming_the_key(
    api: httpx.AsyncClient, body: dict[str, Any], status: int, fragment: str
) -> None:
    response = await api.post("/v1/blueprints", json=body)
    assert response.status_code == status, response.text
    assert response.json()["ok"] is False
    assert fragment in response.json()["message"]
    assert (await api.get("/v1/blueprints")).json()["blueprints"] == []


async def test_self_relation_is_allowed(api: httpx.AsyncClient) -> None:
    body = {
        "identifier": "node",
        "relations": {"parent": {"target": "node", "many": False, "required": False}},
    }
    assert (await api.post("/v1/blueprints", json=body)).status_code == 200


async def test_blueprint_with_entities_is_not_deleted(
    catalog: httpx.AsyncClient, kit: SimpleNamespace
) -> None:
    await kit.bulk(catalog, "team", [{"identifier": "t1"}])
    response = await catalog.delete("/v1/blueprints/team")
    assert response.status_code == 409
    assert response.json()["error"] == "has_dependents"
    assert "all-entities" in response.json()["message"]
    assert await kit.identifiers(catalog, "team") == ["t1"]


async def test_deleting_an_empty_blueprint_drops_relations_pointing_at_it(catalog: httpx.AsyncClient) -> None:
    assert (await catalog.delete("/v1/blueprints/team")).json() == {"ok": True}
    service = (await catalog.get("/v1/blueprints/service")).json()["blueprint"]
    assert "team" not in service["relations"] and "dependsOn" in service["relations"]


async def test_delete_all_entities_migration(catalog: httpx.AsyncClient, kit: SimpleNamespace) -> None:
    await kit.bulk(catalog, "team", [{"identifier": "t1"}, {"identifier": "t2"}])
    await kit.bulk(catalog, "service", [{"identifier": "s1", "relations": {"team": "t1"}}])
    response = await catalog.delete("/v1/blueprints/team/all-entities", params={"delete_blueprint": "true"})
    assert response.status_code == 200
    migration_id = response.json()["migrationId"]
    migration = (await catalog.get(f"/v1/migrations/{migration_id}")).json()["migration"]
    assert migration["status"] == "COMPLETED"
    for key in ("id", "actor", "sourceBlueprint", "mapping"):  # what the published client parses
        assert key in migration
    assert (await catalog.get("/v1/blueprints/team")).status_code == 404
    [service] = (await catalog.get("/v1/blueprints/service/entities")).json()["entities"]
    assert service["relations"] == {"team": None}  # the relation value went with its target
    assert (await catalog.get("/v1/migrations/ghost")).status_code == 404


async def test_delete_all_entities_can_keep_the_blueprint(
    catalog: httpx.AsyncClient, kit: SimpleNamespace
) -> None:
    await kit.bulk(catalog, "team", [{"identifier": "t1"}])
    await catalog.delete("/v1/blueprints/team/all-entities")
    assert (await catalog.get("/v1/blueprints/team")).status_code == 200
    assert await kit.identifiers(catalog, "team") == []


async def test_patch_dropping_a_relation_forgets_its_links(
    catalog: httpx.AsyncClient, kit: SimpleNamespace
) -> None:
    await kit.bulk(
        catalog,
        "service",
        [{"identifier": "s1", "relations": {"team": "t1"}}],
        create_missing_related_entities=True,
    )
    related = {"operator": "relatedTo", "blueprint": "team", "value": "t1", "direction": "downstream"}
    query = {"combinator": "and", "rules": [related]}
    assert len((await catalog.post("/v1/entities/search", json=query)).json()["entities"]) == 1
    relations = {"dependsOn": kit.SERVICE["relations"]["dependsOn"]}
    assert (await catalog.patch("/v1/blueprints/service", json={"relations": relations})).status_code == 200
    assert (await catalog.post("/v1/entities/search", json=query)).json()["entities"] == []
