"""A running harbor with small HTTP helpers to read its catalog — what the ``harbor`` fixture yields.

The helpers go through the public API over real HTTP (token included), so a test sees exactly
what a Port client would.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import httpx

from ocean_harbor.server import HarborServer


class _TokenAuth(httpx.Auth):
    """Fetches a bearer token from the harbor before the first request, then reuses it."""

    def __init__(self, client_id: str, client_secret: str) -> None:
        self._credentials = {"clientId": client_id, "clientSecret": client_secret}
        self._token: str | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._token is None:
            token_url = request.url.copy_with(path="/v1/auth/access_token", query=None)
            response = yield httpx.Request("POST", token_url, json=self._credentials)
            response.read()
            response.raise_for_status()
            self._token = response.json()["accessToken"]
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class RunningHarbor(HarborServer):
    """A ``HarborServer`` plus catalog readers (``entities``, ``blueprints``, ``integration``, ...)."""

    def client(self, **kwargs: Any) -> httpx.Client:
        """An authenticated ``httpx.Client`` on the harbor (use it in a ``with`` block)."""
        return httpx.Client(
            base_url=self.url, auth=_TokenAuth(self.client_id, self.client_secret), timeout=30, **kwargs
        )

    def _get(self, path: str, key: str) -> Any:
        with self.client() as client:
            response = client.get(path)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()[key]

    def entities(self, blueprint: str) -> list[dict[str, Any]]:
        """Every entity of ``blueprint`` (``[]`` when the blueprint does not exist)."""
        return self._get(f"/v1/blueprints/{blueprint}/entities", "entities") or []

    def blueprints(self) -> list[dict[str, Any]]:
        """Every blueprint document."""
        result: list[dict[str, Any]] = self._get("/v1/blueprints", "blueprints")
        return result

    def integration(self, identifier: str) -> dict[str, Any] | None:
        """The integration document, or None."""
        result: dict[str, Any] | None = self._get(f"/v1/integration/{identifier}", "integration")
        return result

    def search(self, query: dict[str, Any], include: list[str] | None = None) -> list[dict[str, Any]]:
        """Entities matching a rules query (``include`` as Port's repeated query parameter)."""
        with self.client() as client:
            response = client.post("/v1/entities/search", json=query, params={"include": include or []})
        response.raise_for_status()
        entities: list[dict[str, Any]] = response.json()["entities"]
        return entities
