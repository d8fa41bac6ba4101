"""Actions, scorecards and pages: stored as documents, duplicates refused, pages deletable."""

from __future__ import annotations

import httpx

ACTION = {
    "identifier": "scaffold",
    "title": "Scaffold",
    "trigger": {"type": "self-service", "operation": "CREATE"},
}
SCORECARD = {
    "identifier": "ready",
    "title": "Ready",
    "rules": [{"identifier": "r", "level": "Gold", "query": {}}],
}
PAGE = {"title": "ArgoCD Dashboard", "icon": "Argo", "widgets": []}


async def test_actions(api: httpx.AsyncClient) -> None:
    assert (await api.post("/v1/actions", json=ACTION)).json()["action"]["trigger"] == ACTION["trigger"]
    assert (await api.post("/v1/actions", json=ACTION)).status_code == 409
    assert [a["identifier"] for a in (await api.get("/v1/actions")).json()["actions"]] == ["scaffold"]


async def test_scorecards_belong_to_an_existing_blueprint(catalog: httpx.AsyncClient) -> None:
    assert (await catalog.post("/v1/blueprints/ghost/scorecards", json=SCORECARD)).status_code == 404
    stored = (await catalog.post("/v1/blueprints/service/scorecards", json=SCORECARD)).json()["scorecard"]
    assert stored["blueprint"] == "service" and stored["rules"] == SCORECARD["rules"]
    listed = (await catalog.get("/v1/blueprints/service/scorecards")).json()["scorecards"]
    assert [s["identifier"] for s in listed] == ["ready"]
    assert (await catalog.get("/v1/blueprints/team/scorecards")).json()["scorecards"] == []


async def test_pages_get_an_identifier_from_their_title_and_can_be_deleted(api: httpx.AsyncClient) -> None:
    page = (await api.post("/v1/pages", json=PAGE)).json()["page"]
    assert page["identifier"] == "ArgoCD_Dashboard"
    assert (await api.get("/v1/pages/ArgoCD_Dashboard")).json()["page"]["widgets"] == []
    assert (await api.delete("/v1/pages/ArgoCD_Dashboard")).json() == {"ok": True}
    assert (await api.get("/v1/pages/ArgoCD_Dashboard")).status_code == 404
    assert (await api.delete("/v1/pages/ArgoCD_Dashboard")).status_code == 404
    assert (await api.get("/v1/pages")).json()["pages"] == []
