"""The integration record in Port: its config, resync state, examples and logs.

Endpoints (all under ``/v1/integration/{identifier}``): GET / POST / PATCH / DELETE of the
record, ``PATCH …/config``, ``PATCH …/resync-state``, ``GET …/resync-request``,
``POST …/kinds/{kind}/examples`` and the log ingest URL Port hands out in ``logAttributes``.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote_plus

from ocean_runtime.errors import OceanError, PortAPIError

from .session import PortSession, segment

logger = logging.getLogger(__name__)
# Best-effort calls report their failures here, where users look for Port traffic problems.
port_logger = logging.getLogger("ocean.port")


class IntegrationsAPI:
    """Reads and writes this integration's own record in Port."""

    def __init__(self, session: PortSession) -> None:
        self._session = session
        self._identifier = session.identity.integration_identifier
        self._log_ingest_url: str | None = None

    @property
    def _path(self) -> str:
        return f"/v1/integration/{segment(self._identifier)}"

    async def get_organization(self) -> dict[str, Any]:
        """``GET /v1/organization`` → the organization (``id``, ``name``, ``featureFlags``)."""
        body = await self._session.request("GET", "/v1/organization")
        return _field(body, "organization")

    async def get_integration(self) -> dict[str, Any] | None:
        """The integration record, or None when Port does not know it yet (404)."""
        try:
            body = await self._session.request("GET", self._path)
        except PortAPIError as exc:
            if exc.status == 404:
                return None
            raise
        integration = self._remembered(_field(body, "integration"))
        return integration or None

    async def create_integration(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/integration`` with ``installationId``, ``installationAppType``, ``config``…"""
        answer = await self._session.request("POST", "/v1/integration", json_body=body)
        return self._remembered(_field(answer, "integration"))

    async def patch_integration(self, body: dict[str, Any]) -> dict[str, Any]:
        """``PATCH /v1/integration/{id}``; Port merges the given keys into the record."""
        answer = await self._session.request("PATCH", self._path, json_body=body)
        return self._remembered(_field(answer, "integration"))

    async def patch_integration_config(self, config: dict[str, Any]) -> dict[str, Any]:
        """``PATCH /v1/integration/{id}/config`` with ``{"config": config}``."""
        answer = await self._session.request("PATCH", f"{self._path}/config", json_body={"config": config})
        return _field(answer, "integration")

    async def update_resync_state(self, state: dict[str, Any]) -> dict[str, Any]:
        """``PATCH /v1/integration/{id}/resync-state`` (``status``: running/completed/failed/aborted)."""
        answer = await self._session.request("PATCH", f"{self._path}/resync-state", json_body=state)
        return _field(answer, "integration")

    async def get_resync_request(self) -> dict[str, Any] | None:
        """The pending resync request (``{"id", "updatedAt"}``), or None when there is none."""
        body = await self._session.request("GET", f"{self._path}/resync-request")
        request = body.get("request") if isinstance(body, dict) else None
        return request if isinstance(request, dict) and request else None

    async def delete_integration(self) -> bool:
        """``DELETE /v1/integration/{id}``. Returns False when it did not exist (404)."""
        try:
            await self._session.request("DELETE", self._path)
        except PortAPIError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    async def send_kind_examples(self, kind: str, examples: list[dict[str, Any]]) -> None:
        """Best effort: show Port a few raw items of ``kind`` (for the mapping editor)."""
        # quote_plus, as the reference does: Port decodes these two segments that way.
        path = f"/v1/integration/{quote_plus(self._identifier)}/kinds/{quote_plus(kind)}/examples"
        try:
            # Sending the same examples twice replaces them with themselves.
            await self._session.request("POST", path, json_body={"examples": examples}, resend_if_stale=True)
        except OceanError as exc:
            port_logger.warning("Could not send raw examples of kind %r to Port: %s", kind, exc)

    async def ingest_logs(self, records: list[dict[str, Any]]) -> None:
        """Best effort: ship log records to the integration's ``logAttributes.ingestUrl``."""
        if not records:
            return
        try:
            url = await self._ingest_url()
            if url is None:
                return
            # Best effort: a record shipped twice beats a warning on a healthy run.
            await self._session.request("POST", url, json_body={"logs": records}, resend_if_stale=True)
        except OceanError as exc:
            port_logger.warning("Could not ship %d log records to Port: %s", len(records), exc)

    def _remembered(self, integration: dict[str, Any]) -> dict[str, Any]:
        """Notes where logs go from a record that passed by: shipping them then costs no lookup."""
        attributes = integration.get("logAttributes")
        url = attributes.get("ingestUrl") if isinstance(attributes, dict) else None
        if url:
            self._log_ingest_url = str(url)
        return integration

    async def _ingest_url(self) -> str | None:
        if self._log_ingest_url is None:
            integration = await self.get_integration() or {}
            attributes = integration.get("logAttributes") or {}
            url = attributes.get("ingestUrl") if isinstance(attributes, dict) else None
            if not url:
                port_logger.debug("Port gave no logAttributes.ingestUrl; logs are not shipped")
                return None
            self._log_ingest_url = str(url)
        return self._log_ingest_url


def _field(body: Any, key: str) -> dict[str, Any]:
    """``body[key]`` when Port wrapped the object as usual, else {} (tolerant of a bare ok)."""
    value = body.get(key) if isinstance(body, dict) else None
    return value if isinstance(value, dict) else {}
