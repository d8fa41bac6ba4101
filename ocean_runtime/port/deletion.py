"""Deleting entities in bulk: ``POST /v1/blueprints/{bp}/bulk/entities/delete``.

Port deletes at most 100 identifiers per request and may delete only part of them; only the
identifiers it lists in ``deletedEntities`` count as deleted. A refused chunk is logged and
contributes nothing — the caller sees exactly what this call deleted. An identifier Port no
longer holds (already deleted, e.g. by cascading ``delete_dependents``) is skipped, not listed:
a caller that wants to know what is gone searches for the rest (reconcile does).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from ocean_runtime.errors import PortAPIError

from ._tasks import run_all
from .entities import event_query, flag
from .session import PortSession, segment

logger = logging.getLogger(__name__)

MAX_DELETE_BATCH = 100


class DeletionAPI:
    """Bulk entity deletion."""

    def __init__(self, session: PortSession) -> None:
        self._session = session

    async def delete_entities(
        self,
        blueprint: str,
        identifiers: Iterable[str],
        *,
        delete_dependents: bool,
        event_params: Mapping[str, str] | None = None,
    ) -> list[str]:
        """Delete entities of one blueprint; returns the identifiers Port says it deleted.

        Args:
            blueprint: the blueprint of every identifier.
            identifiers: entity identifiers (duplicates are sent once).
            delete_dependents: let Port cascade to entities that depend on these.
            event_params: ``ocean_info_*`` audit parameters, as for upserts.

        Raises:
            PortAuthError: credentials refused.
            PortUnreachableError: Port could not be reached.
        """
        unique = list(dict.fromkeys(identifiers))
        batches = [
            unique[start : start + MAX_DELETE_BATCH] for start in range(0, len(unique), MAX_DELETE_BATCH)
        ]
        params = [("delete_dependents", flag(delete_dependents)), *event_query(event_params)]
        results = await run_all(self._delete_batch(blueprint, batch, params) for batch in batches)
        return [identifier for deleted in results for identifier in deleted]

    async def _delete_batch(
        self, blueprint: str, batch: list[str], params: list[tuple[str, str]]
    ) -> list[str]:
        path = f"/v1/blueprints/{segment(blueprint)}/bulk/entities/delete"
        try:
            answer = await self._session.request(
                "POST", path, json_body={"entities": batch}, params=params, exporter=True, retryable=True
            )
        except PortAPIError as exc:
            logger.warning("Port refused to delete %d %s entities: %s", len(batch), blueprint, exc)
            return []
        return _deleted(answer)


def _deleted(answer: Any) -> list[str]:
    deleted = answer.get("deletedEntities") if isinstance(answer, dict) else None
    if not isinstance(deleted, list):
        return []
    return [identifier for identifier in deleted if isinstance(identifier, str)]
