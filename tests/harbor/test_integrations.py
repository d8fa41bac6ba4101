"""Integrations: lifecycle, resync state and sync-run history, resync requests, logs and metrics."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote_plus

import httpx

from ocean_harbor.store import Store

CONFIG = {"deleteDependentEntities": True, "resources": [{"kind": "repo", "selector": {"query": "true"}}]}
CREATE = {
    "installationId": "test-integration",
    "installationAppType": "test-type",
    "version": "1.2.3",
    "changelogDestination": {},
    "config": CONFIG,
}


def rows(tmp_path: Path, sql: str) -> list[dict[str, Any]]:
    store = Store(tmp_path / "harbor.db")
    try:
        with store.read() as conn:
            return [dict(row) for row in conn.execute(sql)]
    finally:
        store.close()


async def test_organization_and_provisioning_disable_every_optional_path(api: httpx.AsyncClient) -> None:
    organization = (await api.get("/v1/organization")).json()["organization"]
    assert organization["featureFlags"] == []
    assert (await api.get("/v1/integration/provision-enabled")).json() == {"ok": True, "integrations": []}


async def test_integration_lifecycle(api: httpx.AsyncClient) -> None:
    missing = await api.get("/v1/integration/test-integration", params={"oceanCoreVersion": "0.56.2"})
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    assert "integration" not in missing.json()  # the client reads .get("integration") on 404

    created = (await api.post("/v1/integration", json=CREATE)).json()["integration"]
    assert created["identifier"] == "test-integration"
    assert created["config"] == CONFIG
    assert created["installationType"] == "OnPrem"
    assert (await api.post("/v1/integration", json=CREATE)).status_code == 409

    patch = {"processingMode": "ocean-core", "arePortResourcesInitialized": True, "version": "1.2.4"}
    patched = (await api.patch("/v1/integration/test-integration", json=patch)).json()["integration"]
    assert patched["config"] == CONFIG and patched["installationAppType"] == "test-type"
    assert patched["processingMode"] == "ocean-core" and patched["version"] == "1.2.4"

    new_config: dict[str, Any] = {"resources": []}
    response = await api.patch("/v1/integration/test-integration/config", json={"config": new_config})
    assert response.json()["integration"]["config"] == new_config
    fetched = (await api.get("/v1/integration/test-integration")).json()["integration"]
    assert fetched["config"] == new_config and fetched["arePortResourcesInitialized"] is True

    assert (await api.delete("/v1/integration/test-integration")).json() == {"ok": True}
    assert (await api.get("/v1/integration/test-integration")).status_code == 404
    assert (await api.delete("/v1/integration/test-integration")).status_code == 404


async def test_ingest_urls_point_back_at_the_server_the_client_reached(api: httpx.AsyncClient) -> None:
    await api.post("/v1/integration", json=CREATE)
    doc = (await api.get("/v1/integration/test-integration")).json()["integration"]
    assert doc["logAttributes"]["ingestUrl"] == "http://harbor.test/ingest/logs/test-integration"
    assert doc["metricAttributes"]["ingestUrl"] == "http://harbor.test/ingest/metrics/test-integration"
    assert doc["ingestAttributes"]["ingestUrl"] == "http://harbor.test/ingest/raw/test-integration"
    log = await api.post(
        doc["logAttributes"]["ingestUrl"], json={"logs": [{"message": "hi", "level": "INFO"}]}
    )
    metrics = await api.post(doc["metricAttributes"]["ingestUrl"] + "/heartbeat", json={"eventId": "e"})
    assert log.status_code == metrics.status_code == 200


async def test_patch_of_a_missing_integration_is_404(api: httpx.AsyncClient) -> None:
    for path in (
        "/v1/integration/ghost",
        "/v1/integration/ghost/resync-state",
        "/v1/integration/ghost/config",
    ):
        response = await api.patch(path, json={"config": {}})
        assert response.status_code == 404, path
        assert response.json()["error"] == "not_found"


async def test_resync_state_is_merged_stamped_and_opens_and_closes_a_run(
    tmp_path: Path, catalog: httpx.AsyncClient, kit: SimpleNamespace
) -> None:
    await catalog.post("/v1/integration", json=CREATE)
    running = {"status": "running", "lastResyncStart": "2024-01-01T00:00:00+00:00", "lastResyncEnd": None}
    state = (await catalog.patch("/v1/integration/test-integration/resync-state", json=running)).json()
    first_stamp = state["integration"]["resyncState"]["updatedAt"]
    assert state["integration"]["resyncState"]["status"] == "running"

    good = [{"identifier": f"s{i}", "properties": {"stars": i}} for i in range(3)]
    await kit.bulk(catalog, "service", [*good, {"identifier": "bad", "properties": {"stars": "many"}}])
    await catalog.post("/v1/blueprints/service/bulk/entities/delete", json={"entities": ["s0"]})
    # Writes of another integration are not counted into this one's run.
    await kit.bulk(catalog, "team", [{"identifier": "t1"}], **{})
    other = {"User-Agent": kit.OTHER_UA}
    await catalog.post(
        "/v1/blueprints/team/entities/bulk", json={"entities": [{"identifier": "t2"}]}, headers=other
    )

    done = {"status": "completed", "lastResyncEnd": "2024-01-01T00:01:00+00:00"}
    state = (await catalog.patch("/v1/integration/test-integration/resync-state", json=done)).json()
    resync_state = state["integration"]["resyncState"]
    assert resync_state["status"] == "completed"
    assert resync_state["lastResyncStart"] == running["lastResyncStart"]  # merged, not replaced
    assert resync_state["updatedAt"] > first_stamp
    fetched = (await catalog.get("/v1/integration/test-integration")).json()["integration"]
    assert fetched["resyncState"] == resync_state

    [run] = rows(tmp_path, "SELECT * FROM resync_runs")
    assert (run["integration"], run["status"]) == ("test-integration", "completed")
    assert run["ended_at"] is not None
    assert (run["upserted"], run["deleted"], run["failed"]) == (4, 1, 1)  # 3 services + team t1
    details = json.loads(run["details"])
    assert details["blueprints"]["service"] == {"upserted": 3, "deleted": 1, "failed": 1}
    [problem] = rows(tmp_path, "SELECT * FROM problems")
    assert (problem["category"], problem["identifier"], problem["run_id"]) == (
        "failed_entity",
        "bad",
        run["id"],
    )
    assert "properties.stars" in problem["message"]


async def test_a_new_running_state_aborts_a_run_that_never_ended(
    tmp_path: Path, api: httpx.AsyncClient
) -> None:
    await api.post("/v1/integration", json=CREATE)
    for _ in range(2):
        await api.patch("/v1/integration/test-integration/resync-state", json={"status": "running"})
    runs = rows(tmp_path, "SELECT status, ended_at FROM resync_runs ORDER BY id")
    assert [r["status"] for r in runs] == ["aborted", "running"]
    assert runs[0]["ended_at"] is not None and runs[1]["ended_at"] is None


async def test_resync_requests(api: httpx.AsyncClient) -> None:
    assert (await api.get("/v1/integration/test-integration/resync-request")).status_code == 404
    await api.post("/v1/integration", json=CREATE)
    assert (await api.get("/v1/integration/test-integration/resync-request")).json() == {
        "ok": True,
        "request": None,
    }
    first = (await api.post("/v1/integration/test-integration/resync-request")).json()["request"]
    second = (await api.post("/v1/integration/test-integration/resync-request")).json()["request"]
    latest = (await api.get("/v1/integration/test-integration/resync-request")).json()["request"]
    assert latest == second and second["updatedAt"] >= first["updatedAt"] and second["id"] != first["id"]


async def test_kind_examples_are_stored_under_the_decoded_kind(
    tmp_path: Path, api: httpx.AsyncClient
) -> None:
    await api.post("/v1/integration", json=CREATE)
    path = f"/v1/integration/test-integration/kinds/{quote_plus('repo/sub kind')}/examples"
    assert (await api.post(path, json={"examples": [{"id": 1}]})).status_code == 200
    assert (await api.post(path, json={"examples": "nope"})).status_code == 422
    [doc] = rows(tmp_path, "SELECT identifier, body FROM documents WHERE collection = 'kind-examples'")
    assert doc["identifier"] == "test-integration/repo/sub kind"
    assert json.loads(doc["body"])["examples"] == [{"id": 1}]


async def test_logs_are_stored_and_mapping_problems_extracted(tmp_path: Path, api: httpx.AsyncClient) -> None:
    await api.post("/v1/integration", json=CREATE)
    await api.patch("/v1/integration/test-integration/resync-state", json={"status": "running"})
    records = [
        {"message": "started", "level": "INFO", "timestamp": "2024-01-01T00:00:00Z", "extra": {}},
        {
            "message": "mapping",
            "level": "WARNING",
            "extra": {
                "kind": "repo",
                "blueprint": "service",
                "misconfigured": {"properties.url": ".url", "relations.team": ".team"},
            },
        },
        {
            "message": "Unable to find valid data for: 'properties.language': .language (null, missing, ...)",
            "level": "WARNING",
            "extra": {"field": "properties.language", "kind": "repo"},
        },
        {"message": "selector failed", "level": "ERROR", "extra": {"resource_kind": "repo"}},
        {"message": "no kind, not a mapping problem", "level": "ERROR", "extra": {}},
        "not-a-record",
    ]
    for _ in range(2):  # the same problems reported twice in one run are stored once
        assert (await api.post("/ingest/logs/test-integration", json={"logs": records})).status_code == 200
    assert len(rows(tmp_path, "SELECT * FROM logs")) == 10
    problems = rows(tmp_path, "SELECT category, kind, blueprint, detail FROM problems ORDER BY id")
    assert [(p["category"], p["kind"]) for p in problems] == [
        ("misconfigured", "repo"),
        ("misconfigured", "repo"),
        ("misconfigured", "repo"),
        ("error", "repo"),
    ]
    assert json.loads(problems[0]["detail"]) == {"field": "properties.url", "expression": ".url"}
    assert problems[0]["blueprint"] == "service"
    assert json.loads(problems[2]["detail"]) == {"field": "properties.language"}
    assert (await api.post("/ingest/logs/test-integration", json={"logs": {}})).status_code == 422


async def test_sync_metrics_are_kept_per_kind_on_the_open_run(tmp_path: Path, api: httpx.AsyncClient) -> None:
    await api.post("/v1/integration", json=CREATE)
    await api.patch("/v1/integration/test-integration/resync-state", json={"status": "running"})
    event = {"kindIdentifier": "repo-0", "kind": "repo", "metrics": {"loaded": 3}}
    base = "/ingest/metrics/test-integration"
    assert (await api.post(f"{base}/syncMetrics", json={"syncKindsMetrics": [event]})).status_code == 200
    updated = {**event, "metrics": {"loaded": 5}}
    path = f"{base}/syncMetrics/resync/ev1/kind/{quote_plus('repo-0')}"
    assert (await api.put(path, json={"syncKindMetrics": updated})).status_code == 200
    [run] = rows(tmp_path, "SELECT details FROM resync_runs")
    assert json.loads(run["details"])["kinds"]["repo-0"]["metrics"] == {"loaded": 5}


async def test_a_refused_reconcile_is_a_problem_of_its_run(tmp_path: Path, api: httpx.AsyncClient) -> None:
    await api.post("/v1/integration", json=CREATE)
    await api.patch("/v1/integration/test-integration/resync-state", json={"status": "running"})
    outcome = {"status": "skipped", "owned": 4, "stale": 4, "threshold": 0.5, "thresholdExceeded": True}
    record = {"message": "reconcile skipped: …", "level": "WARNING",
              "extra": {"category": "reconcile", "reconcile": outcome}}  # fmt: skip
    assert (await api.post("/ingest/logs/test-integration", json={"logs": [record]})).status_code == 200
    [problem] = rows(tmp_path, "SELECT category, kind, run_id, detail FROM problems")
    assert (problem["category"], problem["kind"], problem["run_id"]) == ("reconcile", None, 1)
    assert json.loads(problem["detail"]) == outcome
