"""Token authentication: one token per lifetime, refreshed on expiry and on 401, bad secrets fail fast."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import pytest

from ocean_runtime.errors import PortAPIError, PortAuthError
from ocean_runtime.port import PortClient

if TYPE_CHECKING:  # the double is reached through fixtures; conftest is not importable by name
    from tests.runtime.port.conftest import PortDouble, SleepRecorder


class Monotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_token_is_fetched_once_and_sent_on_every_call(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    async with make_client() as client:
        await client.get_organization()
        await client.get_organization()
        await asyncio.gather(*(client.get_organization() for _ in range(5)))
    assert port.tokens_issued == 1
    token_call = port.calls("POST", "/v1/auth/access_token")[0]
    assert token_call.body == {"clientId": "client-id", "clientSecret": port.client_secret}
    assert "Authorization" not in token_call.headers
    assert {r.headers["Authorization"] for r in port.calls("GET")} == {"Bearer token-1"}


async def test_token_is_refreshed_shortly_before_it_expires(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    port.expires_in = 3600  # safety margin: min(60 s, a tenth of the lifetime)
    clock = Monotonic()
    async with make_client(monotonic=clock) as client:
        await client.get_organization()
        clock.now += 3600 - 61
        await client.get_organization()
        assert port.tokens_issued == 1
        clock.now += 2
        await client.get_organization()
    assert port.tokens_issued == 2
    assert port.calls("GET")[-1].headers["Authorization"] == "Bearer token-2"


async def test_a_401_refreshes_the_token_once_and_resends(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    async with make_client() as client:
        await client.get_organization()
        port.revoke_tokens()
        await client.get_organization()
    assert port.tokens_issued == 2
    gets = port.calls("GET", "/v1/organization")
    assert [r.headers["Authorization"] for r in gets] == [
        "Bearer token-1",
        "Bearer token-1",
        "Bearer token-2",
    ]


async def test_a_401_on_a_patch_is_resent_once_with_its_body(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    async with make_client() as client:
        await client.create_integration({"installationId": "my-jira", "installationAppType": "jira"})
        port.revoke_tokens()
        integration = await client.patch_integration({"version": "1.2.4"})
    assert integration["version"] == "1.2.4"
    patches = port.calls("PATCH")
    assert len(patches) == 2 and patches[0].body == patches[1].body == {"version": "1.2.4"}


async def test_a_second_401_is_an_api_error_not_a_loop(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    port.fail_next("GET", "/v1/organization", *(httpx.Response(401, json={"ok": False}) for _ in range(2)))
    async with make_client() as client:
        with pytest.raises(PortAPIError) as caught:
            await client.get_organization()
    assert caught.value.status == 401
    assert len(port.calls("GET")) == 2
    assert port.tokens_issued == 2


@pytest.mark.parametrize("status", [401, 403])
async def test_bad_credentials_fail_at_once_with_the_settings_to_check(
    port: PortDouble, make_client: Callable[..., PortClient], sleeps: SleepRecorder, status: int
) -> None:
    port.fail_next(
        "POST", "/v1/auth/access_token", httpx.Response(status, json={"ok": False, "message": "bad secret"})
    )
    async with make_client() as client:
        with pytest.raises(PortAuthError) as caught:
            await client.get_organization()
    message = str(caught.value)
    assert "OCEAN__PORT__CLIENT_ID" in message and "OCEAN__PORT__CLIENT_SECRET" in message
    assert "bad secret" in message and "http://port.test" in message
    assert port.client_secret not in message
    assert len(port.requests) == 1 and sleeps.waits == []


async def test_wrong_secret_against_the_double(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    async with make_client(client_id="someone-else") as client:
        with pytest.raises(PortAuthError, match="Invalid client id or secret"):
            await client.get_integration()
    assert len(port.requests) == 1


async def test_token_request_is_retried_on_throttling(
    port: PortDouble, make_client: Callable[..., PortClient], sleeps: SleepRecorder
) -> None:
    port.fail_next("POST", "/v1/auth/access_token", httpx.Response(429, headers={"Retry-After": "2"}))
    async with make_client() as client:
        await client.get_organization()
    assert sleeps.waits == [2.0]
    assert port.tokens_issued == 1


async def test_token_endpoint_other_error_is_an_api_error(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    port.fail_next("POST", "/v1/auth/access_token", httpx.Response(500, text="<html>oops</html>"))
    async with make_client() as client:
        with pytest.raises(PortAPIError) as caught:
            await client.get_organization()
    assert caught.value.status == 500 and caught.value.body == "<html>oops</html>"


async def test_a_token_answer_without_token_says_so(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    port.fail_next("POST", "/v1/auth/access_token", httpx.Response(200, json={"hello": "world"}))
    async with make_client() as client:
        with pytest.raises(PortAPIError, match="no 'accessToken'"):
            await client.get_organization()


async def test_secrets_and_tokens_are_never_logged(
    port: PortDouble, make_client: Callable[..., PortClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    port.fail_next("POST", "/v1/auth/access_token", httpx.Response(503))
    async with make_client() as client:
        await client.get_organization()
        port.revoke_tokens()
        await client.get_organization()
        await client.get_blueprint("missing")
    assert caplog.records, "expected retry/refresh log lines"
    assert port.client_secret not in caplog.text
    assert "token-1" not in caplog.text and "token-2" not in caplog.text
