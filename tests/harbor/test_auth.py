"""Client-credentials auth: tokens, expiry, and 401s in Port's JSON shape."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from ocean_harbor.auth import DEFAULT_TOKEN_TTL_SECONDS

CREDENTIALS = {"clientId": "cid", "clientSecret": "secret"}


async def token(client: httpx.AsyncClient) -> str:
    response = await client.post("/v1/auth/access_token", json=CREDENTIALS)
    assert response.status_code == 200, response.text
    return str(response.json()["accessToken"])


async def test_token_response_has_the_fields_the_client_requires(
    tmp_path: Path, kit: SimpleNamespace
) -> None:
    async with kit.make_client(tmp_path / "h.db") as client:
        body = (await client.post("/v1/auth/access_token", json=CREDENTIALS)).json()
    assert body["ok"] is True
    assert body["tokenType"] == "Bearer"
    assert body["expiresIn"] == DEFAULT_TOKEN_TTL_SECONDS
    assert body["accessToken"].count(".") == 2  # a JWT: the published client decodes it


@pytest.mark.parametrize(
    "credentials",
    [
        {"clientId": "cid", "clientSecret": "wrong"},
        {"clientId": "wrong", "clientSecret": "secret"},
        {"clientId": "cid"},
        {"clientId": 1, "clientSecret": ["secret"]},
        {},
    ],
)
async def test_bad_credentials_are_a_401_json(
    tmp_path: Path, kit: SimpleNamespace, credentials: dict[str, Any]
) -> None:
    async with kit.make_client(tmp_path / "h.db") as client:
        response = await client.post("/v1/auth/access_token", json=credentials)
    assert response.status_code == 401
    assert response.json()["ok"] is False
    assert response.json()["error"] == "unauthorized"
    assert "clientId" in response.json()["message"]


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer not-a-token", "Basic Y2lkOnNlY3JldA==", "Bearer a.b.c"],
)
async def test_api_calls_without_a_valid_token_are_refused(
    tmp_path: Path, kit: SimpleNamespace, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    async with kit.make_client(tmp_path / "h.db") as client:
        for method, path in [("GET", "/v1/organization"), ("POST", "/v1/blueprints"), ("GET", "/v1/nope")]:
            response = await client.request(method, path, headers=headers)
            assert response.status_code == 401, (method, path)
            assert response.json()["error"] == "unauthorized"


async def test_token_expires_after_its_lifetime(tmp_path: Path, kit: SimpleNamespace) -> None:
    clock = kit.Clock()
    async with kit.make_client(tmp_path / "h.db", clock, token_ttl_seconds=60) as client:
        headers = {"Authorization": f"Bearer {await token(client)}"}
        assert (await client.get("/v1/organization", headers=headers)).status_code == 200
        clock.now += 59
        assert (await client.get("/v1/organization", headers=headers)).status_code == 200
        clock.now += 1
        response = await client.get("/v1/organization", headers=headers)
        assert response.status_code == 401
        assert "expired" in response.json()["message"]
        fresh = {"Authorization": f"Bearer {await token(client)}"}
        assert (await client.get("/v1/organization", headers=fresh)).status_code == 200


async def test_token_of_another_harbor_is_refused(tmp_path: Path, kit: SimpleNamespace) -> None:
    async with kit.make_client(tmp_path / "a.db") as client:
        issued = await token(client)
    async with kit.make_client(tmp_path / "b.db", client_secret_override="other") as other:
        response = await other.get("/v1/organization", headers={"Authorization": f"Bearer {issued}"})
    assert response.status_code == 401
    assert "signature" in response.json()["message"]


async def test_token_stays_valid_across_a_restart(tmp_path: Path, kit: SimpleNamespace) -> None:
    clock = kit.Clock()
    async with kit.make_client(tmp_path / "h.db", clock) as client:
        issued = await token(client)
    async with kit.make_client(tmp_path / "h.db", clock) as restarted:
        response = await restarted.get("/v1/organization", headers={"Authorization": f"Bearer {issued}"})
    assert response.status_code == 200


async def test_ingest_urls_need_a_token_and_json(tmp_path: Path, kit: SimpleNamespace) -> None:
    async with kit.make_client(tmp_path / "h.db") as client:
        anonymous = await client.post("/ingest/logs/x", json={"logs": []})
        assert anonymous.status_code == 401 and anonymous.json()["error"] == "unauthorized"
        await kit.authenticate(client)
        as_text = await client.post(
            "/ingest/logs/x", content=b'{"logs": []}', headers={"Content-Type": "text/plain"}
        )
        assert as_text.status_code == 415 and "application/json" in as_text.json()["message"]
        assert (await client.post("/ingest/logs/x", json={"logs": []})).status_code == 200
        metrics = await client.post("/ingest/metrics/x/heartbeat", content=b"{}")  # no Content-Type
        assert metrics.status_code == 415
