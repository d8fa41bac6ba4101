"""Garbage in, Port-shaped JSON out: every error is ``{"ok": false, "error", "message"}``."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest


def assert_port_error(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["ok"] is False and body["error"] == error and body["message"]
    return body


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/nope"), ("POST", "/v1/blueprints/x/nothing"), ("GET", "/v2/blueprints")],
)
async def test_unknown_routes_are_404_json(api: httpx.AsyncClient, method: str, path: str) -> None:
    body = assert_port_error(await api.request(method, path), 404, "not_found")
    assert path in body["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/v1/blueprints"),
        ("DELETE", "/v1/organization"),
        ("GET", "/v1/auth/access_token"),
        ("PUT", "/v1/entities/search"),
        ("GET", "/v1/blueprints/x/bulk/entities/delete"),
    ],
)
async def test_wrong_methods_are_405_json(api: httpx.AsyncClient, method: str, path: str) -> None:
    assert_port_error(await api.request(method, path), 405, "method_not_allowed")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/blueprints",
        "/v1/integration",
        "/v1/blueprints/service/entities/bulk",
        "/v1/entities/search",
        "/v1/blueprints/entities/datasource-entities",
        "/v1/auth/access_token",
        "/ingest/logs/x",
    ],
)
@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", b'{"a": 1'])
async def test_invalid_json_bodies_are_400_json(
    catalog: httpx.AsyncClient, path: str, content: bytes
) -> None:
    response = await catalog.post(path, content=content, headers={"Content-Type": "application/json"})
    body = assert_port_error(response, 400, "invalid_request")
    assert "not valid JSON" in body["message"]


@pytest.mark.parametrize(
    ("method", "path", "body", "fragment"),
    [
        ("POST", "/v1/integration", {"installationId": 5}, "body/installationId"),
        ("POST", "/v1/integration", {}, "body/installationId is required"),
        ("POST", "/v1/integration", [1, 2], "must be a JSON object"),
        ("POST", "/v1/blueprints", "service", "must be a JSON object"),
        ("POST", "/v1/blueprints/service/entities/bulk", {"entities": {"identifier": "a"}}, "body/entities"),
        ("POST", "/v1/blueprints/service/entities/bulk", [{"identifier": "a"}], "entities"),
        ("POST", "/v1/blueprints/service/entities/bulk?merge=perhaps", {"entities": []}, "merge"),
        ("POST", "/v1/auth/access_token", ["cid"], "must be a JSON object"),
        ("PATCH", "/v1/integration/x/config", {"config": []}, "body/config"),
        ("POST", "/v1/actions", {"title": "no identifier"}, "body/identifier"),
        ("POST", "/ingest/metrics/x/syncMetrics", {"syncKindsMetrics": {}}, "syncKindsMetrics"),
    ],
)
async def test_wrong_types_are_422_json_naming_the_field(
    catalog: httpx.AsyncClient, method: str, path: str, body: Any, fragment: str
) -> None:
    response = await catalog.request(method, path, json=body)
    result = assert_port_error(response, 422, "invalid_request")
    assert fragment in result["message"]


async def test_unexpected_failures_are_500_json(tmp_path: Path, catalog: httpx.AsyncClient) -> None:
    conn = sqlite3.connect(tmp_path / "harbor.db")  # corrupt one stored document behind the API's back
    conn.execute("UPDATE blueprints SET body = '{broken' WHERE identifier = 'team'")
    conn.commit()
    conn.close()
    body = assert_port_error(await catalog.get("/v1/blueprints/team"), 500, "internal_error")
    assert "JSONDecodeError" in body["message"]
    assert (await catalog.get("/v1/organization")).status_code == 200  # and the harbor keeps serving
