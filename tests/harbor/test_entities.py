"""Entity upserts: per-entity validation, Port's limits, merge, related entities, search identifiers."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from urllib.parse import quote_plus

import httpx
import pytest


async def test_bulk_upsert_reports_every_entity(catalog: httpx.AsyncClient, kit: SimpleNamespace) -> None:
    entities = [{"identifier": "s1", "title": "One", "properties": {"stars": 1}}, {"identifier": "s2"}]
    response = await kit.bulk(catalog, "service", entities)
    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "entities": [
            {"identifier": "s1", "index": 0, "created": True},
            {"identifier": "s2", "index": 1, "created": True},
        ],
        "errors": [],
    }
    again = await kit.bulk(catalog, "service", entities[:1])
    assert again.json()["entities"] == [{"identifier": "s1", "index": 0, "created": False}]


INVALID: list[tuple[Any, int, str, str]] = [
    ({"identifier": "x", "properties": {"stars": "many"}}, 422, "schema_mismatch", "properties.stars"),
    ({"identifier": "x", "properties": {"url": "not a url"}}, 422, "schema_mismatch", "properties.url"),
    ({"identifier": "x", "properties": {"email": "nobody"}}, 422, "schema_mismatch", "properties.email"),
    (
        {"identifier": "x", "properties": {"lastPush": "yesterday"}},
        422,
        "schema_mismatch",
        "properties.lastPush",
    ),
    ({"identifier": "x", "properties": {"language": "cobol"}}, 422, "schema_mismatch", "properties.language"),
    ({"identifier": "x", "properties": {"tags": "a"}}, 422, "schema_mismatch", "properties.tags"),
    ({"identifier": "x", "properties": {"meta": []}}, 422, "schema_mismatch", "properties.meta"),
    ({"identifier": "x", "properties": {"private": "yes"}}, 422, "schema_mismatch", "properties.private"),
    ({"identifier": "x", "properties": {"nope": 1}}, 422, "schema_mismatch", "has no property 'nope'"),
    ({"identifier": "x", "relations": {"nope": "a"}}, 422, "schema_mismatch", "has no relation 'nope'"),
    ({"identifier": "x", "relations": {"team": ["a", "b"]}}, 422, "schema_mismatch", "relations.team"),
    ({"identifier": "x", "relations": {"dependsOn": "a"}}, 422, "schema_mismatch", "relations.dependsOn"),
    (
        {"identifier": "x", "properties": []},
        422,
        "invalid_request",
        "properties and relations must be objects",
    ),
    ({"identifier": "x", "title": 5}, 422, "invalid_request", "title"),
    ({"identifier": "x", "team": 5}, 422, "invalid_request", "team"),
    ({"identifier": "x", "blueprint": "team"}, 422, "invalid_request", "differs"),
    ({"identifier": "has space"}, 422, "invalid_request", "identifier must be"),
    ({"identifier": 7}, 422, "invalid_request", "identifier must be"),
    ({"title": "no identifier"}, 422, "invalid_request", "identifier must be"),
    ("not-an-object", 422, "invalid_request", "must be an object"),
]


@pytest.mark.parametrize(("entity", "status", "error", "fragment"), INVALID)
async def test_invalid_entities_fail_alone_with_ports_error_shape(
    catalog: httpx.AsyncClient, kit: SimpleNamespace, entity: Any, status: int, error: str, fragment: str
) -> None:
    response = await kit.bulk(catalog, "service", [{"identifier": "ok"}, entity])
    assert response.status_code == 207
    body = response.json()
    assert body["entities"] == [{"identifier": "ok", "index": 0, "created": True}]
    [failure] = body["errors"]
    assert (failure["index"], failure["statusCode"], failure["error"]) == (1, status, error)
    assert fragment in failure["message"]
    expected_id = (
        entity["identifier"]
        if isinstance(entity, dict) and isinstance(entity.get("identifier"), str)
        else "unknown"
    )
    assert failure["identifier"] == expected_id
    assert await kit.identifiers(catalog, "service") == ["ok"]


async def test_nulls_are_allowed_for_optional_properties(
    catalog: httpx.AsyncClient, kit: SimpleNamespace
) -> None:
    entity = {
        "identifier": "s",
        "properties": {"description": None, "language": None},
        "relations": {"team": None},
    }
    assert (await kit.bulk(catalog, "service", [entity])).status_code == 200


@pytest.mark.parametrize(
    ("entity", "fragment"),
    [
        ({"identifier": "d", "relations": {"service": "s"}}, "properties.version"),
        (
            {"identifier": "d", "properties": {"version": None}, "relations": {"service": "s"}},
            "properties.version",
        ),
        ({"identifier": "d", "properties": {"version": "1"}}, "relations.service"),
    ],
)
async def test_required_properties_and_relations(
    catalog: httpx.AsyncClient, kit: SimpleNamespace, entity: dict[str, Any], fragment: str
) -> None:
    await kit.bulk(catalog, "service", [{"identifier": "s"}])
    [failure] = (await kit.bulk(catalog, "deployment", [entity])).json()["errors"]
    assert fragment in failure["message"] and "required" in failure["message"]


async def test_more_than_20_entities_is_refused_whole(
    catalog: httpx.AsyncClient, kit: SimpleNamespace
) -> None:
    assert (await kit.bulk(catalog, "team", [{"identifier": f"t{i}"} for i in range(20)])).status_code == 200
    response = await kit.bulk(catalog, "team", [{"identifier": f"u{i}"} for i in range(21)])
    assert response.status_code == 422
    assert response.json()["ok"] is False and "20" in response.json()["message"]
    assert len(await kit.identifiers(catalog, "team")) == 20


async def test_one_mebibyte_is_the_body_limit(catalog: httpx.AsyncClient, kit: SimpleNamespace) -> None:
    filler = "x" * 50_000  # 20 x ~50 KB: just under 1 MiB of entities
    fits = [{"identifier": f"s{i}", "properties": {"description": filler}} for i in range(20)]
    assert (await kit.bulk(catalog, "service", fits)).status_code == 200
    too_big = [
        {"identifier": f"b{i}", "properties": {"description": filler + "x" * 5_000}} for i in range(20)
    ]
    response = await kit.bulk(catalog, "service", too_big)
    assert response.status_code == 413
    assert response.json()["error"] == "request_entity_too_large"
    single = await catalog.post(
        "/v1/blueprints/service/entities",
        json={"identifier": "huge", "properties": {"description": "x" * 1_100_000}},
    )
    assert single.status_code == 413
    assert len(await kit.identifiers(catalog, "service")) == 20


async def test_unknown_blueprint_is_404(catalog: httpx.AsyncClient, kit: SimpleNamespace) -> None:
    for response in (
        await kit.bulk(catalog, "ghost", [{"identifier": "a"}]),
        await catalog.post("/v1/blueprints/ghost/entities", json={"identifier": "a"}),
        await catalog.get("/v1/blueprints/ghost/entities"),
        await catalog.post("/v1/blueprints/ghost/bulk/entities/delete", json={"entities": ["a"]}),
    ):
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"


async def test_single_upsert_returns_the_stored_entity(
    catalog: httpx.AsyncClient, kit: SimpleNamespace
) -> None:
    body = {"identifier": "s1", "title": "S", "team": "platform", "properties": {"stars": 3}}
    created = await catalog.post("/v1/blueprints/service/entities", params={"upsert": "true"}, json=body)
    assert created.status_code == 201
    entity = created.json()["entity"]
    assert (entity["identifier"], entity["blueprint"], entity["team"]) == ("s1", "service", ["platform"])
    assert entity["properties"] == {"stars": 3} and entity["createdAt"] == entity["updatedAt"]
    updated = await catalog.post("/v1/blueprints/service/entities", params={"upsert": "true"}, json=body)
    assert updated.status_code == 200
    failing = await catalog.post(
        "/v1/blueprints/service/entities", json={"identifier": "s2", "properties": {"stars": "x"}}
    )
    assert failing.status_code == 422 and failing.json()["error"] == "schema_mismatch"


async def test_upsert_false_refuses_an_existing_entity(
    catalog: httpx.AsyncClient, kit: SimpleNamespace
) -> None:
    await kit.bulk(catalog, "team", [{"identifier": "t1"}])
    response = await catalog.post(
        "/v1/blueprints/team/entities", params={"upsert": "false"}, json={"identifier": "t1"}
    )
    assert response.status_code == 409


async def test_merge_keeps_what_was_not_sent(catalog: httpx.AsyncClient, kit: SimpleNamespace) -> None:
    first = {
        "identifier": "s",
        "title": "S",
        "properties": {"stars": 1, "language": "go"},
        "relations": {"dependsOn": []},
    }
    await kit.bulk(catalog, "service", [first])
    await kit.bulk(catalog, "service", [{"identifier": "s", "properties": {"stars": 2}}], merge=True)
    [entity] = (await catalog.get("/v1/blueprints/service/entities")).json()["entities"]
    assert entity["title"] == "S"
    assert entity["properties"] == {"stars": 2, "language": "go"}
    assert entity["relations"] == {"dependsOn": []}
    await kit.bulk(catalog, "service", [{"identifier": "s", "properties": {"private": True}}], merge=False)
    [entity] = (await catalog.get("/v1/blueprints/service/entities")).json()["entities"]
    assert entity["title"] is None and entity["properties"] == {"private": True} and entity["relations"] == {}


async def test_merge_validates_the_merged_entity(catalog: httpx.AsyncClient, kit: SimpleNamespace) -> None:
    await kit.bulk(catalog, "service", [{"identifier": "s"}])
    await kit.bulk(
        catalog,
        "deployment",
        [{"identifier": "d", "properties": {"version": "1"}, "relations": {"service": "s"}}],
    )
    # version is required: a merge that does not resend it still passes, a replace does not.
    ok = await kit.bulk(catalog, "deployment", [{"identifier": "d", "title": "D"}], merge=True)
    assert ok.status_code == 200
    refused = await kit.bulk(catalog, "deployment", [{"identifier": "d", "title": "D"}], merge=False)
    assert refused.status_code == 207


async def test_missing_related_entities(catalog: httpx.AsyncClient, kit: SimpleNamespace) -> None:
    entity = {"identifier": "s1", "relations": {"team": "t-new", "dependsOn": ["s-new"]}}
    refused = (await kit.bulk(catalog, "service", [entity], create_missing_related_entities=False)).json()
    [failure] = refused["errors"]
    assert (failure["statusCode"], failure["error"]) == (404, "not_found")
    assert "team/t-new" in failure["message"] and "service/s-new" in failure["message"]
    assert await kit.identifiers(catalog, "service") == []

    created = await kit.bulk(catalog, "service", [entity], create_missing_related_entities=True)
    assert created.status_code == 200
    assert await kit.identifiers(catalog, "team") == ["t-new"]
    assert await kit.identifiers(catalog, "service") == ["s-new", "s1"]
    owned = await catalog.post(
        "/v1/blueprints/entities/datasource-entities",
        json={"datasource_prefix": "port-ocean/", "datasource_suffix": "/exporter"},
    )
    # Placeholders belong to nobody, so no integration's reconcile deletes them.
    assert [e["identifier"] for e in owned.json()["entities"]] == ["s1"]


async def test_self_reference_needs_no_placeholder(catalog: httpx.AsyncClient, kit: SimpleNamespace) -> None:
    entity = {"identifier": "s1", "relations": {"dependsOn": ["s1"]}}
    assert (await kit.bulk(catalog, "service", [entity])).status_code == 200


async def test_search_identifier_and_search_relation(
    catalog: httpx.AsyncClient, kit: SimpleNamespace
) -> None:
    await kit.bulk(catalog, "team", [{"identifier": "t1", "properties": {"name": "Platform"}}])
    await kit.bulk(catalog, "service", [{"identifier": "s1", "properties": {"url": "https://s1.example"}}])
    by_url = {
        "combinator": "and",
        "rules": [{"property": "url", "operator": "=", "value": "https://s1.example"}],
    }
    by_name = {"combinator": "and", "rules": [{"property": "name", "operator": "=", "value": "Platform"}]}
    update = {"identifier": by_url, "properties": {"stars": 9}, "relations": {"team": by_name}}
    response = await kit.bulk(catalog, "service", [update], merge=True)
    assert response.json()["entities"] == [{"identifier": "s1", "index": 0, "created": False}]
    [entity] = (await catalog.get("/v1/blueprints/service/entities")).json()["entities"]
    assert entity["properties"]["stars"] == 9 and entity["relations"]["team"] == "t1"

    single = await catalog.post(
        "/v1/blueprints/service/entities",
        params={"merge": "true"},
        json={"identifier": by_url, "title": "found"},
    )
    assert single.json()["entity"]["identifier"] == "s1"

    nowhere = {"combinator": "and", "rules": [{"property": "url", "operator": "=", "value": "https://none"}]}
    [failure] = (await kit.bulk(catalog, "service", [{"identifier": nowhere}])).json()["errors"]
    assert failure["identifier"] == "unknown" and failure["statusCode"] == 404
    [failure] = (
        await kit.bulk(catalog, "service", [{"identifier": "s2", "relations": {"team": nowhere}}])
    ).json()["errors"]
    assert failure["identifier"] == "s2" and "relations.team" in failure["message"]
    bad_rule = {"combinator": "and", "rules": [{"property": "url", "operator": "~~", "value": 1}]}
    [failure] = (await kit.bulk(catalog, "service", [{"identifier": bad_rule}])).json()["errors"]
    assert failure["statusCode"] == 422 and "operator" in failure["message"]


async def test_validation_only_writes_nothing(catalog: httpx.AsyncClient, kit: SimpleNamespace) -> None:
    entities = [{"identifier": "s1"}, {"identifier": "s2", "properties": {"stars": "x"}}]
    response = await kit.bulk(catalog, "service", entities, validation_only=True)
    assert response.status_code == 207
    assert [e["identifier"] for e in response.json()["entities"]] == ["s1"]
    assert await kit.identifiers(catalog, "service") == []


async def test_writer_becomes_datasource_and_updated_at_moves(
    catalog: httpx.AsyncClient, kit: SimpleNamespace
) -> None:
    await kit.bulk(catalog, "team", [{"identifier": "t1"}])
    first = (await catalog.get("/v1/blueprints/team/entities/t1")).json()["entity"]
    await catalog.post(
        "/v1/blueprints/team/entities/bulk",
        json={"entities": [{"identifier": "t1"}]},
        headers={"User-Agent": kit.OTHER_UA},
    )
    second = (await catalog.get("/v1/blueprints/team/entities/t1")).json()["entity"]
    assert second["updatedAt"] > first["updatedAt"] and second["createdAt"] == first["createdAt"]
    mine = {"datasource_prefix": "port-ocean/test-type/", "datasource_suffix": "/test-integration/exporter"}
    theirs = {
        "datasource_prefix": "port-ocean/test-type/",
        "datasource_suffix": "/other-integration/exporter",
    }
    assert (await catalog.post("/v1/blueprints/entities/datasource-entities", json=mine)).json()[
        "entities"
    ] == []
    owned = (await catalog.post("/v1/blueprints/entities/datasource-entities", json=theirs)).json()[
        "entities"
    ]
    assert [e["identifier"] for e in owned] == ["t1"]


async def test_get_and_delete_single_entity_with_encoded_identifier(
    catalog: httpx.AsyncClient, kit: SimpleNamespace
) -> None:
    identifier = "org/repo+1:main"
    await kit.bulk(catalog, "team", [{"identifier": identifier}, {"identifier": "other"}])
    path = f"/v1/blueprints/team/entities/{quote_plus(identifier)}"
    assert (await catalog.get(path)).json()["entity"]["identifier"] == identifier
    assert (await catalog.delete(path)).json() == {"ok": True}
    assert (await catalog.get(path)).status_code == 404
    assert (await catalog.delete(path)).status_code == 404
    assert await kit.identifiers(catalog, "team") == ["other"]
