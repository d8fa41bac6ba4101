"""``paginate``: every page of an endpoint, as batches ready to yield from ``on_resync``.

    @ocean.on_resync("repository")
    async def repositories(kind: str):
        async for batch in paginate(github, "/orgs/acme/repos", paginator="link_header",
                                    params={"per_page": 100}):
            yield batch

The strategy (``paginators.py``) says which page comes next; this module fetches, checks the
status, extracts the items at ``items_path`` and guards against loops: an API that hands out
the same cursor/URL twice, or the same items for two different pages (it ignores the paging
parameter), ends in a ``PaginationError`` naming the repeated page — never in an endless run.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx

from ocean_runtime.errors import PaginationError, ThirdPartyAPIError, UserInputError

from .jsonpath import MISSING, describe_shape, get_path
from .paginators import PAGINATORS, Page, PageRequest, Paginator

Batch = list[dict[str, Any]]

logger = logging.getLogger(__name__)


def make_paginator(name: str, **options: Any) -> Paginator:
    """The registered paginator ``name`` built with ``options``.

    Raises:
        UserInputError: no paginator has that name, or an option is unknown or mistyped.
    """
    cls = PAGINATORS.get(name)
    if cls is None:
        raise UserInputError(
            f"unknown paginator {name!r}",
            location="paginator",
            fix=f"use one of {', '.join(sorted(PAGINATORS))}",
        )
    try:
        return cls(**options)
    except TypeError as exc:
        raise UserInputError(
            f"paginator {name!r} got bad options {sorted(options)}: {exc}",
            location="paginator",
            fix=f"see the options of {cls.__name__} in ocean_runtime.http",
        ) from exc


async def paginate(
    client: httpx.AsyncClient,
    path: str,
    *,
    paginator: str | Paginator = "none",
    items_path: str | None = None,
    method: str = "GET",
    params: Mapping[str, Any] | None = None,
    json_body: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    max_pages: int | None = None,
    **options: Any,
) -> AsyncIterator[Batch]:
    """Fetch every page of ``path`` and yield each page's items (empty pages are skipped).

    Args:
        client: a toolkit client (``ocean_runtime.http.client``) or any ``httpx.AsyncClient``.
        path: path relative to the client's base URL, or an absolute URL.
        paginator: a registered name (``none``, ``offset``, ``page``, ``cursor``, ``next_url``,
            ``link_header``) or a ``Paginator`` instance.
        items_path: dotted path of the item list in the answer (``data.items``); None when the
            answer is the list itself.
        method: HTTP method (POST for search endpoints paginated in the body).
        params: query parameters of the first request.
        json_body: JSON body of every request (``in_body`` paginators add their field to it).
        headers: extra headers.
        max_pages: stop after this many pages (None: until the paginator says so). Items on
            later pages are not synced, so reconcile deletes their entities; a warning says
            when the cap cut a listing short.
        **options: options of a named paginator, e.g. ``cursor_path="meta.next"``.

    Raises:
        ThirdPartyAPIError: a page was answered with a non-2xx status.
        PaginationError: a page repeated, the items are not a list at ``items_path``, a page
            came without a body (other than 204), or the answer contradicts itself about
            what comes next — a listing that cannot be read to its end fails, it never ends early.
        UserInputError: unknown paginator name or options.
    """
    strategy = paginator if isinstance(paginator, Paginator) else make_paginator(paginator, **options)
    request: PageRequest | None = strategy.start(
        PageRequest(url=path, params=dict(params or {}), json=dict(json_body) if json_body else None)
    )
    seen: dict[str, int] = {}
    previous_items: tuple[str, PageRequest] | None = None
    number = 0
    while request is not None:
        number += 1
        _check_not_seen(strategy, request, seen, number)
        response = await client.request(
            method, request.url, params=request.params or None, json=request.json, headers=headers
        )
        body = await _decoded(response, method)
        items = _items(body, items_path, response)
        page = Page(response=response, body=body, items=items)
        if items:
            fingerprint = _fingerprint(items)
            if previous_items is not None and previous_items[0] == fingerprint:
                raise PaginationError(
                    f"{method} {response.request.url.path}: {strategy.describe(request)} returned the same "
                    f"items as {strategy.describe(previous_items[1])} — the API seems to ignore the "
                    f"'{strategy.name}' paginator's parameter; check its options"
                )
            previous_items = (fingerprint, request)
            yield items
        following = strategy.next(request, page)
        if following is not None and max_pages is not None and number >= max_pages:
            logger.warning(
                "%s %s: stopped after max_pages=%d although the API has more pages; items on them "
                "are not synced (and reconcile deletes their entities)",
                method,
                path,
                max_pages,
            )
            return
        request = following


def _check_not_seen(strategy: Paginator, request: PageRequest, seen: dict[str, int], number: int) -> None:
    key = json.dumps([request.url, request.params, request.json], sort_keys=True, default=str)
    if key in seen:
        raise PaginationError(
            f"pagination loop: page {number} would fetch {strategy.describe(request)} again "
            f"(first fetched as page {seen[key]}) — stopped instead of looping forever"
        )
    seen[key] = number


async def _decoded(response: httpx.Response, method: str) -> Any:
    await response.aread()
    if not response.is_success:
        url = _safe_url(response.request.url)
        raise ThirdPartyAPIError(method, url, response.status_code, _detail(response))
    if not response.content:
        if response.status_code == 204:
            return None  # "No Content": a page with no items
        # Anything else without a body is a broken answer, not an empty page: reading it as the
        # end of the listing would make reconcile delete what the next pages held.
        raise PaginationError(
            f"{method} {_safe_url(response.request.url)} answered {response.status_code} with an "
            "empty body — expected a JSON page"
        )
    try:
        return response.json()
    except ValueError as exc:
        raise PaginationError(
            f"{method} {_safe_url(response.request.url)} answered {response.status_code} with a body that "
            f"is not JSON ({response.headers.get('content-type', 'no content-type')}): {response.text[:80]!r}"
        ) from exc


def _items(body: Any, items_path: str | None, response: httpx.Response) -> list[Any]:
    if body is None:
        return []
    items = get_path(body, items_path)
    if isinstance(items, list):
        return items
    where = f"at '{items_path}'" if items_path else "(the whole answer)"
    found = "nothing" if items is MISSING else describe_shape(items)
    hint = (
        f"set items_path to the key holding the list; the answer is {describe_shape(body)}"
        if isinstance(body, dict)
        else "check items_path"
    )
    raise PaginationError(
        f"{response.request.method} {_safe_url(response.request.url)}: expected a list of items {where}, "
        f"found {found} — {hint}"
    )


def _fingerprint(items: list[Any]) -> str:
    # The ends and the length tell two pages apart in practice, at a fraction of the cost of
    # encoding every item (which would double the client-side time per page).
    encoded = json.dumps([len(items), items[0], items[-1]], sort_keys=True, default=str).encode()
    return hashlib.blake2b(encoded, digest_size=16).hexdigest()


def _safe_url(url: httpx.URL) -> str:
    """The URL without its query: a query may carry an API key."""
    return str(url.copy_with(query=None))


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict):
        for key in ("message", "error_description", "error", "detail", "errors"):
            if body.get(key):
                return str(body[key])[:200]
    return json.dumps(body)[:200]
