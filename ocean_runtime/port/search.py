"""Reading entities back: searches, and the entities this integration owns.

Both carry the ``/exporter`` User-Agent and are safe to retry. Ownership is Port's
``$datasource`` (the User-Agent of the last write, see ``identity.py``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from ocean_runtime.errors import PortAPIError

from .session import PortSession

SEARCH_PATH = "/v1/entities/search"
OWNED_PATH = "/v1/blueprints/entities/datasource-entities"
DEFAULT_INCLUDE = ("blueprint", "identifier")
OWNED_PAGE_LIMIT = 5000


class SearchAPI:
    """``POST /v1/entities/search`` and ``POST /v1/blueprints/entities/datasource-entities``."""

    def __init__(self, session: PortSession) -> None:
        self._session = session

    async def search_entities(
        self, query: dict[str, Any], include: Sequence[str] | None = None, *, owned_only: bool = True
    ) -> list[dict[str, Any]]:
        """Entities matching a Port search query.

        Args:
            query: ``{"combinator": "and", "rules": [...]}``; not modified.
            include: the fields to return (``identifier``, ``properties.url``…); None means
                ``blueprint`` and ``identifier``, an empty list means whole entities.
            owned_only: restrict to entities this integration wrote, by appending the two
                ``$datasource contains`` rules when the query has rules (as the reference does).
        """
        body = self._owned_query(query) if owned_only else query
        fields = DEFAULT_INCLUDE if include is None else include
        params = [("exclude_calculated_properties", "true"), *(("include", field) for field in fields)]
        answer = await self._session.request(
            "POST", SEARCH_PATH, json_body=body, params=params, exporter=True, retryable=True
        )
        return _entities(answer, SEARCH_PATH)

    async def iter_owned_entities(
        self, *, before: datetime | None = None
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Pages of the entities this integration owns (``identifier``, ``blueprint``, …).

        Args:
            before: only entities last written before this moment (the resync start), so the
                ones written by the current resync are left out. A naive datetime is UTC.

        Raises:
            PortAPIError: Port refused, or its answer cannot be paged safely.
        """
        identity = self._session.identity
        body: dict[str, Any] = {
            "datasource_prefix": identity.datasource_prefix,
            "datasource_suffix": identity.datasource_suffix,
            "limit": OWNED_PAGE_LIMIT,
        }
        if before is not None:
            body["before"] = iso_utc(before)
        seen_cursors: set[str] = set()
        while True:
            answer = await self._session.request(
                "POST", OWNED_PATH, json_body=body, exporter=True, retryable=True
            )
            entities = _entities(answer, OWNED_PATH)
            if entities:
                yield entities
            cursor = answer.get("next")
            if not cursor:
                return
            key = json.dumps(cursor, sort_keys=True)
            if key in seen_cursors:
                # Reconcile deletes what is *not* listed here: an endless or looping listing
                # must stop the run, not be cut short and taken as complete.
                raise PortAPIError(
                    "POST", OWNED_PATH, 200, {"message": f"the 'next' cursor {cursor!r} repeated"}
                )
            seen_cursors.add(key)
            body = {**body, "from": cursor}

    async def owns_entities(self, *, before: datetime) -> bool:
        """Whether this integration owns any entity last written before ``before``.

        One page of one entity. A resync asks at its start (``before`` = its start): when the
        answer is no, nothing it could compare a write with or delete exists, so it skips both.

        Raises:
            PortAPIError: Port refused.
        """
        identity = self._session.identity
        body = {
            "datasource_prefix": identity.datasource_prefix,
            "datasource_suffix": identity.datasource_suffix,
            "limit": 1,
            "before": iso_utc(before),
        }
        answer = await self._session.request(
            "POST", OWNED_PATH, json_body=body, exporter=True, retryable=True
        )
        # An empty page that still points further cannot prove there is nothing: say yes.
        return bool(_entities(answer, OWNED_PATH) or answer.get("next"))

    def _owned_query(self, query: dict[str, Any]) -> dict[str, Any]:
        rules = query.get("rules")
        if not isinstance(rules, list) or not rules:
            return query
        owned = copy.deepcopy(query)
        owned["rules"] = [*owned["rules"], *self._session.identity.datasource_rules()]
        return owned


def iso_utc(moment: datetime) -> str:
    """``2026-11-26T22:51:03.073530+00:00``; a naive datetime is taken as UTC."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.isoformat()


def _entities(answer: Any, path: str) -> list[dict[str, Any]]:
    entities = answer.get("entities") if isinstance(answer, dict) else None
    if not isinstance(entities, list):
        raise PortAPIError(
            "POST", path, 200, {"message": f"the answer has no 'entities' list: {answer!r:.300}"}
        )
    return [entity for entity in entities if isinstance(entity, dict)]
