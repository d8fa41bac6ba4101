"""A stand-in for the {{ cookiecutter.name }} API client: pages of made-up {{ cookiecutter.kind }} items.

Replace it with a real client (e.g. ``httpx.AsyncClient`` calls) that yields the API's pages;
``main.py`` and the mapping in ``.port/resources/port-app-config.yml`` only need the item fields.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

STATUSES = ("active", "paused", "retired")
OWNERS = ("ada@example.com", "alan@example.com", "grace@example.com")


class ExampleClient:
    """Serves ``item_count`` deterministic items, ``page_size`` at a time.

    Args:
        base_url: base URL of the API (the ``apiUrl`` configuration).
        item_count: how many items exist (the ``itemCount`` configuration).
        page_size: items per page, as a paginated API would return them.
    """

    def __init__(self, base_url: str, item_count: int, page_size: int = 10) -> None:
        self.base_url = str(base_url).rstrip("/")
        self.item_count = item_count
        self.page_size = page_size

    async def pages(self) -> AsyncIterator[list[dict[str, Any]]]:
        """Yields every item, one page (list) at a time."""
        for start in range(0, self.item_count, self.page_size):
            stop = min(start + self.page_size, self.item_count)
            yield [self.item(index) for index in range(start, stop)]

    def item(self, index: int) -> dict[str, Any]:
        """The raw item number ``index``, shaped like an API's JSON answer."""
        return {
            "id": f"{{ cookiecutter.kind }}-{index}",
            "name": f"{{ cookiecutter.__kind_title }} {index}",
            "url": f"{self.base_url}/{{ cookiecutter.kind }}/{index}",
            "status": STATUSES[index % len(STATUSES)],
            # Every fifth item is archived; the `includeArchived` selector decides whether it syncs.
            "archived": index % 5 == 4,
            "owner": {"email": OWNERS[index % len(OWNERS)]},
            "open_issues": (index * 7) % 11,
        }
