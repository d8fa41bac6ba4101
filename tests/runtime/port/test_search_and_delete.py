"""Searches, owned-entity paging and bulk deletion."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from ocean_runtime.errors import PortAPIError
from ocean_runtime.port import PortClient

if TYPE_CHECKING:
    from tests.runtime.port.conftest import PortDouble

OURS = "port-ocean/jira/0.9.0/my-jira/exporter"  # an older version: still ours
OWNED_RULES = [
    {"property": "$datasource", "operator": "contains", "value": "port-ocean/jira/"},
    {"property": "$datasource", "operator": "contains", "value": "/my-jira/exporter"},
]


async def test_search_sends_include_params_and_owned_rules(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    port.add_entity("service", "a", OURS, 0)
    port.add_entity("service", "b", "port-ocean/jira/1.0/other-install/exporter", 0)
    query: dict[str, Any] = {
        "combinator": "and",
        "rules": [{"property": "$blueprint", "operator": "=", "value": "service"}],
    }
    async with make_client() as client:
        found = await client.search_entities(query, ["identifier", "properties.url"])
    assert [e["identifier"] for e in found] == ["a"]
    (search,) = port.calls("POST", "/v1/entities/search")
    assert search.params == [
        ("exclude_calculated_properties", "true"),
        ("include", "identifier"),
        ("include", "properties.url"),
    ]
    assert search.body["rules"] == query["rules"] + OWNED_RULES
    assert len(query["rules"]) == 1  # the caller's query is left alone
    assert search.headers["User-Agent"] == "port-ocean/jira/1.2.3/my-jira/exporter"


async def test_search_defaults_and_opt_outs(port: PortDouble, make_client: Callable[..., PortClient]) -> None:
    port.add_entity("service", "b", "someone-else", 0)
    query = {"combinator": "and", "rules": [{"property": "$identifier", "operator": "=", "value": "b"}]}
    empty: dict[str, Any] = {"combinator": "or", "rules": []}
    async with make_client() as client:
        assert await client.search_entities(query) == []
        assert [e["identifier"] for e in await client.search_entities(query, owned_only=False)] == ["b"]
        await client.search_entities(empty, include=[])
    first, second, third = port.calls("POST", "/v1/entities/search")
    assert first.params[1:] == [("include", "blueprint"), ("include", "identifier")]
    assert second.body == query
    assert third.body == empty  # no rules: nothing appended, as the reference does
    assert third.params == [("exclude_calculated_properties", "true")]


async def test_search_answer_without_entities_is_an_error(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    port.fail_next("POST", "/v1/entities/search", httpx.Response(200, json={"ok": True}))
    async with make_client() as client:
        with pytest.raises(PortAPIError, match="no 'entities'"):
            await client.search_entities({"combinator": "and", "rules": []})


async def test_owned_entities_are_paged_and_filtered(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    port.owned_page_size = 4
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for n in range(10):
        port.add_entity("service", f"old-{n}", OURS, start.timestamp() - 1)
    port.add_entity("service", "fresh", OURS, start.timestamp() + 5)
    port.add_entity("service", "foreign", "port-ocean/github/1/my-jira/exporter", 0)
    port.add_entity("service", "by-hand", "port-ocean/jira/1/my-jira", 0)  # not an exporter write
    port.fail_next(
        "POST", "/v1/blueprints/entities/datasource-entities", httpx.Response(503)
    )  # retried: the listing must be complete

    async with make_client() as client:
        pages = [page async for page in client.iter_owned_entities(before=start)]
        listed_all = [
            e["identifier"] for page in [p async for p in client.iter_owned_entities()] for e in page
        ]
    calls = port.calls("POST", "/v1/blueprints/entities/datasource-entities")
    first = calls[1]
    assert first.body == {
        "datasource_prefix": "port-ocean/jira/",
        "datasource_suffix": "/my-jira/exporter",
        "limit": 5000,
        "before": "2024-01-01T00:00:00+00:00",
    }
    assert first.headers["User-Agent"].endswith("/exporter")
    assert [c.body.get("from") for c in calls[1:4]] == [None, "4", "8"]
    assert [len(page) for page in pages] == [4, 4, 2]
    assert {e["identifier"] for page in pages for e in page} == {f"old-{n}" for n in range(10)}
    assert sorted(listed_all) == sorted([f"old-{n}" for n in range(10)] + ["fresh"])


def test_before_is_sent_as_utc_iso() -> None:
    from ocean_runtime.port.search import iso_utc

    assert iso_utc(datetime(2026, 11, 26, 22, 51, 3, 73530)) == "2026-11-26T22:51:03.073530+00:00"
    two_hours_east = timezone(timedelta(hours=2))
    assert iso_utc(datetime(2024, 1, 1, 2, 0, tzinfo=two_hours_east)) == "2024-01-01T00:00:00+00:00"


async def test_a_repeating_cursor_stops_with_an_error(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    page = httpx.Response(
        200, json={"ok": True, "entities": [{"identifier": "x", "blueprint": "b"}], "next": "c1"}
    )
    port.fail_next("POST", "/v1/blueprints/entities/datasource-entities", page, page)
    async with make_client() as client:
        with pytest.raises(PortAPIError, match="repeated"):
            [p async for p in client.iter_owned_entities()]


async def test_delete_in_chunks_of_100(port: PortDouble, make_client: Callable[..., PortClient]) -> None:
    for n in range(250):
        port.add_entity("service", f"s{n}", OURS, 0)
    identifiers = [f"s{n}" for n in range(250)] + ["s0", "never-existed"]
    async with make_client() as client:
        deleted = await client.delete_entities(
            "service", identifiers, delete_dependents=True, event_params={"event_type": "resync"}
        )
    calls = port.calls("POST", "/v1/blueprints/service/bulk/entities/delete")
    assert sorted(len(c.body["entities"]) for c in calls) == [51, 100, 100]
    assert all(
        c.params == [("delete_dependents", "true"), ("ocean_info_event_type", "resync")] for c in calls
    )
    assert all(c.headers["User-Agent"].endswith("/exporter") for c in calls)
    assert sorted(deleted) == sorted(f"s{n}" for n in range(250))  # not "never-existed"
    assert port.entities == {}


async def test_delete_reports_only_what_port_deleted(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    partial = httpx.Response(200, json={"ok": True, "deletedEntities": ["a"]})
    refused = httpx.Response(409, json={"ok": False, "error": "conflict"})
    port.fail_next("POST", "/v1/blueprints/service/bulk/entities/delete", partial, refused)
    async with make_client(max_concurrency=1) as client:
        deleted = await client.delete_entities("service", ["a", "b"], delete_dependents=False)
        nothing = await client.delete_entities("service", ["c"], delete_dependents=False)
    assert deleted == ["a"]
    assert nothing == []
    assert port.calls("POST")[-1].params == [("delete_dependents", "false")]
