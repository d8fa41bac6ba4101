"""The search rules language (one table of queries → matches), include/exclude, and bad queries."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest

SERVICES = [
    {
        "identifier": "s1",
        "title": "Checkout",
        "team": ["payments"],
        "properties": {
            "url": "https://checkout.example",
            "stars": 10,
            "private": True,
            "language": "python",
            "tags": ["web", "api"],
            "description": "handles checkout",
            "lastPush": "2024-01-10T00:00:00Z",
        },
        "relations": {"team": "t1", "dependsOn": ["s2"]},
    },
    {
        "identifier": "s2",
        "title": "Search",
        "properties": {"stars": 100, "private": False, "language": "go", "tags": [], "description": ""},
        "relations": {"team": "t2"},
    },
]
OTHER_SERVICE = {"identifier": "s3", "properties": {"stars": 1000, "language": "rust", "tags": ["api"]}}


@pytest.fixture
async def searchable(catalog: httpx.AsyncClient, kit: SimpleNamespace) -> httpx.AsyncClient:
    teams = [{"identifier": "t1", "properties": {"name": "Platform"}}, {"identifier": "t2", "properties": {}}]
    assert (await kit.bulk(catalog, "team", teams)).status_code == 200
    assert (await kit.bulk(catalog, "service", SERVICES[::-1])).status_code == 200  # s1 needs s2
    other = {"User-Agent": kit.OTHER_UA}
    response = await catalog.post(
        "/v1/blueprints/service/entities/bulk", json={"entities": [OTHER_SERVICE]}, headers=other
    )
    assert response.status_code == 200
    deployment = {"identifier": "d1", "properties": {"version": "1"}, "relations": {"service": "s1"}}
    assert (await kit.bulk(catalog, "deployment", [deployment])).status_code == 200
    return catalog


def rule(prop: str, operator: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    return {"property": prop, "operator": operator, "value": value, **extra}


def services(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"combinator": "and", "rules": [rule("$blueprint", "=", "service"), *rules]}


def any_of(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"combinator": "or", "rules": list(rules)}


QUERIES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("blueprint =", services(), ["s1", "s2", "s3"]),
    ("identifier in", any_of(rule("$identifier", "in", ["s1", "s3", "zz"])), ["s1", "s3"]),
    ("identifier notIn", services(rule("$identifier", "notIn", ["s1"])), ["s2", "s3"]),
    ("identifier in []", any_of(rule("$identifier", "in", [])), []),
    ("number >", services(rule("stars", ">", 50)), ["s2", "s3"]),
    ("number >=", services(rule("stars", ">=", 100)), ["s2", "s3"]),
    ("number <", services(rule("stars", "<", 100)), ["s1"]),
    ("number <=", services(rule("stars", "<=", 100)), ["s1", "s2"]),
    ("number between", services(rule("stars", "between", {"from": 10, "to": 100})), ["s1", "s2"]),
    ("number notBetween", services(rule("stars", "notBetween", {"from": 10, "to": 100})), ["s3"]),
    ("string !=", services(rule("language", "!=", "go")), ["s1", "s3"]),
    ("string = null", services(rule("description", "=", None)), ["s3"]),
    ("string != null", services(rule("description", "!=", None)), ["s1", "s2"]),
    ("boolean = true", services(rule("private", "=", True)), ["s1"]),
    ("boolean = false", services(rule("private", "=", False)), ["s2"]),
    ("isEmpty", services(rule("description", "isEmpty")), ["s2", "s3"]),
    ("isNotEmpty", services(rule("description", "isNotEmpty")), ["s1"]),
    ("array isEmpty", services(rule("tags", "isEmpty")), ["s2"]),
    ("array contains", services(rule("tags", "contains", "api")), ["s1", "s3"]),
    ("array containsAny", services(rule("tags", "containsAny", ["web", "x"])), ["s1"]),
    ("string contains", services(rule("description", "contains", "checkout")), ["s1"]),
    ("doesNotContains", services(rule("description", "doesNotContains", "checkout")), ["s2", "s3"]),
    ("title beginsWith", services(rule("$title", "beginsWith", "Ch")), ["s1"]),
    ("title endsWith", services(rule("$title", "endsWith", "rch")), ["s2"]),
    ("doesNotBeginsWith", services(rule("$title", "doesNotBeginsWith", "Ch")), ["s2", "s3"]),
    ("title isEmpty", services(rule("$title", "isEmpty")), ["s3"]),
    ("date-time property >", services(rule("lastPush", ">", "2024-01-01")), ["s1"]),
    ("team =", services(rule("$team", "=", "payments")), ["s1"]),
    ("team isEmpty", services(rule("$team", "isEmpty")), ["s2", "s3"]),
    ("datasource contains", services(rule("$datasource", "contains", "/other-integration/")), ["s3"]),
    (
        "datasource beginsWith",
        any_of(rule("$datasource", "beginsWith", "port-ocean/test-type/1.2.3/test-int")),
        ["d1", "s1", "s2", "t1", "t2"],
    ),
    ("relation =", any_of({"relation": "team", "operator": "=", "value": "t1"}), ["s1"]),
    ("relation as property", any_of(rule("team", "=", "t2")), ["s2"]),
    ("many relation in", any_of(rule("dependsOn", "in", ["s2", "x"])), ["s1"]),
    ("relation !=", services(rule("team", "!=", "t1")), ["s2", "s3"]),
    ("relation isEmpty", services(rule("team", "isEmpty")), ["s3"]),
    ("relation isNotEmpty", services(rule("team", "isNotEmpty")), ["s1", "s2"]),
    (
        "relatedTo downstream",
        any_of(rule("", "relatedTo", "t1", blueprint="team", direction="downstream")),
        ["d1", "s1"],
    ),
    (
        "relatedTo upstream",
        any_of(rule("", "relatedTo", "d1", blueprint="deployment", direction="upstream")),
        ["s1", "s2", "t1", "t2"],
    ),
    ("relatedTo both", any_of(rule("", "relatedTo", ["s2"], blueprint="service")), ["d1", "s1", "t2"]),
    ("or", any_of(rule("stars", ">", 500), rule("language", "=", "python")), ["s1", "s3"]),
    ("empty or", any_of(), []),
    ("empty and", {"combinator": "and", "rules": []}, ["d1", "s1", "s2", "s3", "t1", "t2"]),
    (
        "nested",
        services(
            any_of(
                {"combinator": "and", "rules": [rule("stars", ">", 5), rule("private", "=", False)]},
                rule("$identifier", "=", "s3"),
            )
        ),
        ["s2", "s3"],
    ),
    ("updatedAt >", services(rule("$updatedAt", ">", "2000-01-01T00:00:00Z")), ["s1", "s2", "s3"]),
    ("updatedAt <", services(rule("$updatedAt", "<", "2000-01-01T00:00:00+02:00")), []),
    ("createdAt preset", services(rule("$createdAt", "between", {"preset": "lastWeek"})), ["s1", "s2", "s3"]),
    (
        "updatedAt range",
        services(rule("$updatedAt", "between", {"from": "2000-01-01", "to": "2001-01-01"})),
        [],
    ),
]


@pytest.mark.parametrize(("name", "query", "expected"), QUERIES, ids=[q[0] for q in QUERIES])
async def test_rules(
    searchable: httpx.AsyncClient, name: str, query: dict[str, Any], expected: list[str]
) -> None:
    response = await searchable.post("/v1/entities/search", json=query)
    assert response.status_code == 200, response.text
    assert sorted(e["identifier"] for e in response.json()["entities"]) == expected


async def test_include_returns_exactly_the_included_fields(searchable: httpx.AsyncClient) -> None:
    query = services(rule("$identifier", "in", ["s1", "s3"]))
    params: list[tuple[str, str | int | float | bool | None]] = [
        ("include", f)
        for f in ("identifier", "blueprint", "title", "properties.stars", "properties.url", "relations.team")
    ]
    response = await searchable.post("/v1/entities/search", params=params, json=query)
    assert response.json()["entities"] == [
        {
            "identifier": "s1",
            "blueprint": "service",
            "title": "Checkout",
            "properties": {"stars": 10, "url": "https://checkout.example"},
            "relations": {"team": "t1"},
        },
        {"identifier": "s3", "blueprint": "service", "title": None, "properties": {"stars": 1000}},
    ]


async def test_exclude_drops_fields(searchable: httpx.AsyncClient) -> None:
    query = services(rule("$identifier", "=", "s1"))
    params: list[tuple[str, str | int | float | bool | None]] = [
        ("exclude", "properties.url"),
        ("exclude", "relations"),
        ("exclude", "$team"),
    ]
    [entity] = (await searchable.post("/v1/entities/search", params=params, json=query)).json()["entities"]
    assert "relations" not in entity and "team" not in entity and "url" not in entity["properties"]
    assert entity["properties"]["stars"] == 10 and entity["identifier"] == "s1"


BAD_QUERIES: list[tuple[Any, str]] = [
    ({"combinator": "xor", "rules": []}, "body.combinator"),
    ({"combinator": "and", "rules": "x"}, "body.rules must be an array"),
    (
        {"combinator": "and", "rules": [{"property": "stars", "value": 1}]},
        "body.rules[0].operator is required",
    ),
    ({"combinator": "and", "rules": [rule("stars", "~", 1)]}, "not a supported operator"),
    (
        {"combinator": "and", "rules": [rule("$blueprint", "=", "x"), rule("stars", "in", 5)]},
        "body.rules[1].value",
    ),
    ({"combinator": "and", "rules": [rule("$nope", "=", 1)]}, "not a known meta property"),
    ({"combinator": "and", "rules": [rule("stars", "between", 5)]}, "between"),
    ({"combinator": "and", "rules": [rule("$updatedAt", ">", "last tuesday")]}, "ISO-8601"),
    ({"combinator": "and", "rules": [rule("$updatedAt", "between", {"preset": "someday"})]}, "preset"),
    ({"combinator": "and", "rules": [rule("title", "beginsWith", 5)]}, "must be a string"),
    ({"combinator": "and", "rules": [rule("stars", "=", {"a": 1})]}, "must be a string, number or boolean"),
    ({"combinator": "and", "rules": [{"operator": "relatedTo", "value": "x"}]}, "relatedTo needs"),
    ({"combinator": "and", "rules": [{"operator": "=", "value": "x"}]}, "property is required"),
    ([1, 2], "must be a query object"),
]


@pytest.mark.parametrize(("query", "fragment"), BAD_QUERIES)
async def test_bad_queries_are_422_naming_the_rule(
    searchable: httpx.AsyncClient, query: Any, fragment: str
) -> None:
    response = await searchable.post("/v1/entities/search", json=query)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_request"
    assert fragment in response.json()["message"]


async def test_what_the_published_client_sends_for_diff_before_upsert(searchable: httpx.AsyncClient) -> None:
    query = {
        "combinator": "and",
        "rules": [
            {"property": "$identifier", "operator": "in", "value": ["s1", "s2", "s3"]},
            {"property": "$blueprint", "operator": "=", "value": "service"},
            {"property": "$datasource", "operator": "contains", "value": "port-ocean/test-type/"},
            {"property": "$datasource", "operator": "contains", "value": "/test-integration/exporter"},
        ],
    }
    params = {"exclude_calculated_properties": "true", "include": ["blueprint", "identifier"]}
    response = await searchable.post("/v1/entities/search", params=params, json=query)
    assert response.json()["entities"] == [
        {"blueprint": "service", "identifier": "s1"},
        {"blueprint": "service", "identifier": "s2"},
    ]
