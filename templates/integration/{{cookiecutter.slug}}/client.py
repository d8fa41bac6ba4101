"""The {{ cookiecutter.name }} API client, built on Ocean's HTTP toolkit.

``{{ cookiecutter.__class_prefix }}Client`` talks to the real API: bearer auth, retries on 429/5xx with
``Retry-After``, a rate limit and page-number pagination all come from ``ocean_runtime.http`` —
adapt the path, the paginator (``link_header``, ``cursor``, ``offset``, ``next_url``…) and
``items_path`` to your API. ``ExampleClient`` serves made-up items so ``ocean sail`` works before
you point ``apiUrl`` at anything (the ``useExampleData`` configuration, on by default).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from ocean_runtime import http

STATUSES = ("active", "paused", "retired")
OWNERS = ("ada@example.com", "alan@example.com", "grace@example.com")


class {{ cookiecutter.__class_prefix }}Client:
    """Pages of ``{{ cookiecutter.kind }}`` items from ``GET {api_url}/{{ cookiecutter.kind }}?page=N&per_page=M``.

    Args:
        api_url: base URL of the API (the ``apiUrl`` configuration).
        token: API token (the ``apiToken`` configuration), sent as ``Authorization: Bearer``.
        page_size: items per page to ask for.
    """

    def __init__(self, api_url: str, token: str | None, page_size: int = 100) -> None:
        self.api_url = str(api_url).rstrip("/")
        self.token = token
        self.page_size = page_size

    async def pages(self) -> AsyncIterator[list[dict[str, Any]]]:
        """Yields every item, one page (list) at a time."""
        async with http.client(
            self.api_url,
            auth=http.BearerAuth(self.token) if self.token else None,
            rate_limit=http.RateLimit(requests=10, per=1.0, concurrency=4),
        ) as api:
            async for page in http.paginate(
                api, "/{{ cookiecutter.kind }}", paginator="page", size=self.page_size, items_path=None
            ):
                yield page


class ExampleClient:
    """Serves ``item_count`` deterministic items, ``page_size`` at a time, without any network.

    Args:
        api_url: base URL the items' ``url`` fields point at.
        item_count: how many items exist (the ``itemCount`` configuration).
        page_size: items per page, as a paginated API would return them.
    """

    def __init__(self, api_url: str, item_count: int, page_size: int = 10) -> None:
        self.api_url = str(api_url).rstrip("/")
        self.item_count = item_count
        self.page_size = page_size

    async def pages(self) -> AsyncIterator[list[dict[str, Any]]]:
        """Yields every item, one page (list) at a time."""
        for start in range(0, self.item_count, self.page_size):
            stop = min(start + self.page_size, self.item_count)
            yield [self.item(index) for index in range(start, stop)]

    def item(self, index: int) -> dict[str, Any]:
        """The raw item number ``index``, shaped like the API's JSON answer."""
        return {
            "id": f"{{ cookiecutter.kind }}-{index}",
            "name": f"{{ cookiecutter.__kind_title }} {index}",
            "url": f"{self.api_url}/{{ cookiecutter.kind }}/{index}",
            "status": STATUSES[index % len(STATUSES)],
            # Every fifth item is archived; the `includeArchived` selector decides whether it syncs.
            "archived": index % 5 == 4,
            "owner": {"email": OWNERS[index % len(OWNERS)]},
            "open_issues": (index * 7) % 11,
        }
