"""Action runs in the harbor: creating them, claims and leases, reports, and what is refused."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

DEPLOY = {
    "identifier": "deploy",
    "title": "Deploy",
    "trigger": {
        "type": "self-service",
        "operation": "DAY-2",
        "blueprintIdentifier": "service",
        "userInputs": {
            "properties": {
                "version": {"type": "integer", "title": "Version", "minimum": 1},
                "channel": {"type": "string", "enum": ["stable", "beta"], "default": "stable"},
                "owner": {"type": "string", "format": "entity", "blueprint": "team"},
            },
            "required": ["version"],
            "order": ["version", "channel"],
        },
    },
    "invocationMethod": {
        "type": "INTEGRATION_ACTION",
        "installationId": "test-integration",
        "integrationActionType": "deploy_service",
        "integrationActionExecutionProperties": {
            "service": "{{ .entity.identifier }}",
            "version": "{{ .inputs.version }}",
            "note": "{{ .inputs.channel }} build {{ .inputs.version }} of {{ .entity.title }}",
            "language": "{{ .entity.properties.language }}",
        },
    },
}
RESERVED = {"x-port-reserved-usage": "true"}


@pytest.fixture
async def deploy(catalog: httpx.AsyncClient, kit: Any) -> httpx.AsyncClient:
    """The catalog with the ``deploy`` action, service ``checkout`` and team ``payments``."""
    assert (await catalog.post("/v1/actions", json=DEPLOY)).status_code == 200
    await kit.bulk(catalog, "team", [{"identifier": "payments", "title": "Payments"}])
    await kit.bulk(
        catalog,
        "service",
        [{"identifier": "checkout", "title": "Checkout", "properties": {"language": "go"}}],
    )
    return catalog


async def run(api: httpx.AsyncClient, properties: dict[str, Any], entity: str | None = "checkout") -> Any:
    body: dict[str, Any] = {"properties": properties}
    if entity is not None:
        body["entity"] = entity
    return await api.post("/v1/actions/deploy/runs", json=body)


async def claim(
    api: httpx.AsyncClient, limit: int = 10, visibility_ms: int = 60_000, **extra: Any
) -> list[Any]:
    body = {
        "installationId": "test-integration",
        "limit": limit,
        "visibilityTimeoutMs": visibility_ms,
        **extra,
    }
    response = await api.post("/v1/actions/runs/claim-pending", json=body, headers=RESERVED)
    assert response.status_code == 200, response.text
    return list(response.json()["runs"])


async def ack(api: httpx.AsyncClient, run_id: str, claim_id: str | None) -> httpx.Response:
    headers = {**RESERVED, **({"x-ocean-claim-id": claim_id} if claim_id else {})}
    return await api.patch("/v1/actions/runs/ack", json={"runId": run_id}, headers=headers)


async def test_a_run_carries_rendered_properties_for_its_executor(deploy: httpx.AsyncClient) -> None:
    response = await run(deploy, {"version": 3})
    assert response.status_code == 201, response.text
    created = response.json()["run"]
    assert created["id"].startswith("r_") and created["status"] == "IN_PROGRESS"
    assert created["properties"] == {"version": 3, "channel": "stable"}  # the default applied
    assert created["entity"] == {"identifier": "checkout", "title": "Checkout"}
    assert created["payload"] == {
        "type": "INTEGRATION_ACTION",
        "installationId": "test-integration",
        "integrationActionType": "deploy_service",
        "integrationActionExecutionProperties": {
            "service": "checkout",
            "version": 3,  # a whole-string template keeps its JSON type
            "note": "stable build 3 of Checkout",
            "language": "go",
        },
    }


@pytest.mark.parametrize(
    ("body", "status", "fragments"),
    [
        ({"properties": {"version": 1}}, 422, ["body/entity is required", "service"]),
        ({"entity": "ghost", "properties": {"version": 1}}, 404, ["Entity ghost of blueprint service"]),
        ({"entity": "checkout", "properties": {}}, 422, ["properties.version: is required"]),
        (
            {
                "entity": "checkout",
                "properties": {"version": "three", "channel": "nightly", "owner": "nobody"},
            },
            422,
            [
                "properties.version: must be a whole number",
                "properties.channel: must be one of",
                "no team entity",
            ],
        ),
    ],
)
async def test_bad_runs_are_refused_with_every_reason(
    deploy: httpx.AsyncClient, body: dict[str, Any], status: int, fragments: list[str]
) -> None:
    response = await deploy.post("/v1/actions/deploy/runs", json=body)
    assert response.status_code == status, response.text
    for fragment in fragments:
        assert fragment in response.json()["message"]
    assert (await deploy.get("/v1/actions/runs")).json()["runs"] == []


async def test_unknown_action_and_non_integration_actions_are_refused(deploy: httpx.AsyncClient) -> None:
    assert (await deploy.post("/v1/actions/ghost/runs", json={})).status_code == 404
    webhook = {**DEPLOY, "identifier": "hook", "invocationMethod": {"type": "WEBHOOK", "url": "http://x"}}
    assert (await deploy.post("/v1/actions", json=webhook)).status_code == 200
    refused = await deploy.post(
        "/v1/actions/hook/runs", json={"entity": "checkout", "properties": {"version": 1}}
    )
    assert refused.status_code == 422 and "only INTEGRATION_ACTION" in refused.json()["message"]


async def test_a_template_that_fails_names_its_key(deploy: httpx.AsyncClient) -> None:
    broken = {**DEPLOY, "invocationMethod": {**DEPLOY["invocationMethod"]}}
    broken["invocationMethod"]["integrationActionExecutionProperties"] = {
        "x": "{{ .entity.title | tonumber }}"
    }
    assert (await deploy.put("/v1/actions/deploy", json=broken)).status_code == 200
    response = await run(deploy, {"version": 1})
    assert response.status_code == 422
    assert "integrationActionExecutionProperties.x" in response.json()["message"]


async def test_claims_hand_out_each_run_once_until_it_expires(deploy: httpx.AsyncClient) -> None:
    first = (await run(deploy, {"version": 1})).json()["run"]["id"]
    second = (await run(deploy, {"version": 2})).json()["run"]["id"]
    claimed = await claim(deploy, visibility_ms=150)
    assert [r["id"] for r in claimed] == [first, second]  # oldest first
    assert all(r["claimId"] and r["deliveryCount"] == 1 for r in claimed)
    assert await claim(deploy) == []  # hidden while claimed
    await asyncio.sleep(0.3)
    again = await claim(deploy, limit=1)
    assert [r["id"] for r in again] == [first] and again[0]["deliveryCount"] == 2
    assert again[0]["claimId"] != claimed[0]["claimId"]
    assert await claim(deploy, exclude=["deploy"]) == []


async def test_a_lease_is_renewed_by_acks_and_a_dead_worker_loses_its_run(deploy: httpx.AsyncClient) -> None:
    run_id = (await run(deploy, {"version": 1})).json()["run"]["id"]
    [claimed] = await claim(deploy, visibility_ms=200)
    assert (await ack(deploy, run_id, claimed["claimId"])).status_code == 200
    await asyncio.sleep(0.12)
    assert (await ack(deploy, run_id, claimed["claimId"])).status_code == 200  # renewed
    await asyncio.sleep(0.12)
    assert await claim(deploy) == []  # still leased: 0.24 s after the claim, 0.12 s after renewal
    await asyncio.sleep(0.25)  # the worker stopped renewing: it died
    [again] = await claim(deploy, visibility_ms=60_000)
    assert again["id"] == run_id and again["deliveryCount"] == 2
    stale = claimed["claimId"]
    assert (await ack(deploy, run_id, stale)).status_code == 409
    log = await deploy.post(
        f"/v1/actions/runs/{run_id}/logs", json={"message": "late"}, headers={"x-ocean-claim-id": stale}
    )
    assert log.status_code == 409
    assert (await ack(deploy, run_id, again["claimId"])).status_code == 200
    headers = {"x-ocean-claim-id": again["claimId"]}
    done = await deploy.patch(f"/v1/actions/runs/{run_id}", json={"status": "SUCCESS"}, headers=headers)
    assert done.status_code == 200 and done.json()["run"]["status"] == "SUCCESS"
    assert done.json()["run"]["endedAt"]
    assert (await deploy.patch(f"/v1/actions/runs/{run_id}", json={"status": "FAILURE"})).status_code == 409
    await asyncio.sleep(0.25)
    assert await claim(deploy) == []  # finished runs are never offered again


async def test_an_ack_without_claim_id_is_final_as_in_port(deploy: httpx.AsyncClient) -> None:
    run_id = (await run(deploy, {"version": 1})).json()["run"]["id"]
    await claim(deploy, visibility_ms=50)
    assert (await ack(deploy, run_id, None)).status_code == 200
    assert (await ack(deploy, run_id, None)).status_code == 409  # RunAlreadyAcknowledgedError
    await asyncio.sleep(0.1)
    assert await claim(deploy) == []


async def test_reports_logs_links_and_lookup_by_external_id(deploy: httpx.AsyncClient) -> None:
    run_id = (await run(deploy, {"version": 1})).json()["run"]["id"]
    await deploy.post(
        f"/v1/actions/runs/{run_id}/logs", json={"message": "starting", "statusLabel": "Deploying"}
    )
    patched = await deploy.patch(
        f"/v1/actions/runs/{run_id}", json={"link": "https://ci.example/1", "externalRunId": "ci-1"}
    )
    assert patched.json()["run"]["link"] == ["https://ci.example/1"]
    assert patched.json()["run"]["statusLabel"] == "Deploying"
    found = (await deploy.get("/v1/actions/runs", params={"version": "v2", "external_run_id": "ci-1"})).json()
    assert [r["id"] for r in found["runs"]] == [run_id]
    logs = (await deploy.get(f"/v1/actions/runs/{run_id}/logs")).json()["runLogs"]
    assert [line["message"] for line in logs] == ["starting"]
    refused = await deploy.patch(f"/v1/actions/runs/{run_id}", json={"colour": "red"})
    assert refused.status_code == 422 and "colour" in refused.json()["message"]
    assert (await deploy.patch(f"/v1/actions/runs/{run_id}", json={"status": "DONE"})).status_code == 422
