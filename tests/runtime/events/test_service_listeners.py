"""Listeners inside a running ``IntegrationService``, against a real harbor over HTTP."""

from __future__ import annotations

import asyncio
import json
import textwrap
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocean_runtime.app import IntegrationRunner, PortTarget, load_integration
from ocean_runtime.app.service import IntegrationService

MAIN = """
from pathlib import Path
from ocean_runtime import ocean

COUNTER = Path(__file__).with_name("resyncs.txt")

@ocean.on_resync("repo")
async def repos(kind):
    runs = int(COUNTER.read_text()) + 1 if COUNTER.exists() else 1
    COUNTER.write_text(str(runs))
    yield [{"name": f"repo-{runs}"}]
"""
MAPPING = {
    "entityDeletionThreshold": 1,
    "resources": [{"kind": "repo", "selector": {"query": "true"}, "port": {"entity": {"mappings": {
        "identifier": ".name", "title": ".name", "blueprint": '"repo"'}}}}],
}  # fmt: skip


@pytest.fixture
async def start(tmp_path: Path, harbor: Any) -> AsyncIterator[Callable[..., Any]]:
    root = tmp_path / "repos"
    files = {
        "pyproject.toml": '[project]\nname = "repos"\nversion = "0.1.0"\n',
        "main.py": MAIN,
        ".port/spec.yaml": "configurations: []\n",
        ".port/resources/blueprints.json": json.dumps(
            [{"identifier": "repo", "title": "Repo", "schema": {}}]
        ),
        ".port/resources/port-app-config.yml": json.dumps(MAPPING),
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(textwrap.dedent(text))
    services: list[IntegrationService] = []

    async def run(listener: str) -> tuple[IntegrationService, httpx.AsyncClient]:
        app = load_integration(root, environ={"OCEAN__EVENT_LISTENER__TYPE": listener})
        runner = IntegrationRunner(
            app, PortTarget(harbor.url, harbor.client_id, harbor.client_secret, local=True)
        )
        await runner.prepare()
        service = IntegrationService(runner)
        await service.start()
        services.append(service)
        return service, httpx.AsyncClient(
            transport=httpx.ASGITransport(app=service.asgi), base_url="http://o"
        )

    yield run
    for service in services:
        await service.stop()
        await service.runner.port.aclose()


async def resynced(service: IntegrationService, runs: int) -> None:
    while (
        service.metrics.registry.get_sample_value("ocean_resyncs_total", {"status": "completed"}) or 0
    ) < runs:
        await asyncio.sleep(0.01)


async def test_webhook_listener_resyncs_at_start_and_on_post_resync(start: Any, harbor: Any) -> None:
    service, client = await start("WEBHOOK")
    await resynced(service, 1)

    answer = await client.post("/resync")
    await resynced(service, 2)

    assert answer.status_code == 202
    assert {e["identifier"] for e in harbor.entities("repo")} == {"repo-2"}  # repo-1 reconciled away
    metrics = (await client.get("/metrics")).text
    assert 'ocean_resyncs_total{status="completed"} 2.0' in metrics
    assert 'ocean_resync_kind_duration_seconds_count{kind="repo"} 2.0' in metrics


async def test_webhooks_only_never_resyncs_and_serves_no_resync_route(start: Any, harbor: Any) -> None:
    service, client = await start("WEBHOOKS_ONLY")

    answer = await client.post("/resync")
    await asyncio.sleep(0.2)  # room for a (wrong) resync

    assert answer.status_code == 404
    assert service.tasks == []
    assert harbor.entities("repo") == []
    assert (await client.get("/health/ready")).status_code == 200
