"""The ``workshop`` integration (``workshop/``) executing action runs from a real harbor.

``start_workshop(**settings)`` loads it with the actions processor enabled (listener
``ACTIONS_ONLY``), docks it into the test's harbor, resyncs once (widgets ``w1`` and ``w2``)
and starts its ``IntegrationService``; runs are created through the harbor's API like a user
would, and read back from it.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocean_runtime.app import IntegrationRunner, PortTarget, load_integration
from ocean_runtime.app.service import IntegrationService

WORKSHOP = Path(__file__).resolve().parent / "workshop"
FINISH_TIMEOUT_SECONDS = 30


class Workshop:
    """A started workshop service and an authenticated client of its harbor."""

    def __init__(self, service: IntegrationService, api: httpx.AsyncClient, harbor: Any) -> None:
        self.service = service
        self.api = api
        self.harbor = harbor

    @property
    def module(self) -> Any:
        """The workshop's imported ``main.py`` (its ``WIDGETS`` and ``EVENTS``)."""
        return sys.modules[self.service.runner.app.action_executors["paint_widget"].function.__module__]

    async def run(self, action: str, entity: str | None = "w1", **properties: Any) -> str:
        """Create a run of ``action`` as a user would; returns its id."""
        body: dict[str, Any] = {"properties": properties}
        if entity is not None:
            body["entity"] = entity
        response = await self.api.post(f"/v1/actions/{action}/runs", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["run"]["id"])

    async def get(self, run_id: str) -> dict[str, Any]:
        run: dict[str, Any] = (await self.api.get(f"/v1/actions/runs/{run_id}")).json()["run"]
        return run

    async def finished(self, run_id: str) -> dict[str, Any]:
        """The run once it is SUCCESS or FAILURE."""
        async with asyncio.timeout(FINISH_TIMEOUT_SECONDS):
            while (run := await self.get(run_id))["status"] == "IN_PROGRESS":
                await asyncio.sleep(0.02)
        return run

    async def logs(self, run_id: str) -> list[str]:
        lines = (await self.api.get(f"/v1/actions/runs/{run_id}/logs")).json()["runLogs"]
        return [line["message"] for line in lines]

    def widget(self, identifier: str) -> dict[str, Any]:
        return next(e for e in self.harbor.entities("widget") if e["identifier"] == identifier)


Starter = Callable[..., Any]


@pytest.fixture
async def start_workshop(harbor: Any) -> AsyncIterator[Starter]:
    """``await start_workshop(MAX_EXECUTION_SECONDS="1", ...)`` → a started ``Workshop``."""
    started: list[Workshop] = []

    async def start(**settings: str) -> Workshop:
        environ = {
            "OCEAN__EVENT_LISTENER__TYPE": "ACTIONS_ONLY",
            "OCEAN__ACTIONS_PROCESSOR__ENABLED": "true",
            "OCEAN__ACTIONS_PROCESSOR__POLL_CHECK_INTERVAL_SECONDS": "0.05",
            **{f"OCEAN__ACTIONS_PROCESSOR__{key}": value for key, value in settings.items()},
        }
        app = load_integration(WORKSHOP, environ=environ)
        target = PortTarget(harbor.url, harbor.client_id, harbor.client_secret, local=True)
        runner = IntegrationRunner(app, target)
        await runner.prepare()
        report = await runner.resync()
        assert report.ok, report.reasons()
        service = IntegrationService(runner)
        await service.start()
        api = httpx.AsyncClient(base_url=harbor.url, timeout=30)
        token = (
            await api.post(
                "/v1/auth/access_token",
                json={"clientId": harbor.client_id, "clientSecret": harbor.client_secret},
            )
        ).json()["accessToken"]
        api.headers["Authorization"] = f"Bearer {token}"
        workshop = Workshop(service, api, harbor)
        started.append(workshop)
        return workshop

    yield start
    for workshop in started:
        await workshop.service.stop()
        await workshop.api.aclose()
        await workshop.service.runner.port.aclose()
