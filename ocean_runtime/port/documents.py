"""Optional catalog documents shipped in ``.port/resources``: actions, scorecards, pages.

Port answers each with the created object wrapped under its type name; the defaults setup
treats failures as warnings, so these raise like any other call and let the caller decide.
"""

from __future__ import annotations

from typing import Any

from .session import PortSession, segment


class DocumentsAPI:
    """``POST``/``PUT /v1/actions``, ``POST /v1/blueprints/{bp}/scorecards``, ``POST /v1/pages``."""

    def __init__(self, session: PortSession) -> None:
        self._session = session

    async def create_action(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a self-service action (one item of ``actions.json``)."""
        answer = await self._session.request("POST", "/v1/actions", json_body=body)
        return _unwrap(answer, "action")

    async def update_action(self, body: dict[str, Any]) -> dict[str, Any]:
        """Replace the self-service action ``body["identifier"]`` (``PUT /v1/actions/{identifier}``)."""
        path = f"/v1/actions/{segment(str(body.get('identifier')))}"
        return _unwrap(await self._session.request("PUT", path, json_body=body), "action")

    async def create_scorecard(self, blueprint: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create a scorecard on ``blueprint`` (one item of ``scorecards.json[*].data``)."""
        answer = await self._session.request(
            "POST", f"/v1/blueprints/{segment(blueprint)}/scorecards", json_body=body
        )
        return _unwrap(answer, "scorecard")

    async def create_page(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a catalog page (one item of ``pages.json``)."""
        answer = await self._session.request("POST", "/v1/pages", json_body=body)
        return _unwrap(answer, "page")


def _unwrap(body: Any, key: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        return {}
    value = body.get(key)
    return value if isinstance(value, dict) else body
