"""The client against a real harbor over HTTP: the two sides of the wire agree.

Skipped until ``ocean_harbor.server`` exists (it is built by another part of the project).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocean_runtime.errors import PortAuthError
from ocean_runtime.port import PortClient

harbor_server = pytest.importorskip("ocean_harbor.server")
harbor_faults = pytest.importorskip("ocean_harbor.faults")

SERVICE_BLUEPRINT = {
    "identifier": "service",
    "title": "Service",
    "icon": "Service",
    "schema": {"properties": {"url": {"type": "string"}, "tier": {"type": "number"}}, "required": []},
}


class CountingTransport(httpx.AsyncBaseTransport):
    """The real network transport, remembering what went out."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.sent: list[tuple[str, str, int]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.method, request.url.path, len(request.content)))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
def harbor(tmp_path: Path) -> Iterator[Any]:
    server = harbor_server.HarborServer(tmp_path / "harbor.db", client_id="ci", client_secret="cs")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def client_for(harbor: Any, identifier: str = "my-service-catalog", **options: Any) -> PortClient:
    return PortClient(
        harbor.url,
        options.pop("client_id", harbor.client_id),
        options.pop("client_secret", harbor.client_secret),
        integration_identifier=identifier,
        integration_type="catalog",
        integration_version="0.1.0",
        **options,
    )


def services(count: int) -> list[dict[str, Any]]:
    return [
        {
            "identifier": f"svc-{n:02d}",
            "blueprint": "service",
            "title": f"Service {n}",
            "properties": {"url": f"https://svc-{n}.example.com", "tier": n % 3},
        }
        for n in range(count)
    ]


async def test_full_round_trip(harbor: Any) -> None:
    transport = CountingTransport()
    async with client_for(harbor, transport=transport) as port:
        assert await port.get_integration() is None
        await port.create_integration(
            {
                "installationId": "my-service-catalog",
                "installationAppType": "catalog",
                "version": "0.1.0",
                "changelogDestination": {},
                "config": {"resources": []},
            }
        )
        integration = await port.get_integration()
        assert integration is not None and integration["installationAppType"] == "catalog"

        assert await port.get_blueprint("service") is None
        await port.create_blueprint(SERVICE_BLUEPRINT)
        blueprint = await port.get_blueprint("service")
        assert blueprint is not None and "url" in blueprint["schema"]["properties"]

        before_upsert = datetime.now(UTC) - timedelta(seconds=1)
        outcomes = await port.upsert_entities("service", services(45), event_params={"event_type": "resync"})
        assert [o.ok for o in outcomes] == [True] * 45, [o.error for o in outcomes if not o.ok]
        assert [o.identifier for o in outcomes] == [f"svc-{n:02d}" for n in range(45)]
        bulks = [size for method, path, size in transport.sent if path.endswith("/entities/bulk")]
        assert len(bulks) == 3

        query = {
            "combinator": "and",
            "rules": [{"property": "$blueprint", "operator": "=", "value": "service"}],
        }
        found = await port.search_entities(query, ["identifier", "properties.url"])
        assert len(found) == 45
        assert found[0]["properties"]["url"].startswith("https://svc-")

        after_upsert = datetime.now(UTC) + timedelta(seconds=1)
        owned = [e async for page in port.iter_owned_entities(before=after_upsert) for e in page]
        assert sorted(e["identifier"] for e in owned) == [f"svc-{n:02d}" for n in range(45)]
        older = [e async for page in port.iter_owned_entities(before=before_upsert) for e in page]
        assert older == []

        deleted = await port.delete_entities(
            "service", [f"svc-{n:02d}" for n in range(10)], delete_dependents=True
        )
        assert sorted(deleted) == [f"svc-{n:02d}" for n in range(10)]
        remaining = [e async for page in port.iter_owned_entities() for e in page]
        assert len(remaining) == 35


async def test_ownership_is_per_installation(harbor: Any) -> None:
    async with client_for(harbor) as ours, client_for(harbor, "another-install") as theirs:
        await ours.create_blueprint(SERVICE_BLUEPRINT)
        await ours.upsert_entities("service", services(5))
        await theirs.upsert_entities("service", services(7)[5:])
        owned_by_us = [e["identifier"] async for page in ours.iter_owned_entities() for e in page]
        owned_by_them = [e["identifier"] async for page in theirs.iter_owned_entities() for e in page]
        query = {
            "combinator": "and",
            "rules": [{"property": "$blueprint", "operator": "=", "value": "service"}],
        }
        searched = await theirs.search_entities(query)
    assert sorted(owned_by_us) == [f"svc-{n:02d}" for n in range(5)]
    assert sorted(owned_by_them) == ["svc-05", "svc-06"]
    assert sorted(e["identifier"] for e in searched) == ["svc-05", "svc-06"]


async def test_bad_credentials_fail_fast(harbor: Any) -> None:
    async with client_for(harbor, client_secret="wrong") as port:
        with pytest.raises(PortAuthError, match="OCEAN__PORT__CLIENT_SECRET"):
            await port.get_integration()


async def test_throttled_harbor_still_gets_every_entity(tmp_path: Path) -> None:
    faults = harbor_faults.FaultConfig.from_json(
        {"rules": [{"method": "POST", "path": "/entities/bulk$", "status": 429, "retryAfter": 2, "every": 2}]}
    )
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    with harbor_server.HarborServer(tmp_path / "harbor.db", faults=faults) as harbor:
        async with client_for(harbor, sleep=record) as port:
            await port.create_blueprint(SERVICE_BLUEPRINT)
            outcomes = await port.upsert_entities("service", services(45))
            owned = [e async for page in port.iter_owned_entities() for e in page]
    assert all(o.ok for o in outcomes)
    assert len(owned) == 45
    # Each throttled request waits what Retry-After says; the others hold for the rest of that pause.
    assert 2.0 in waits and all(0 < wait <= 2.0 for wait in waits)


def keep_the_loop_busy(seconds: float) -> None:
    """Blocks the event loop, as mapping a big batch does: it sees no socket event meanwhile."""
    time.sleep(seconds)


async def test_idle_connections_the_harbor_closed_cost_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A server (or load balancer) that closes idle kept-alive connections quickly, and a client
    # too busy to notice: every request — plain POSTs and PATCHes included — must still be
    # sent once, on a live connection, with no warning ("Could not send raw examples … the
    # server closed a kept-alive connection" was one).
    server = harbor_server.HarborServer(
        tmp_path / "harbor.db", client_id="ci", client_secret="cs", keepalive_timeout=0.2
    )
    with server, caplog.at_level(logging.WARNING):
        async with client_for(server) as port:
            assert await port.get_integration() is None
            integration_body = {
                "installationId": "my-service-catalog",
                "installationAppType": "catalog",
                "version": "0.1.0",
                "config": {},
            }
            steps: list[Callable[[], Awaitable[Any]]] = [
                lambda: port.create_integration(integration_body),
                lambda: port.patch_integration({"version": "0.2.0"}),
                lambda: port.send_kind_examples("service", [{"name": "a"}]),
                lambda: port.create_blueprint(SERVICE_BLUEPRINT),
                lambda: port.upsert_entities("service", services(3)),
            ]
            for step in steps:
                keep_the_loop_busy(0.5)  # the harbor closes the idle connection meanwhile
                await step()
            integration = await port.get_integration()
            stored = await port.search_entities(
                {
                    "combinator": "and",
                    "rules": [{"property": "$blueprint", "operator": "=", "value": "service"}],
                },
                ["identifier"],
            )
    assert integration is not None and integration["version"] == "0.2.0"
    assert sorted(entity["identifier"] for entity in stored) == ["svc-00", "svc-01", "svc-02"]
    assert not [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
