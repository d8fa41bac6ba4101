"""Blueprints (the catalog's types) and the migrations that delete them with their entities.

Blueprint writes carry the ``/exporter`` User-Agent, as the reference's defaults setup does.
"""

from __future__ import annotations

from typing import Any

from ocean_runtime.errors import PortAPIError

from .session import PortSession, segment


class BlueprintsAPI:
    """``/v1/blueprints`` and ``/v1/migrations``."""

    def __init__(self, session: PortSession) -> None:
        self._session = session

    async def get_blueprint(self, identifier: str) -> dict[str, Any] | None:
        """The blueprint (``identifier``, ``schema``, ``relations``…), or None when absent (404)."""
        try:
            body = await self._session.request("GET", f"/v1/blueprints/{segment(identifier)}")
        except PortAPIError as exc:
            if exc.status == 404:
                return None
            raise
        return _blueprint(body)

    async def create_blueprint(self, body: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/blueprints``; returns the created blueprint."""
        answer = await self._session.request("POST", "/v1/blueprints", json_body=body, exporter=True)
        return _blueprint(answer)

    async def patch_blueprint(self, identifier: str, body: dict[str, Any]) -> dict[str, Any]:
        """``PATCH /v1/blueprints/{identifier}``; returns the updated blueprint."""
        answer = await self._session.request(
            "PATCH", f"/v1/blueprints/{segment(identifier)}", json_body=body, exporter=True
        )
        return _blueprint(answer)

    async def delete_blueprint(self, identifier: str, *, with_entities: bool = False) -> str | None:
        """Delete a blueprint.

        Args:
            identifier: the blueprint.
            with_entities: also delete its entities. Port does that as a background migration
                (``DELETE /v1/blueprints/{bp}/all-entities?delete_blueprint=true``).

        Returns:
            The migration id when ``with_entities``, else None.
        """
        path = f"/v1/blueprints/{segment(identifier)}"
        if not with_entities:
            await self._session.request("DELETE", path)
            return None
        answer = await self._session.request(
            "DELETE", f"{path}/all-entities", params=[("delete_blueprint", "true")]
        )
        migration_id = answer.get("migrationId") if isinstance(answer, dict) else None
        return str(migration_id) if migration_id else None

    async def get_migration(self, migration_id: str) -> dict[str, Any]:
        """``GET /v1/migrations/{id}``; ``status`` is RUNNING/INITIALIZING/PENDING until done."""
        answer = await self._session.request("GET", f"/v1/migrations/{segment(migration_id)}")
        migration = answer.get("migration") if isinstance(answer, dict) else None
        return migration if isinstance(migration, dict) else {}


def _blueprint(body: Any) -> dict[str, Any]:
    value = body.get("blueprint") if isinstance(body, dict) else None
    return value if isinstance(value, dict) else {}
