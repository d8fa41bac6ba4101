"""The cursor endpoints of the harbor, through the Port client (and raw HTTP for the errors)."""

from __future__ import annotations

from typing import Any

from ocean_runtime.port import PortClient


async def test_port_client_creates_then_updates_a_cursor(harbor: Any) -> None:
    async with PortClient(
        harbor.url,
        harbor.client_id,
        harbor.client_secret,
        integration_identifier="cursor-probe",
        integration_type="probe",
        integration_version="0.1.0",
    ) as port:
        await port.create_integration({"installationId": "cursor-probe", "installationAppType": "probe"})
        assert await port.cursors.get("issue", 0) is None
        await port.cursors.put("issue", 0, {"primary": "2024-05-01T00:00:00+00:00"})  # 404 → POST
        await port.cursors.put("issue", 0, {"primary": "2024-06-01T00:00:00+00:00"})  # PUT
        await port.cursors.put("issue", 1, {"primary": "2020-01-01T00:00:00+00:00"})
        assert await port.cursors.get("issue", 0) == {"primary": "2024-06-01T00:00:00+00:00"}
        assert await port.cursors.get("issue", 1) == {"primary": "2020-01-01T00:00:00+00:00"}
        assert await port.cursors.get("sprint", 0) is None


def test_harbor_cursor_errors(harbor: Any) -> None:
    with harbor.client() as port:
        port.post(
            "/v1/integration", json={"installationId": "raw", "installationAppType": "probe"}
        ).raise_for_status()
        put = port.put("/v1/integration/raw/cursor", params={"kind": "a", "index": 0}, json={"primary": "x"})
        no_kind = port.get("/v1/integration/raw/cursor", params={"index": 0})
        bad_index = port.get("/v1/integration/raw/cursor", params={"kind": "a", "index": "one"})
        unknown = port.post("/v1/integration/nope/cursor", params={"kind": "a", "index": 0}, json={})
        not_object = port.post("/v1/integration/raw/cursor", params={"kind": "a", "index": 0}, json=[1])

    assert put.status_code == 404
    assert no_kind.status_code == 422 and "kind is required" in no_kind.json()["message"]
    assert bad_index.status_code == 422 and "'one'" in bad_index.json()["message"]
    assert unknown.status_code == 404
    assert not_object.status_code == 422
