"""Incremental-sync cursors stored in Port, one per (kind, resource index).

``GET /v1/integration/{id}/cursor?kind=&index=`` answers ``{"cursor": {...}}`` or
``{"cursor": null}``; ``PUT`` on the same path stores ``{"primary": "<iso>"}``, and when Port
answers 404 (no cursor yet) the client creates it with ``POST`` — as the reference does.
"""

from __future__ import annotations

from typing import Any

from ocean_runtime.errors import PortAPIError

from .session import PortSession, segment


class CursorsAPI:
    """Reads and writes this integration's cursors."""

    def __init__(self, session: PortSession) -> None:
        self._session = session
        self._path = f"/v1/integration/{segment(session.identity.integration_identifier)}/cursor"

    async def get(self, kind: str, index: int) -> dict[str, Any] | None:
        """The stored cursor of (kind, index), or None."""
        body = await self._session.request("GET", self._path, params=_query(kind, index))
        cursor = body.get("cursor") if isinstance(body, dict) else None
        return cursor if isinstance(cursor, dict) else None

    async def put(self, kind: str, index: int, cursor: dict[str, Any]) -> None:
        """Store the cursor of (kind, index), creating it when Port has none."""
        try:
            await self._session.request("PUT", self._path, json_body=cursor, params=_query(kind, index))
        except PortAPIError as exc:
            if exc.status != 404:
                raise
            await self._session.request("POST", self._path, json_body=cursor, params=_query(kind, index))


def _query(kind: str, index: int) -> list[tuple[str, str]]:
    return [("kind", kind), ("index", str(index))]
