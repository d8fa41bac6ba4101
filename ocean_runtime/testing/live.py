"""``live_integration``: an integration listening for webhooks in the test, into a local Port.

    async with live_integration(INTEGRATION_DIR, harbor, env={...}) as live:
        response = await live.post("/webhook", json={"action": "opened", ...}, headers={...})
        assert response.status_code == 202
        await live.settle()                      # every accepted event is processed
    # the catalog now holds what the event wrote

It starts the same service ``ocean sail`` runs (start handlers, defaults docked, the webhook
routes with authentication, validation and the event queue) with the listener
``WEBHOOKS_ONLY``, and talks to it in-process through ``httpx.ASGITransport``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from ocean_runtime.app.service import IntegrationService


class LiveIntegration:
    """A started integration service and an HTTP client for its routes."""

    def __init__(self, service: IntegrationService, client: httpx.AsyncClient) -> None:
        self.service = service
        self.client = client

    async def post(
        self,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """POST a webhook to ``path`` as registered with ``ocean.add_webhook_processor``."""
        return await self.client.post(f"/integration{path}", json=json, content=content, headers=headers)

    async def settle(self, *, poll: float = 0.01) -> None:
        """Wait until every accepted event has been processed (or given up on)."""
        backend = self.service.backend
        while backend is not None and backend.depth():
            await asyncio.sleep(poll)


@asynccontextmanager
async def live_integration(
    integration_dir: Path | str, port: Any, *, env: Mapping[str, str] | None = None
) -> AsyncIterator[LiveIntegration]:
    """Run ``integration_dir`` as a webhook listener against ``port`` (the ``harbor`` fixture).

    Args:
        integration_dir: the integration folder.
        port: where to sync: anything with ``url``, ``client_id`` and ``client_secret``.
        env: ``OCEAN__*`` settings (read from here only, never from the shell).
    """
    from ocean_runtime.app import IntegrationRunner, PortTarget, load_integration
    from ocean_runtime.app.service import IntegrationService

    environ = {
        "OCEAN__EVENT_LISTENER__TYPE": "WEBHOOKS_ONLY",
        **(env or {}),
        "OCEAN__PORT__BASE_URL": port.url,
        "OCEAN__PORT__CLIENT_ID": port.client_id,
        "OCEAN__PORT__CLIENT_SECRET": port.client_secret,
    }
    app = load_integration(Path(integration_dir), environ=environ)
    runner = IntegrationRunner(app, PortTarget(port.url, port.client_id, port.client_secret, local=True))
    async with runner:
        await runner.prepare()
        service = IntegrationService(runner)
        await service.start()
        transport = httpx.ASGITransport(app=service.asgi)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://ocean") as client:
                yield LiveIntegration(service, client)
        finally:
            await service.stop()
