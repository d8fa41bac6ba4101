"""Server-side paging: which rows a ``?page=`` asks for, and the links around it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode


def requested_page(raw: str | None) -> int:
    """The 1-based page a query parameter asks for.

    Hand-edited URLs are common on a local tool; anything that is not a positive integer means
    the first page rather than an error page.
    """
    try:
        number = int(raw or "1")
    except ValueError:
        return 1
    return max(number, 1)


@dataclass(frozen=True)
class Page:
    """One page of a result of ``total`` rows, ``size`` rows a page.

    Attributes:
        number: the 1-based page shown (a request past the end shows the last page).
        size: rows per page.
        total: rows in the whole result.
    """

    number: int
    size: int
    total: int

    @classmethod
    def of(cls, requested: int, size: int, total: int) -> Page:
        """The page to show for a request, clamped to the pages that exist."""
        last = max((total + size - 1) // size, 1)
        return cls(number=min(max(requested, 1), last), size=size, total=total)

    @property
    def offset(self) -> int:
        """Rows before this page."""
        return (self.number - 1) * self.size

    @property
    def last(self) -> int:
        """The number of the last page (1 for an empty result)."""
        return max((self.total + self.size - 1) // self.size, 1)

    @property
    def first_row(self) -> int:
        """1-based position of the page's first row (0 when empty)."""
        return self.offset + 1 if self.total else 0

    @property
    def last_row(self) -> int:
        """1-based position of the page's last row."""
        return min(self.offset + self.size, self.total)

    def link(self, number: int, param: str = "page", **keep: str) -> str:
        """A query string for page ``number``, keeping the other parameters (e.g. the search)."""
        query = {key: value for key, value in keep.items() if value}
        if number > 1:
            query[param] = str(number)
        return "?" + urlencode(query) if query else "?"
