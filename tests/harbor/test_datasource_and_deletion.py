"""What reconcile relies on: listing owned entities page by page (with ``before``), and bulk delete."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest

MINE = {"datasource_prefix": "port-ocean/test-type/", "datasource_suffix": "/test-integration/exporter"}
PATH = "/v1/blueprints/entities/datasource-entities"


async def owned(client: httpx.AsyncClient, **body: Any) -> list[str]:
    """Follows ``next`` to the end and returns (blueprint/identifier) in page order."""
    seen: list[str] = []
    cursor = None
    while True:
        request = {**MINE, **body, **({"from": cursor} if cursor else {})}
        page = (await client.post(PATH, json=request)).json()
        seen += [f"{e['blueprint']}/{e['identifier']}" for e in page["entities"]]
        cursor = page["next"]
        if cursor is None:
            return seen


async def test_datasource_entities_pages_through_exactly_what_the_client_owns(
    catalog: httpx.AsyncClient, kit: SimpleNamespace
) -> None:
    await kit.bulk(catalog, "team", [{"identifier": f"t{i}"} for i in range(3)])
    await kit.bulk(catalog, "service", [{"identifier": f"s{i}"} for i in range(4)])
    await catalog.post(
        "/v1/blueprints/team/entities/bulk",
        json={"entities": [{"identifier": "x1"}]},
        headers={"User-Agent": kit.OTHER_UA},
    )
    await catalog.post(
        "/v1/blueprints/team/entities/bulk",
        json={"entities": [{"identifier": "x2"}]},
        headers={"User-Agent": "curl/8.0"},
    )
    # a newer version of the same integration still owns them: the version is not part of the match
    first = (await catalog.post(PATH, json={**MINE, "limit": 3})).json()
    assert len(first["entities"]) == 3 and first["next"]
    expected = [f"service/s{i}" for i in range(4)] + [f"team/t{i}" for i in range(3)]
    assert await owned(catalog, limit=3) == expected
    assert await owned(catalog, limit=7) == expected
    assert await owned(catalog) == expected
    everyone = await owned(catalog, datasource_prefix="", datasource_suffix="")
    assert sorted(everyone) == sorted([*expected, "team/x1", "team/x2"])


async def test_before_keeps_only_entities_not_touched_since(
    catalog: httpx.AsyncClient, kit: SimpleNamespace
) -> None:
    await kit.bulk(catalog, "team", [{"identifier": f"t{i}"} for i in range(4)])
    first_write = (await catalog.get("/v1/blueprints/team/entities/t0")).json()["entity"]["updatedAt"]
    await kit.bulk(catalog, "team", [{"identifier": "t1"}, {"identifier": "t3"}])  # touched by "this resync"
    resync_start = (await catalog.get("/v1/blueprints/team/entities/t1")).json()["entity"]["updatedAt"]
    # the published client sends "+00:00" offsets, not "Z"
    before = resync_start.replace("Z", "+00:00")
    assert await owned(catalog, before=before) == ["team/t0", "team/t2"]
    assert await owned(catalog, before=first_write) == []  # strictly earlier


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({**MINE, "from": "not-a-cursor"}, "body/from"),
        ({**MINE, "limit": 0}, "body/limit"),
        ({**MINE, "limit": "5"}, "body/limit"),
        ({**MINE, "before": "yesterday"}, "body/before"),
        ({"datasource_prefix": 5}, "body/datasource_prefix"),
        ([MINE], "must be an object"),
    ],
)
async def test_bad_datasource_requests_are_422(api: httpx.AsyncClient, body: Any, fragment: str) -> None:
    response = await api.post(PATH, json=body)
    assert response.status_code == 422
    assert fragment in response.json()["message"]


@pytest.fixture
async def related(catalog: httpx.AsyncClient, kit: SimpleNamespace) -> httpx.AsyncClient:
    """t1 ← s1 (optional team) ← d1 (required service); s2 → t2; s1 → s2 (dependsOn)."""
    await kit.bulk(catalog, "team", [{"identifier": "t1"}, {"identifier": "t2"}])
    services = [
        {"identifier": "s2", "relations": {"team": "t2"}},
        {"identifier": "s1", "relations": {"team": "t1", "dependsOn": ["s2"]}},
    ]
    await kit.bulk(catalog, "service", services)
    await kit.bulk(
        catalog,
        "deployment",
        [{"identifier": "d1", "properties": {"version": "1"}, "relations": {"service": "s1"}}],
    )
    return catalog


def delete_path(blueprint: str, dependents: bool) -> str:
    return f"/v1/blueprints/{blueprint}/bulk/entities/delete?delete_dependents={str(dependents).lower()}"


async def test_bulk_delete_cascades_to_dependents(related: httpx.AsyncClient, kit: SimpleNamespace) -> None:
    response = await related.post(delete_path("team", True), json={"entities": ["t1", "ghost", "t1"]})
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["deletedEntities"] == ["t1"]
    assert {(d["blueprint"], d["identifier"]) for d in body["deletedDependents"]} == {
        ("service", "s1"),
        ("deployment", "d1"),
    }
    assert await kit.identifiers(related, "team") == ["t2"]
    assert await kit.identifiers(related, "service") == ["s2"]
    assert await kit.identifiers(related, "deployment") == []


async def test_bulk_delete_without_dependents_protects_required_relations(
    related: httpx.AsyncClient, kit: SimpleNamespace
) -> None:
    response = (await related.post(delete_path("service", False), json={"entities": ["s1", "s2"]})).json()
    # s1 is required by d1 → refused; s2 is only optionally referenced by s1 → deleted, s1 forgets it.
    assert response["deletedEntities"] == ["s2"]
    [refusal] = response["errors"]
    assert refusal["identifier"] == "s1" and "deployment/d1" in refusal["message"]
    s1 = (await related.get("/v1/blueprints/service/entities/s1")).json()["entity"]
    assert s1["relations"] == {"team": "t1", "dependsOn": []}
    response = (await related.post(delete_path("team", False), json={"entities": ["t1"]})).json()
    assert response["deletedEntities"] == ["t1"]
    s1 = (await related.get("/v1/blueprints/service/entities/s1")).json()["entity"]
    assert s1["relations"]["team"] is None
    assert await kit.identifiers(related, "deployment") == ["d1"]


async def test_deleting_the_dependent_together_with_its_target_is_allowed(related: httpx.AsyncClient) -> None:
    await related.post(delete_path("deployment", False), json={"entities": ["d1"]})
    response = (await related.post(delete_path("service", False), json={"entities": ["s1"]})).json()
    assert response["deletedEntities"] == ["s1"] and "errors" not in response


async def test_single_delete_of_a_required_target_is_409(related: httpx.AsyncClient) -> None:
    response = await related.delete("/v1/blueprints/service/entities/s1")
    assert response.status_code == 409 and response.json()["error"] == "has_dependents"
    cascade = await related.delete("/v1/blueprints/service/entities/s1", params={"delete_dependents": "true"})
    assert cascade.status_code == 200


@pytest.mark.parametrize("body", [{}, {"entities": "t1"}, {"entities": [1]}, ["t1"]])
async def test_bad_bulk_delete_bodies_are_422(related: httpx.AsyncClient, body: Any) -> None:
    response = await related.post(delete_path("team", True), json=body)
    assert response.status_code == 422
    assert response.json()["ok"] is False


async def test_listed_entities_are_whole_whether_spliced_or_parsed(
    catalog: httpx.AsyncClient, kit: SimpleNamespace
) -> None:
    # Columns are spliced into the answer unparsed, except a row mentioning NaN/Infinity.
    plain = {
        "identifier": "s1",
        "title": "One",
        "team": ["a"],
        "properties": {"url": "https://x", "stars": 3},
    }
    worded = {"identifier": "s2", "properties": {"description": "NaN and Infinity are words too"}}
    await kit.bulk(catalog, "service", [plain, worded], create_missing_related_entities=True)
    listed = (await catalog.post(PATH, json=MINE)).json()["entities"]
    searched = (
        await catalog.post(
            "/v1/entities/search",
            json={"rules": [{"property": "$blueprint", "operator": "=", "value": "service"}]},
        )
    ).json()["entities"]
    assert listed == searched  # the search answer parses the columns
    assert listed[0]["properties"] == {"url": "https://x", "stars": 3} and listed[0]["team"] == ["a"]
    assert listed[1]["properties"] == worded["properties"]
