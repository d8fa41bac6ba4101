"""PortClient: the integration and blueprint calls, User-Agent, and how failures surface."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import pytest

from ocean_runtime.errors import PortAPIError, PortUnreachableError, UserInputError
from ocean_runtime.port import PortClient, RetryPolicy

if TYPE_CHECKING:
    from tests.runtime.port.conftest import PortDouble, SleepRecorder

UA = "port-ocean/jira/1.2.3/my-jira"
UA_EXPORTER = UA + "/exporter"


async def test_integration_lifecycle(port: PortDouble, make_client: Callable[..., PortClient]) -> None:
    async with make_client() as client:
        assert await client.get_integration() is None
        created = await client.create_integration(
            {"installationId": "my-jira", "installationAppType": "jira", "version": "1.2.3", "config": {}}
        )
        assert created["installationAppType"] == "jira"
        await client.patch_integration({"arePortResourcesInitialized": True, "version": "1.2.3"})
        state = await client.update_resync_state({"status": "running", "lastResyncEnd": None})
        integration = await client.get_integration()
    assert state["resyncState"]["status"] == "running"
    assert integration is not None and integration["arePortResourcesInitialized"] is True
    assert [(r.method, r.path) for r in port.requests[1:]] == [
        ("GET", "/v1/integration/my-jira"),
        ("POST", "/v1/integration"),
        ("PATCH", "/v1/integration/my-jira"),
        ("PATCH", "/v1/integration/my-jira/resync-state"),
        ("GET", "/v1/integration/my-jira"),
    ]
    assert {r.headers["User-Agent"] for r in port.requests} == {UA}


async def test_blueprints(port: PortDouble, make_client: Callable[..., PortClient]) -> None:
    async with make_client() as client:
        assert await client.get_blueprint("service") is None
        created = await client.create_blueprint({"identifier": "service", "title": "Service", "schema": {}})
        fetched = await client.get_blueprint("service")
    assert created["identifier"] == "service"
    assert fetched == {"identifier": "service", "title": "Service", "schema": {}, "relations": {}}
    create = port.calls("POST", "/v1/blueprints")[0]
    assert create.headers["User-Agent"] == UA_EXPORTER
    assert {r.headers["User-Agent"] for r in port.calls("GET")} == {UA}


async def test_blueprint_patch_and_delete_speak_the_contract(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    port.fail_next(
        "PATCH", "/v1/blueprints/service", httpx.Response(200, json={"ok": True, "blueprint": {"a": 1}})
    )
    port.fail_next("DELETE", "/v1/blueprints/service", httpx.Response(200, json={"ok": True}))
    port.fail_next(
        "DELETE",
        "/v1/blueprints/team/all-entities",
        httpx.Response(202, json={"ok": True, "migrationId": "m_1"}),
    )
    async with make_client() as client:
        assert await client.patch_blueprint("service", {"title": "S"}) == {"a": 1}
        assert await client.delete_blueprint("service") is None
        assert await client.delete_blueprint("team", with_entities=True) == "m_1"
    patch, delete, delete_all = port.requests[1:]
    assert patch.headers["User-Agent"] == UA_EXPORTER and patch.body == {"title": "S"}
    assert delete.method == "DELETE" and delete.params == []
    assert delete_all.path == "/v1/blueprints/team/all-entities"
    assert delete_all.params == [("delete_blueprint", "true")]


async def test_non_2xx_becomes_port_api_error_with_ports_body(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    port.fail_next(
        "POST",
        "/v1/blueprints",
        httpx.Response(
            422, json={"ok": False, "error": "invalid_blueprint", "message": "schema is required"}
        ),
    )
    async with make_client() as client:
        with pytest.raises(PortAPIError) as caught:
            await client.create_blueprint({"identifier": "x"})
    error = caught.value
    assert (error.method, error.path, error.status) == ("POST", "/v1/blueprints", 422)
    assert error.body["error"] == "invalid_blueprint"
    assert "schema is required" in str(error)


async def test_non_json_error_body_is_kept_as_text(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    port.fail_next("GET", "/v1/organization", httpx.Response(500, text="<h1>Internal Server Error</h1>"))
    async with make_client() as client:
        with pytest.raises(PortAPIError) as caught:
            await client.get_organization()
    assert caught.value.body == "<h1>Internal Server Error</h1>"


async def test_500_is_not_retried_but_503_is(
    port: PortDouble, make_client: Callable[..., PortClient], sleeps: SleepRecorder
) -> None:
    port.fail_next("GET", "/v1/organization", httpx.Response(500, json={"ok": False}))
    port.fail_next("GET", "/v1/blueprints/b", httpx.Response(503), httpx.Response(503))
    async with make_client() as client:
        with pytest.raises(PortAPIError):
            await client.get_organization()
        assert await client.get_blueprint("b") is None  # two 503s, then the double's 404
    assert len(port.calls("GET", "/v1/organization")) == 1
    assert len(port.calls("GET", "/v1/blueprints/b")) == 3
    assert sleeps.waits == pytest.approx([0.3, 0.6])


async def test_exhausted_retryable_status_is_an_api_error(
    port: PortDouble, make_client: Callable[..., PortClient], sleeps: SleepRecorder
) -> None:
    port.fail_next("GET", "/v1/organization", *(httpx.Response(429, json={"ok": False}) for _ in range(3)))
    async with make_client(retry_policy=RetryPolicy(max_attempts=3)) as client:
        with pytest.raises(PortAPIError) as caught:
            await client.get_organization()
    assert caught.value.status == 429
    assert len(sleeps.waits) == 2


async def test_patch_is_not_retried(port: PortDouble, make_client: Callable[..., PortClient]) -> None:
    port.fail_next("PATCH", "/v1/integration/my-jira", httpx.Response(503, json={"ok": False}))
    async with make_client() as client:
        with pytest.raises(PortAPIError) as caught:
            await client.patch_integration({"version": "2"})
    assert caught.value.status == 503
    assert len(port.calls("PATCH")) == 1


async def test_unreachable_port_names_the_url_and_the_setting(
    port: PortDouble, make_client: Callable[..., PortClient], sleeps: SleepRecorder
) -> None:
    port.fail_next(
        "POST", "/v1/auth/access_token", *(httpx.ConnectError("Connection refused") for _ in range(8))
    )
    async with make_client() as client:
        with pytest.raises(PortUnreachableError) as caught:
            await client.get_integration()
    message = str(caught.value)
    assert "http://port.test" in message and "OCEAN__PORT__BASE_URL" in message
    assert "Connection refused" in message
    assert len(port.requests) == 8 and len(sleeps.waits) == 7


async def test_real_network_failure_is_unreachable() -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    policy = RetryPolicy(max_attempts=2, base_delay=0.0)
    async with PortClient(
        "http://127.0.0.1:9",
        "id",
        "secret",
        integration_identifier="i",
        integration_type="t",
        integration_version="0",
        retry_policy=policy,
    ) as client:
        with pytest.raises(PortUnreachableError, match="127.0.0.1:9"):
            await client.get_organization()


@pytest.mark.parametrize("url", ["localhost:5555", "ftp://port", "", "http://"])
def test_base_url_must_be_http(url: str) -> None:
    with pytest.raises(UserInputError, match="OCEAN__PORT__BASE_URL"):
        PortClient(
            url, "id", "secret", integration_identifier="i", integration_type="t", integration_version="0"
        )


async def test_base_url_trailing_slash_and_path_prefix(port: PortDouble) -> None:
    async with PortClient(
        "http://port.test/",
        port.client_id,
        port.client_secret,
        integration_identifier="my-jira",
        integration_type="jira",
        integration_version="1",
        transport=port.transport(),
    ) as client:
        await client.get_organization()
    assert [r.path for r in port.requests] == ["/v1/auth/access_token", "/v1/organization"]


async def test_identifiers_are_escaped_in_paths(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    async with make_client() as client:
        assert await client.get_blueprint("a/b c") is None
    assert port.requests[-1].raw_path == "/v1/blueprints/a%2Fb%20c"


async def test_resync_request_and_organization(
    port: PortDouble, make_client: Callable[..., PortClient]
) -> None:
    port.fail_next(
        "GET",
        "/v1/integration/my-jira/resync-request",
        httpx.Response(200, json={"ok": True, "request": None}),
        httpx.Response(200, json={"ok": True, "request": {"id": "r1", "updatedAt": "2024-01-01T00:00:00Z"}}),
    )
    async with make_client() as client:
        assert await client.get_resync_request() is None
        assert await client.get_resync_request() == {"id": "r1", "updatedAt": "2024-01-01T00:00:00Z"}
        assert (await client.get_organization())["featureFlags"] == []


async def test_delete_integration(port: PortDouble, make_client: Callable[..., PortClient]) -> None:
    port.fail_next("DELETE", "/v1/integration/my-jira", httpx.Response(200, json={"ok": True}))
    async with make_client() as client:
        assert await client.delete_integration() is True
        assert await client.delete_integration() is False  # the double: no route → 404


async def test_kind_examples_are_best_effort(
    port: PortDouble, make_client: Callable[..., PortClient], caplog: pytest.LogCaptureFixture
) -> None:
    port.fail_next("POST", "/v1/integration/my-jira/kinds/", httpx.Response(200, json={"ok": True}))
    async with make_client() as client:
        await client.send_kind_examples("issue type", [{"id": 1}])
        await client.send_kind_examples("issue", [{"id": 2}])  # the double: 404
    sent = port.calls("POST", "/v1/integration/my-jira/kinds/")
    assert [r.path for r in sent] == [
        "/v1/integration/my-jira/kinds/issue+type/examples",
        "/v1/integration/my-jira/kinds/issue/examples",
    ]
    assert sent[0].body == {"examples": [{"id": 1}]}
    assert any(r.name == "ocean.port" and "issue" in r.getMessage() for r in caplog.records)


async def test_logs_go_to_the_ingest_url_port_hands_out(
    port: PortDouble, make_client: Callable[..., PortClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="ocean.port")
    port.integration = {
        "identifier": "my-jira",
        "logAttributes": {"ingestUrl": "http://port.test/ingest/logs/1"},
    }
    port.fail_next("POST", "/ingest/logs/1", httpx.Response(200, json={"ok": True}), httpx.Response(500))
    records = [{"message": "hello", "level": "INFO", "timestamp": "2024-01-01T00:00:00Z"}]
    async with make_client() as client:
        await client.ingest_logs(records)
        await client.ingest_logs(records)  # 500: swallowed and logged
        await client.ingest_logs([])  # nothing to send
    shipped = port.calls("POST", "/ingest/logs/1")
    assert [r.body for r in shipped] == [{"logs": records}] * 2
    assert len(port.calls("GET", "/v1/integration/my-jira")) == 1  # the URL is cached
    assert "Could not ship 1 log records" in caplog.text
