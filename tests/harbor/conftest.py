"""Fixtures of the harbor API tests.

Request/response checks drive the app in-process through ``httpx.ASGITransport`` (fast, same
ASGI stack as uvicorn); tests about the wire itself (persistence, concurrency, faults, the CLI,
the published client) use a real ``HarborServer``.

The suite runs with ``--import-mode=importlib``, so test modules cannot import a helper module by
name; helpers reach them through fixtures: ``kit`` (constants, client factories, request
helpers), ``api`` (an authenticated client on an empty harbor), ``catalog`` (``api`` with the
team / service / deployment blueprints).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from ocean_harbor.app import create_app

UA = "port-ocean/test-type/1.2.3/test-integration/exporter"
OTHER_UA = "port-ocean/test-type/1.2.3/other-integration/exporter"

TEAM = {
    "identifier": "team",
    "title": "Team",
    "schema": {"properties": {"name": {"type": "string"}}},
}
SERVICE = {
    "identifier": "service",
    "title": "Service",
    "schema": {
        "properties": {
            "url": {"type": "string", "format": "url"},
            "email": {"type": "string", "format": "email"},
            "stars": {"type": "number"},
            "private": {"type": "boolean"},
            "language": {"type": "string", "enum": ["python", "go", "rust"]},
            "tags": {"type": "array"},
            "meta": {"type": "object"},
            "lastPush": {"type": "string", "format": "date-time"},
            "description": {"type": "string"},
        },
        "required": [],
    },
    "relations": {
        "team": {"target": "team", "many": False, "required": False},
        "dependsOn": {"target": "service", "many": True, "required": False},
    },
}
DEPLOYMENT = {
    "identifier": "deployment",
    "title": "Deployment",
    "schema": {"properties": {"version": {"type": "string"}}, "required": ["version"]},
    "relations": {"service": {"target": "service", "many": False, "required": True}},
}


class Clock:
    """A hand-driven clock for token expiry (tests move time instead of waiting)."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def make_client(db: Path, clock: Clock | None = None, **kwargs: Any) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` on a fresh harbor app (credentials cid/secret).

    Use it in an ``async with`` block; the app's store is closed when the block ends.
    """
    secret = kwargs.pop("client_secret_override", "secret")
    app = create_app(db, client_id="cid", client_secret=secret, clock=clock or Clock(), **kwargs)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return _ClosingClient(app.state.store, transport=transport, base_url="http://harbor.test")


class _ClosingClient(httpx.AsyncClient):
    """Closes the harbor's store together with the client."""

    def __init__(self, store: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._store = store

    async def __aexit__(self, *exc_info: Any) -> None:
        await super().__aexit__(*exc_info)
        self._store.close()


async def authenticate(client: httpx.AsyncClient, user_agent: str = UA) -> httpx.AsyncClient:
    """Fetches a token and sets it (and an Ocean User-Agent) on the client."""
    response = await client.post("/v1/auth/access_token", json={"clientId": "cid", "clientSecret": "secret"})
    assert response.status_code == 200, response.text
    token = response.json()["accessToken"]
    client.headers.update({"Authorization": f"Bearer {token}", "User-Agent": user_agent})
    return client


async def bulk(
    client: httpx.AsyncClient, blueprint: str, entities: list[Any], **flags: Any
) -> httpx.Response:
    """POSTs a bulk upsert; flags become query parameters (``merge=True`` → ``merge=true``)."""
    params = {"upsert": "true", **{k: str(v).lower() for k, v in flags.items()}}
    return await client.post(
        f"/v1/blueprints/{blueprint}/entities/bulk", params=params, json={"entities": entities}
    )


async def identifiers(client: httpx.AsyncClient, blueprint: str) -> list[str]:
    """The identifiers of ``blueprint``'s entities, sorted."""
    response = await client.get(f"/v1/blueprints/{blueprint}/entities")
    assert response.status_code == 200, response.text
    return sorted(e["identifier"] for e in response.json()["entities"])


@pytest.fixture
def kit() -> SimpleNamespace:
    """The helpers above, for test modules."""
    return SimpleNamespace(
        UA=UA,
        OTHER_UA=OTHER_UA,
        TEAM=TEAM,
        SERVICE=SERVICE,
        DEPLOYMENT=DEPLOYMENT,
        Clock=Clock,
        make_client=make_client,
        authenticate=authenticate,
        bulk=bulk,
        identifiers=identifiers,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def api(tmp_path: Path, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    """An authenticated client on an empty harbor."""
    async with make_client(tmp_path / "harbor.db", clock) as client:
        yield await authenticate(client)


@pytest.fixture
async def catalog(api: httpx.AsyncClient) -> httpx.AsyncClient:
    """``api`` with the team / service / deployment blueprints created."""
    for blueprint in (TEAM, SERVICE, DEPLOYMENT):
        response = await api.post("/v1/blueprints", json=blueprint)
        assert response.status_code == 200, response.text
    return api
