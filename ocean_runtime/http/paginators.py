"""The pagination strategies, each a small class registered by name.

A paginator only decides *which page comes next*: given the request that fetched a page and
what came back, it returns the next request, or None when the last page has been read.
Fetching, extracting items and loop detection are ``pagination.paginate``'s job, so a strategy
is a dozen lines and a new one is a subclass plus ``@register_paginator("name")``.

| name | next page | stops when |
|---|---|---|
| ``none`` | — | after the first page |
| ``offset`` | ``offset += items on the page`` | an empty page, or ``offset >= total`` (``total_path``) |
| ``page`` | ``page += 1`` | an empty page, or ``page >= total_pages`` (``total_pages_path``) |

| ``cursor`` | ``cursor_param = <body at cursor_path>`` | no cursor, or ``has_more_path`` is false |
| ``next_url`` | GET ``<body at next_url_path>`` | the URL is missing/empty |
| ``link_header`` | GET the ``Link: <…>; rel="next"`` URL | no ``next`` link |

A listing that ends early is worse than one that fails: reconcile deletes every entity of the
items it did not see. So a strategy ends only on a clear "last page" and raises
``PaginationError`` when the answer contradicts itself — an empty page while ``total`` says more
remain, ``has_more`` true without a cursor, a next URL that is not a string. And a short page
does not end ``offset``/``page`` paging unless ``short_page_is_last`` says so: many APIs
silently cap the page size below what was asked. The price is one extra request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, TypeVar

import httpx

from ocean_runtime.errors import PaginationError

from .jsonpath import MISSING, describe_shape, get_path


@dataclass(frozen=True)
class PageRequest:
    """One page's request: a path or absolute URL, query parameters and an optional JSON body."""

    url: str
    params: dict[str, Any] = field(default_factory=dict)
    json: dict[str, Any] | None = None

    def with_value(self, name: str, value: Any, *, in_body: bool) -> PageRequest:
        """A copy with ``name=value`` set in the query (or in the JSON body)."""
        if in_body:
            return replace(self, json={**(self.json or {}), name: value})
        return replace(self, params={**self.params, name: value})

    def value(self, name: str, *, in_body: bool) -> Any:
        """The current value of ``name`` in the query (or the JSON body)."""
        source = (self.json or {}) if in_body else self.params
        return source.get(name)


@dataclass(frozen=True)
class Page:
    """What one request brought back."""

    response: httpx.Response
    body: Any
    items: list[Any]


class Paginator:
    """Base class of the strategies. Options are constructor keyword arguments.

    Subclasses set ``name`` (through ``@register_paginator``), may adjust the first request in
    ``start`` and must implement ``next``.
    """

    name: ClassVar[str] = ""

    def start(self, request: PageRequest) -> PageRequest:
        """The first request (e.g. with ``limit``/``offset=0`` added)."""
        return request

    def next(self, request: PageRequest, page: Page) -> PageRequest | None:
        """The request for the page after ``page``, or None when it was the last."""
        raise NotImplementedError

    def describe(self, request: PageRequest) -> str:
        """How to name ``request`` in a loop error (the cursor, the page number, the URL)."""
        return f"{request.url} {request.params or ''}".strip()


P = TypeVar("P", bound=type[Paginator])
PAGINATORS: dict[str, type[Paginator]] = {}


def register_paginator(name: str) -> Callable[[P], P]:
    """Class decorator: make a ``Paginator`` subclass available as ``paginator=name``."""

    def register(cls: P) -> P:
        cls.name = name
        PAGINATORS[name] = cls
        return cls

    return register


@register_paginator("none")
class SinglePage(Paginator):
    """The endpoint answers everything at once."""

    def next(self, request: PageRequest, page: Page) -> PageRequest | None:
        return None


@register_paginator("offset")
@dataclass
class OffsetPaginator(Paginator):
    """``?offset=0&limit=100``, then ``offset=100``… (Jira, many SQL-backed APIs)."""

    limit: int = 100
    offset_param: str = "offset"
    limit_param: str = "limit"
    start_offset: int = 0
    total_path: str | None = None
    short_page_is_last: bool = False
    in_body: bool = False

    def start(self, request: PageRequest) -> PageRequest:
        first = request.with_value(self.offset_param, self.start_offset, in_body=self.in_body)
        return first.with_value(self.limit_param, self.limit, in_body=self.in_body)

    def next(self, request: PageRequest, page: Page) -> PageRequest | None:
        offset = int(request.value(self.offset_param, in_body=self.in_body)) + len(page.items)
        total = get_path(page.body, self.total_path) if self.total_path else MISSING
        if _is_int(total) and offset >= total:
            return None
        if not page.items:
            if _is_int(total):
                raise _cut_short(
                    f"{self.describe(request)} came back empty while '{self.total_path}' says {total} items",
                    "drop total_path to page until an empty page, "
                    f"or check the '{self.offset_param}' parameter",
                )
            return None
        if self.short_page_is_last and len(page.items) < self.limit:
            return None
        return request.with_value(self.offset_param, offset, in_body=self.in_body)

    def describe(self, request: PageRequest) -> str:
        return f"offset {request.value(self.offset_param, in_body=self.in_body)}"


@register_paginator("page")
@dataclass
class PageNumberPaginator(Paginator):
    """``?page=1&per_page=100``, then ``page=2``… (GitHub search, GitLab, many admin APIs)."""

    page_param: str = "page"
    start_page: int = 1
    size: int | None = None
    size_param: str = "per_page"
    total_pages_path: str | None = None
    short_page_is_last: bool = False
    in_body: bool = False

    def start(self, request: PageRequest) -> PageRequest:
        first = request.with_value(self.page_param, self.start_page, in_body=self.in_body)
        return first.with_value(self.size_param, self.size, in_body=self.in_body) if self.size else first

    def next(self, request: PageRequest, page: Page) -> PageRequest | None:
        number = int(request.value(self.page_param, in_body=self.in_body))
        total = get_path(page.body, self.total_pages_path) if self.total_pages_path else MISSING
        if _is_int(total) and number >= total + self.start_page - 1:
            return None
        if not page.items:
            if _is_int(total):
                raise _cut_short(
                    f"{self.describe(request)} came back empty while '{self.total_pages_path}' says "
                    f"{total} pages",
                    "drop total_pages_path to page until an empty page, "
                    f"or check start_page ({self.start_page})",
                )
            return None
        if self.short_page_is_last and self.size is not None and len(page.items) < self.size:
            return None
        return request.with_value(self.page_param, number + 1, in_body=self.in_body)

    def describe(self, request: PageRequest) -> str:
        return f"page {request.value(self.page_param, in_body=self.in_body)}"


@register_paginator("cursor")
@dataclass
class CursorPaginator(Paginator):
    """The answer names the next page's cursor (Slack, Notion, PagerDuty, Stripe-like APIs)."""

    cursor_path: str = "next_cursor"
    cursor_param: str = "cursor"
    has_more_path: str | None = None
    in_body: bool = False

    def next(self, request: PageRequest, page: Page) -> PageRequest | None:
        if self.has_more_path and get_path(page.body, self.has_more_path) is not True:
            return None
        cursor = get_path(page.body, self.cursor_path)
        if cursor is MISSING or cursor is None or cursor == "":
            if self.has_more_path:
                raise _cut_short(
                    f"after {self.describe(request)} '{self.has_more_path}' is true but there is no "
                    f"cursor at '{self.cursor_path}'",
                    "check cursor_path",
                )
            return None
        return request.with_value(self.cursor_param, cursor, in_body=self.in_body)

    def describe(self, request: PageRequest) -> str:
        return f"cursor {request.value(self.cursor_param, in_body=self.in_body)!r}"


@register_paginator("next_url")
@dataclass
class NextUrlPaginator(Paginator):
    """The answer holds the next page's full URL (``next``, ``links.next``, ``@odata.nextLink``)."""

    next_url_path: str = "next"

    def next(self, request: PageRequest, page: Page) -> PageRequest | None:
        url = get_path(page.body, self.next_url_path)
        if url is MISSING or url is None or url == "":
            return None
        if not isinstance(url, str):
            raise _cut_short(
                f"after {self.describe(request)} '{self.next_url_path}' holds {describe_shape(url)}, "
                "not a URL",
                "point next_url_path at the string holding the next page's URL",
            )
        # The URL carries its own query; the first request's parameters must not be re-added.
        return PageRequest(url=url, params={}, json=request.json)

    def describe(self, request: PageRequest) -> str:
        return f"URL {request.url}"


@register_paginator("link_header")
@dataclass
class LinkHeaderPaginator(Paginator):
    """RFC 8288 ``Link: <https://…?page=2>; rel="next"`` (GitHub, GitLab, Sentry, Okta)."""

    rel: str = "next"

    def next(self, request: PageRequest, page: Page) -> PageRequest | None:
        link = page.response.links.get(self.rel)
        url = link.get("url") if link else None
        if not url:
            return None
        return PageRequest(url=url, params={}, json=request.json)

    def describe(self, request: PageRequest) -> str:
        return f"URL {request.url}"


def _cut_short(what: str, fix: str) -> PaginationError:
    return PaginationError(f"the listing would end early: {what} — {fix}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
