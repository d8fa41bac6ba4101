"""``actions_integration``: an integration executing self-service action runs, in the test.

    async with actions_integration(INTEGRATION_DIR, harbor) as actions:
        run_id = await actions.run("deploy", entity="checkout", version=3)
        run = await actions.finished(run_id)
        assert run["status"] == "SUCCESS"
        assert await actions.logs(run_id) == ["Deploying checkout 3", ...]

It docks the integration into the local Port (``harbor``: its ``actions.json`` included),
resyncs once (so there are entities to run actions on), and starts the same service
``ocean sail`` runs with the actions processor on (listener ``ACTIONS_ONLY``, polling every
50 ms). Runs are created through the Port API as a user would — the user inputs are checked
and the action's templates rendered there — and read back from it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from ocean_runtime.actions import ActionsProcessor
    from ocean_runtime.app.service import IntegrationService

FINISH_TIMEOUT_SECONDS = 30.0


class ActionRunError(AssertionError):
    """Port refused to create a run; ``response`` is its answer."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        super().__init__(f"Port answered {response.status_code}: {response.text}")


class ActionsIntegration:
    """A started integration executing runs, and a client of its Port to create and read them."""

    def __init__(self, service: IntegrationService, api: httpx.AsyncClient) -> None:
        self.service = service
        self.api = api

    @property
    def processor(self) -> ActionsProcessor:
        """The running actions processor (``outcomes`` counts what became of the runs)."""
        assert self.service.actions is not None, "the actions processor is not running"
        return self.service.actions

    async def create_run(
        self, action: str, *, entity: str | None = None, properties: Mapping[str, Any] | None = None
    ) -> httpx.Response:
        """``POST /v1/actions/{action}/runs`` as a user would; the raw answer (refusals included)."""
        body: dict[str, Any] = {"properties": dict(properties or {})}
        if entity is not None:
            body["entity"] = entity
        return await self.api.post(f"/v1/actions/{action}/runs", json=body)

    async def run(self, action: str, *, entity: str | None = None, **properties: Any) -> str:
        """Create a run of ``action`` (on ``entity``) with these inputs; returns its id.

        Raises:
            ActionRunError: Port refused it (bad inputs, unknown entity…).
        """
        response = await self.create_run(action, entity=entity, properties=properties)
        if response.status_code not in (200, 201):
            raise ActionRunError(response)
        return str(response.json()["run"]["id"])

    async def get(self, run_id: str) -> dict[str, Any]:
        """The run as Port holds it now."""
        response = await self.api.get(f"/v1/actions/runs/{run_id}")
        response.raise_for_status()
        run: dict[str, Any] = response.json()["run"]
        return run

    async def finished(self, run_id: str, *, timeout: float = FINISH_TIMEOUT_SECONDS) -> dict[str, Any]:
        """The run once it is SUCCESS or FAILURE (``TimeoutError`` after ``timeout`` seconds)."""
        async with asyncio.timeout(timeout):
            while (run := await self.get(run_id))["status"] == "IN_PROGRESS":
                await asyncio.sleep(0.02)
        return run

    async def logs(self, run_id: str) -> list[str]:
        """The messages of the run's log, oldest first."""
        response = await self.api.get(f"/v1/actions/runs/{run_id}/logs")
        response.raise_for_status()
        return [line["message"] for line in response.json()["runLogs"]]


@asynccontextmanager
async def actions_integration(
    integration_dir: Path | str, port: Any, *, env: Mapping[str, str] | None = None, resync: bool = True
) -> AsyncIterator[ActionsIntegration]:
    """Run ``integration_dir`` as an action executor against ``port`` (the ``harbor`` fixture).

    Args:
        integration_dir: the integration folder.
        port: anything with ``url``, ``client_id`` and ``client_secret``.
        env: ``OCEAN__*`` settings (read from here only, never from the shell); they may
            override the defaults (``OCEAN__ACTIONS_PROCESSOR__WORKERS_COUNT``…).
        resync: resync once before runs are executed.

    Raises:
        ResyncFailedError: the first resync failed.
    """
    from ocean_runtime.app import IntegrationRunner, PortTarget, load_integration
    from ocean_runtime.app.service import IntegrationService

    from . import ResyncFailedError

    environ = {
        "OCEAN__EVENT_LISTENER__TYPE": "ACTIONS_ONLY",
        "OCEAN__ACTIONS_PROCESSOR__ENABLED": "true",
        "OCEAN__ACTIONS_PROCESSOR__POLL_CHECK_INTERVAL_SECONDS": "0.05",
        **(env or {}),
        "OCEAN__PORT__BASE_URL": port.url,
        "OCEAN__PORT__CLIENT_ID": port.client_id,
        "OCEAN__PORT__CLIENT_SECRET": port.client_secret,
    }
    app = load_integration(Path(integration_dir), environ=environ)
    runner = IntegrationRunner(app, PortTarget(port.url, port.client_id, port.client_secret, local=True))
    async with runner, httpx.AsyncClient(base_url=port.url, timeout=30) as api:
        await runner.prepare()
        if resync:
            report = await runner.resync()
            if not report.ok:
                raise ResyncFailedError(report)
        credentials = {"clientId": port.client_id, "clientSecret": port.client_secret}
        token = (await api.post("/v1/auth/access_token", json=credentials)).json()["accessToken"]
        api.headers["Authorization"] = f"Bearer {token}"
        service = IntegrationService(runner)
        await service.start()
        try:
            yield ActionsIntegration(service, api)
        finally:
            await service.stop()
