"""Published incremental-sync helpers (``port_ocean.core.incremental``): cursor and strategies.

``active_incremental_cursor()`` is the cursor bound with ``with_active_incremental_cursor`` (the
integrations' tests bind one), else None — a full resync. Ocean's own incremental syncs give
handlers their cursor through ``ocean_runtime.updated_since()``; published handlers that only
read ``active_incremental_cursor()`` therefore fetch everything (safe: nothing is missed).

The strategies turn a cursor into request parameters (server-side filtering) or filter pages and
stop paginating once items predate it (client-side cutoff), as the published ones do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

_cursor: ContextVar[datetime | None] = ContextVar("port_ocean_incremental_cursor", default=None)


def active_incremental_cursor() -> datetime | None:
    """The cursor of the current incremental kind, or None on a full resync."""
    return _cursor.get()


@contextmanager
def with_active_incremental_cursor(cursor: datetime) -> Iterator[None]:
    """Bind ``cursor`` for the current task until the block exits."""
    token = _cursor.set(cursor)
    try:
        yield
    finally:
        _cursor.reset(token)


class IncrementalStrategy:
    """How a cursor limits a listing: extra request parameters, page filtering, early stop."""

    def build_params(self, cursor: datetime | None) -> dict[str, Any]:
        return {}

    def merge_params(self, base_params: dict[str, Any], cursor: datetime | None) -> dict[str, Any]:
        return {**base_params, **self.build_params(cursor)}

    def filter_page(self, page: list[dict[str, Any]], cursor: datetime | None) -> list[dict[str, Any]]:
        return page

    def should_break_pagination(self, page: list[dict[str, Any]], cursor: datetime | None) -> bool:
        return False


class ServerSideTimestampStrategy(IncrementalStrategy):
    """The API filters: ``{param_key: value_prefix + cursor}`` (``date_format`` or ISO 8601)."""

    def __init__(self, param_key: str, date_format: str | None = None, value_prefix: str = "") -> None:
        self._param_key = param_key
        self._date_format = date_format
        self._value_prefix = value_prefix

    def build_params(self, cursor: datetime | None) -> dict[str, Any]:
        if cursor is None:
            return {}
        value = cursor.strftime(self._date_format) if self._date_format else cursor.isoformat()
        return {self._param_key: f"{self._value_prefix}{value}"}


class ClientSideCutoffStrategy(IncrementalStrategy):
    """The client filters: items whose ``stop_field`` predates the cursor are dropped, and then
    pagination stops (listings are newest first)."""

    def __init__(self, *, stop_field: str, query_params: dict[str, Any] | None = None) -> None:
        self._stop_field = stop_field
        self._query_params = query_params or {}

    def build_params(self, cursor: datetime | None) -> dict[str, Any]:
        return dict(self._query_params) if cursor is not None else {}

    def filter_page(self, page: list[dict[str, Any]], cursor: datetime | None) -> list[dict[str, Any]]:
        return page if cursor is None else [item for item in page if not self.should_stop(item, cursor)]

    def should_break_pagination(self, page: list[dict[str, Any]], cursor: datetime | None) -> bool:
        return cursor is not None and self.page_exhausted(page, cursor)

    def should_stop(self, item: dict[str, Any], cursor: datetime | None) -> bool:
        raw = item.get(self._stop_field)
        if cursor is None or not raw:
            return False
        return _utc(str(raw)) < cursor

    def page_exhausted(self, page: list[dict[str, Any]], cursor: datetime | None) -> bool:
        return any(self.should_stop(item, cursor) for item in page)


def _utc(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


async def paginate_with_strategy(
    pages: AsyncIterator[list[dict[str, Any]]],
    *,
    cursor: datetime | None = None,
    strategy: IncrementalStrategy | None = None,
) -> AsyncIterator[list[dict[str, Any]]]:
    """Pages filtered by ``strategy``, stopping early once it says the rest predates the cursor."""
    async for page in pages:
        batch = page if strategy is None else strategy.filter_page(page, cursor)
        if batch:
            yield batch
        if strategy is not None and strategy.should_break_pagination(page, cursor):
            break
