"""Auth schemes and the client factory: credentials on the wire, OAuth2 refresh, routing."""

from __future__ import annotations

import base64
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from ocean_runtime import UserInputError
from ocean_runtime.app import load_integration
from ocean_runtime.http import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    OAuth2ClientCredentials,
    client,
    current_override,
    use_http,
)
from ocean_runtime.testing import FakeAPI, FakeClock, UnmatchedRequestError

BASE = "https://api.example.com"


async def fetch(api: FakeAPI, **options: object) -> httpx.Request:
    api.get("/me", json={"ok": True})
    with use_http(transport=api.transport, clock=FakeClock()):
        async with client(BASE, **options) as http:  # type: ignore[arg-type]
            (await http.get("/me")).raise_for_status()
    return api.requests[-1]


async def test_bearer_and_basic_headers() -> None:
    bearer = await fetch(FakeAPI(BASE), auth=BearerAuth("t0k"))
    basic = await fetch(FakeAPI(BASE), auth=BasicAuth("ada@example.com", "secret"))

    assert bearer.headers["Authorization"] == "Bearer t0k"
    assert basic.headers["Authorization"] == "Basic " + base64.b64encode(b"ada@example.com:secret").decode()


async def test_api_key_in_a_header_or_the_query() -> None:
    header = await fetch(FakeAPI(BASE), auth=ApiKeyAuth("k1", header="X-Api-Token"))
    query = await fetch(FakeAPI(BASE), auth=ApiKeyAuth("k2", query="api_key"))

    assert header.headers["X-Api-Token"] == "k1"
    assert query.url.params["api_key"] == "k2" and "X-API-Key" not in query.headers


class TokenServer:
    """An OAuth2 token endpoint handing out token-1, token-2, …"""

    def __init__(self, expires_in: int = 3600) -> None:
        self.issued = 0
        self.forms: list[dict[str, list[str]]] = []
        self.expires_in = expires_in

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.forms.append(parse_qs(request.content.decode()))
        self.issued += 1
        return httpx.Response(
            200,
            json={
                "access_token": f"token-{self.issued}",
                "token_type": "bearer",
                "expires_in": self.expires_in,
            },
        )


async def test_oauth2_fetches_once_caches_and_refreshes_on_401() -> None:
    api = FakeAPI(BASE)
    tokens = TokenServer()
    api.post("https://auth.example.com/oauth/token", handler=tokens)
    valid = {"Bearer token-1"}

    def me(request: httpx.Request) -> httpx.Response:
        ok = request.headers["Authorization"] in valid
        return httpx.Response(200 if ok else 401, json={"who": request.headers["Authorization"]})

    api.get("/me", handler=me)
    auth = OAuth2ClientCredentials(
        "https://auth.example.com/oauth/token", "my-id", "my-secret", scope="read", extra={"audience": "api"}
    )
    with use_http(transport=api.transport, clock=FakeClock()):
        async with client(BASE, auth=auth) as http:
            first = await http.get("/me")
            second = await http.get("/me")
            valid.clear()
            valid.add("Bearer token-2")  # the provider revoked token-1
            third = await http.get("/me")

    assert [r.json()["who"] for r in (first, second, third)] == ["Bearer token-1"] * 2 + ["Bearer token-2"]
    assert tokens.issued == 2
    assert tokens.forms[0] == {
        "grant_type": ["client_credentials"],
        "audience": ["api"],
        "scope": ["read"],
        "client_id": ["my-id"],
        "client_secret": ["my-secret"],
    }
    assert "my-secret" not in repr(auth)


async def test_oauth2_refreshes_an_expired_token_before_sending() -> None:
    api = FakeAPI(BASE)
    tokens = TokenServer(expires_in=100)
    api.post("https://auth.example.com/token", handler=tokens)
    api.get("/me", json={})
    now = [0.0]
    auth = OAuth2ClientCredentials(
        "https://auth.example.com/token", "id", "s", basic=True, clock=lambda: now[0]
    )
    with use_http(transport=api.transport, clock=FakeClock()):
        async with client(BASE, auth=auth) as http:
            await http.get("/me")
            now[0] = 95.0  # inside the safety margin before expiry
            await http.get("/me")

    assert tokens.issued == 2
    token_request = api.calls("POST", "/token")[0]
    assert token_request.headers["Authorization"] == "Basic " + base64.b64encode(b"id:s").decode()
    assert [r.headers["Authorization"] for r in api.calls("GET", "/me")] == [
        "Bearer token-1",
        "Bearer token-2",
    ]


async def test_oauth2_refused_credentials_are_a_clear_error() -> None:
    api = FakeAPI(BASE)
    api.post("https://auth.example.com/token", status=401, json={"error": "invalid_client"})
    auth = OAuth2ClientCredentials("https://auth.example.com/token", "id", "wrong")
    with use_http(transport=api.transport, clock=FakeClock()), pytest.raises(UserInputError) as caught:
        async with client(BASE, auth=auth) as http:
            await http.get("/me")

    message = str(caught.value)
    assert "401" in message and "invalid_client" in message and "client secret" in message
    assert "wrong" not in message


async def test_override_routes_clients_created_before_it_and_is_gone_after() -> None:
    api = FakeAPI(BASE)
    api.get("/me", json={"fake": True})
    http = client(BASE, transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"fake": False})))
    async with http:
        with use_http(transport=api.transport):
            assert current_override() is not None
            inside = (await http.get("/me")).json()
        outside = (await http.get("/me")).json()

    assert inside == {"fake": True} and outside == {"fake": False}
    assert current_override() is None


async def test_an_unrouted_request_fails_loudly_naming_the_routes() -> None:
    api = FakeAPI(BASE)
    api.get("/known", json={})
    with (
        use_http(transport=api.transport),
        pytest.raises(UnmatchedRequestError, match="GET api.example.com/known"),
    ):
        async with client(BASE) as http:
            await http.get("/unknown")


async def test_timeout_comes_from_the_running_integration(tmp_path: Path) -> None:
    (tmp_path / ".port").mkdir()
    (tmp_path / ".port/spec.yaml").write_text("type: probe\n")
    (tmp_path / "main.py").write_text("")
    app = load_integration(
        tmp_path, environ={"OCEAN__CLIENT_TIMEOUT": "7", "OCEAN__INTEGRATION__TYPE": "probe"}
    )

    with app.activated():
        inside = client(BASE)
    outside = client(BASE)

    assert inside.timeout.read == 7 and outside.timeout.read == 60
    await inside.aclose()
    await outside.aclose()
