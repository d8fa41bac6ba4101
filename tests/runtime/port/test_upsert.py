"""upsert_entities: chunks, per-entity outcomes, 413 fallback, and what must propagate."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from ocean_runtime.errors import PortAuthError, PortUnreachableError
from ocean_runtime.port import PortClient, RetryPolicy, UpsertOutcome

if TYPE_CHECKING:
    from tests.runtime.port.conftest import PortDouble, SleepRecorder

UPSERT_FLAGS = [
    ("upsert", "true"),
    ("merge", "true"),
    ("create_missing_related_entities", "true"),
    ("validation_only", "false"),
]


def services(count: int, **properties: Any) -> list[dict[str, Any]]:
    return [
        {
            "identifier": f"svc-{n}",
            "blueprint": "service",
            "title": f"Service {n}",
            "properties": dict(properties),
        }
        for n in range(count)
    ]


async def test_25_entities_go_out_as_20_and_5(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    entities = services(25)
    async with make_client() as client:
        outcomes = await client.upsert_entities("service", entities)
    bulks = port.calls("POST", "/v1/blueprints/service/entities/bulk")
    assert sorted(len(r.body["entities"]) for r in bulks) == [5, 20]
    assert outcomes == [UpsertOutcome(n, f"svc-{n}", True) for n in range(25)]
    assert len(port.entities) == 25


async def test_query_flags_user_agent_and_event_params(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    async with make_client() as client:
        await client.upsert_entities(
            "service",
            services(1),
            merge=False,
            create_missing_related_entities=False,
            event_params={"event_type": "resync", "ocean_info_resync_id": "r-1"},
        )
    (bulk,) = port.calls("POST", "/v1/blueprints/service/entities/bulk")
    assert bulk.params == [
        ("upsert", "true"),
        ("merge", "false"),
        ("create_missing_related_entities", "false"),
        ("validation_only", "false"),
        ("ocean_info_event_type", "resync"),
        ("ocean_info_resync_id", "r-1"),
    ]
    assert bulk.headers["User-Agent"] == "port-ocean/jira/1.2.3/my-jira/exporter"
    assert bulk.headers["Content-Type"] == "application/json"
    assert port.entities[("service", "svc-0")]["$datasource"] == "port-ocean/jira/1.2.3/my-jira/exporter"


async def test_large_entities_are_split_by_bytes(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    entities = services(12, blob="x" * 300_000)  # ~300 KB each: three fit under 1 MiB
    async with make_client() as client:
        outcomes = await client.upsert_entities("service", entities)
    bulks = port.calls("POST", "/v1/blueprints/service/entities/bulk")
    assert sorted(len(r.body["entities"]) for r in bulks) == [3, 3, 3, 3]
    assert all(len(json.dumps(r.body).encode()) <= 1024 * 1024 for r in bulks)
    assert all(outcome.ok for outcome in outcomes)


async def test_configured_batch_limits(port: PortDouble, make_client: Callable[..., PortClient]) -> None:
    async with make_client(max_batch_length=7) as client:
        await client.upsert_entities("service", services(15))
    assert sorted(len(r.body["entities"]) for r in port.calls("POST", "/v1/blueprints")) == [1, 7, 7]


async def test_per_entity_outcomes_in_input_order(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    port.add_entity("service", "payments", "someone", 0)
    entities = [
        {"identifier": "a", "properties": {}},
        {"identifier": "b", "properties": {"reject": True}},
        {
            "identifier": {
                "combinator": "and",
                "rules": [{"property": "$identifier", "operator": "=", "value": "payments"}],
            }
        },
        {
            "identifier": {
                "combinator": "and",
                "rules": [{"property": "$identifier", "operator": "=", "value": "nope"}],
            }
        },
    ]
    async with make_client() as client:
        a, b, resolved, unresolved = await client.upsert_entities("service", entities)
    assert a == UpsertOutcome(0, "a", True)
    assert (b.index, b.identifier, b.ok) == (1, "b", False)
    assert b.error == {"identifier": "b", "index": 1, "statusCode": 422, "error": "invalid_entity"}
    assert not b.unresolved_search_identifier
    assert resolved == UpsertOutcome(2, "payments", True)  # Port's resolved identifier
    assert (unresolved.ok, unresolved.identifier, unresolved.unresolved_search_identifier) == (
        False,
        None,
        True,
    )


async def test_an_index_port_does_not_mention_is_a_failure(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    answer = {"ok": True, "entities": [{"identifier": "svc-0", "index": 0}], "errors": []}
    port.fail_next("POST", "/v1/blueprints/service/entities/bulk", httpx.Response(200, json=answer))
    async with make_client() as client:
        first, second = await client.upsert_entities("service", services(2))
    assert first.ok
    assert not second.ok and second.error is not None
    assert second.error["error"] == "missing_result" and "#1" in second.error["message"]


async def test_an_unreadable_2xx_answer_fails_the_chunk(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    port.fail_next("POST", "/v1/blueprints/service/entities/bulk", httpx.Response(200, text="OK"))
    async with make_client() as client:
        outcomes = await client.upsert_entities("service", services(3))
    assert [o.ok for o in outcomes] == [False] * 3
    assert outcomes[0].error is not None and outcomes[0].error["error"] == "unreadable_answer"


async def test_413_resends_the_chunk_one_by_one(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    port.max_bulk_bytes = 5_000  # the double answers 413 above this; the client believes 1 MiB
    entities = services(3, blob="x" * 2_000)
    entities.append({"identifier": "huge", "properties": {"blob": "y" * 6_000}})
    async with make_client() as client:
        outcomes = await client.upsert_entities("service", entities)
    assert len(port.calls("POST", "/v1/blueprints/service/entities/bulk")) == 1
    singles = port.calls("POST", "/v1/blueprints/service/entities")
    singles = [r for r in singles if r.path == "/v1/blueprints/service/entities"]
    assert sorted(r.body["identifier"] for r in singles) == ["huge", "svc-0", "svc-1", "svc-2"]
    assert all(r.params == UPSERT_FLAGS for r in singles)
    assert all(r.headers["User-Agent"].endswith("/exporter") for r in singles)
    assert [o.ok for o in outcomes] == [True, True, True, False]
    assert outcomes[3].error is not None and outcomes[3].error["statusCode"] == 413


async def test_a_refused_chunk_fails_its_entities_only(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    refusal = httpx.Response(400, json={"ok": False, "error": "invalid_request", "message": "bad"})
    port.fail_next("POST", "/v1/blueprints/service/entities/bulk", refusal)
    async with make_client(max_concurrency=1) as client:
        outcomes = await client.upsert_entities("service", services(25))
    failed = [o for o in outcomes if not o.ok]
    assert [o.index for o in failed] == list(range(20))  # the first chunk went first (concurrency 1)
    assert failed[0].error == {"statusCode": 400, "ok": False, "error": "invalid_request", "message": "bad"}
    assert all(o.ok for o in outcomes[20:])


async def test_throttled_chunks_are_retried(
    port: PortDouble, make_client: Callable[..., PortClient], sleeps: SleepRecorder
) -> None:
    port.fail_next(
        "POST", "/v1/blueprints/service/entities/bulk", httpx.Response(429, headers={"Retry-After": "3"})
    )
    async with make_client() as client:
        outcomes = await client.upsert_entities("service", services(5))
    assert all(o.ok for o in outcomes)
    assert sleeps.waits == [3.0]


async def test_auth_failure_propagates(port: PortDouble, make_client: Callable[..., PortClient]) -> None:
    port.fail_next("POST", "/v1/auth/access_token", httpx.Response(401, json={"ok": False}))
    async with make_client() as client:
        with pytest.raises(PortAuthError):
            await client.upsert_entities("service", services(45))
    assert port.calls("POST", "/v1/blueprints") == []


async def test_unreachable_propagates_instead_of_becoming_outcomes(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    async with make_client(retry_policy=RetryPolicy(max_attempts=2), max_concurrency=1) as client:
        await client.get_organization()  # token in hand
        port.fail_next(
            "POST", "/v1/blueprints/service/entities/bulk", *(httpx.ConnectError("down") for _ in range(2))
        )
        with pytest.raises(PortUnreachableError):
            await client.upsert_entities("service", services(60))
    failed_chunk = port.calls("POST", "/v1/blueprints")[:2]
    assert failed_chunk[0].body == failed_chunk[1].body  # the same chunk, retried once


async def test_concurrency_is_bounded_by_the_client(port: PortDouble) -> None:
    in_flight = 0
    peak = 0
    inner = port.transport()

    class Slow(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            try:
                return await inner.handle_async_request(request)
            finally:
                in_flight -= 1

    async with PortClient(
        "http://port.test",
        port.client_id,
        port.client_secret,
        integration_identifier="my-jira",
        integration_type="jira",
        integration_version="1.2.3",
        transport=Slow(),
        max_concurrency=3,
    ) as client:
        outcomes = await asyncio.gather(
            client.upsert_entities("service", services(100)),
            client.upsert_entities("team", services(100)),
        )
    assert peak == 3
    assert all(o.ok for batch in outcomes for o in batch)
    assert len(port.calls("POST", "/v1/blueprints")) == 10


async def test_single_upsert_and_unserializable_entities(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    async with make_client() as client:
        single = await client.upsert_entity("service", {"identifier": "one", "properties": {}})
        outcomes = await client.upsert_entities(
            "service", [{"identifier": "ok"}, {"identifier": "bad", "properties": {"x": float("inf")}}]
        )
    assert single == UpsertOutcome(0, "one", True)
    assert outcomes[0].ok
    assert not outcomes[1].ok and outcomes[1].error is not None
    assert outcomes[1].error["error"] == "invalid_entity"


async def test_no_entities_no_requests(port: PortDouble, make_client: Callable[..., PortClient]) -> None:
    async with make_client() as client:
        assert await client.upsert_entities("service", []) == []
    assert port.requests == []
