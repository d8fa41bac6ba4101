"""Every paginator against a fake API, plus the guards: loops, ignored parameters, bad shapes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ocean_runtime import UserInputError
from ocean_runtime.errors import PaginationError, ThirdPartyAPIError
from ocean_runtime.http import (
    PAGINATORS,
    Page,
    PageRequest,
    Paginator,
    client,
    paginate,
    register_paginator,
    use_http,
)
from ocean_runtime.testing import FakeAPI, FakeClock

BASE = "https://api.example.com"
ITEMS = [{"id": n} for n in range(7)]


async def collect(api: FakeAPI, path: str, **options: Any) -> list[list[dict[str, Any]]]:
    with use_http(transport=api.transport, clock=FakeClock()):
        async with client(BASE) as http:
            return [batch async for batch in paginate(http, path, **options)]


def ids(batches: list[list[dict[str, Any]]]) -> list[list[int]]:
    return [[item["id"] for item in batch] for batch in batches]


def offset_api(cap: int | None = None) -> FakeAPI:
    api = FakeAPI(BASE)

    def serve(request: httpx.Request) -> httpx.Response:
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        limit = min(limit, cap) if cap else limit
        return httpx.Response(
            200, json={"data": {"items": ITEMS[offset : offset + limit]}, "total": len(ITEMS)}
        )

    api.get("/items", handler=serve)
    return api


async def test_offset_pages_until_an_empty_page() -> None:
    api = offset_api()
    batches = await collect(api, "/items", paginator="offset", items_path="data.items", limit=3)
    assert ids(batches) == [[0, 1, 2], [3, 4, 5], [6]]
    assert [r.url.params["offset"] for r in api.requests] == ["0", "3", "6", "7"]


async def test_offset_stops_at_the_total_and_survives_a_capped_page_size() -> None:
    api = offset_api(cap=2)  # the API silently serves 2 although 5 were asked
    batches = await collect(
        api, "/items", paginator="offset", items_path="data.items", limit=5, total_path="total"
    )
    assert ids(batches) == [[0, 1], [2, 3], [4, 5], [6]]  # nothing lost, no extra request
    assert len(api.requests) == 4


async def test_page_numbers_with_size_and_short_page_shortcut() -> None:
    api = FakeAPI(BASE)

    def serve(request: httpx.Request) -> httpx.Response:
        page, size = int(request.url.params["page"]), int(request.url.params["per_page"])
        return httpx.Response(200, json=ITEMS[(page - 1) * size : page * size])

    api.get("/items", handler=serve)
    batches = await collect(api, "/items", paginator="page", size=3, short_page_is_last=True)
    assert ids(batches) == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(api.requests) == 3


async def test_cursor_in_the_body() -> None:
    api = FakeAPI(BASE)
    api.get("/items", json={"results": ITEMS[:4], "meta": {"next": "c2"}})
    api.get("/items?after=c2", json={"results": ITEMS[4:], "meta": {"next": None}})
    batches = await collect(
        api, "/items", paginator="cursor", items_path="results", cursor_path="meta.next", cursor_param="after"
    )
    assert ids(batches) == [[0, 1, 2, 3], [4, 5, 6]]


async def test_cursor_in_a_post_body_with_has_more() -> None:
    api = FakeAPI(BASE)

    def serve(request: httpx.Request) -> httpx.Response:
        import json

        cursor = json.loads(request.content).get("start_cursor")
        if cursor is None:
            return httpx.Response(200, json={"results": ITEMS[:3], "has_more": True, "next_cursor": "x"})
        return httpx.Response(200, json={"results": ITEMS[3:], "has_more": False, "next_cursor": "y"})

    api.post("/search", handler=serve)
    batches = await collect(
        api,
        "/search",
        method="POST",
        json_body={"filter": "all"},
        paginator="cursor",
        items_path="results",
        cursor_param="start_cursor",
        has_more_path="has_more",
        in_body=True,
    )
    assert ids(batches) == [[0, 1, 2], [3, 4, 5, 6]]
    assert len(api.requests) == 2


async def test_next_url_in_the_body_replaces_the_query() -> None:
    api = FakeAPI(BASE)
    api.get("/items?size=4", json={"value": ITEMS[:4], "links": {"next": f"{BASE}/items?skiptoken=abc"}})
    api.get("/items?skiptoken=abc", json={"value": ITEMS[4:], "links": {}})
    batches = await collect(
        api,
        "/items",
        params={"size": 4},
        paginator="next_url",
        items_path="value",
        next_url_path="links.next",
    )
    assert ids(batches) == [[0, 1, 2, 3], [4, 5, 6]]
    assert "size" not in api.requests[1].url.params


async def test_link_header() -> None:
    api = FakeAPI(BASE)
    api.get(
        "/repos",
        json=ITEMS[:2],
        headers={"Link": f'<{BASE}/repos?page=2>; rel="next", <{BASE}/repos?page=3>; rel="last"'},
    )
    api.get("/repos?page=2", json=ITEMS[2:5], headers={"Link": f'<{BASE}/repos?page=3>; rel="next"'})
    api.get("/repos?page=3", json=ITEMS[5:], headers={"Link": f'<{BASE}/repos?page=1>; rel="first"'})
    batches = await collect(api, "/repos", paginator="link_header")
    assert ids(batches) == [[0, 1], [2, 3, 4], [5, 6]]


async def test_a_repeated_cursor_is_a_loop_error_naming_it() -> None:
    api = FakeAPI(BASE)
    api.get("/items", json={"items": ITEMS[:1], "next": "same"})
    api.get("/items?cursor=same", json={"items": ITEMS[1:2], "next": "same"})
    with pytest.raises(PaginationError, match="cursor 'same' again"):
        await collect(api, "/items", paginator="cursor", items_path="items", cursor_path="next")
    assert len(api.requests) == 2


async def test_an_ignored_paging_parameter_is_caught() -> None:
    api = FakeAPI(BASE)
    api.get("/items", json=ITEMS[:3])  # the same page whatever the page number
    with pytest.raises(PaginationError, match="page 2 returned the same items as page 1"):
        await collect(api, "/items", paginator="page")


async def test_items_not_where_expected_is_explained() -> None:
    api = FakeAPI(BASE)
    api.get("/items", json={"data": ITEMS, "total": 7})
    with pytest.raises(PaginationError, match=r"set items_path.*keys \[data, total\]"):
        await collect(api, "/items")


async def test_a_refused_page_is_a_third_party_error_without_the_query() -> None:
    api = FakeAPI(BASE)
    api.get("/items", status=404, json={"message": "Not Found"})
    with pytest.raises(ThirdPartyAPIError) as caught:
        await collect(api, "/items", params={"api_key": "secret"})
    assert caught.value.status == 404
    assert str(caught.value) == f"GET {BASE}/items answered 404: Not Found"


async def test_unknown_paginator_or_option_is_a_user_error() -> None:
    with pytest.raises(UserInputError, match="unknown paginator 'pages'.*cursor, link_header"):
        await collect(FakeAPI(BASE), "/items", paginator="pages")
    with pytest.raises(UserInputError, match="bad options"):
        await collect(FakeAPI(BASE), "/items", paginator="cursor", cursor_pth="x")


async def test_a_custom_paginator_registers_by_name() -> None:
    @register_paginator("skip_token")
    class SkipToken(Paginator):
        def next(self, request: PageRequest, page: Page) -> PageRequest | None:
            token = page.response.headers.get("X-Skip-Token")
            return request.with_value("skip", token, in_body=False) if token else None

    try:
        api = FakeAPI(BASE)
        api.get("/items", json=ITEMS[:2], headers={"X-Skip-Token": "t"})
        api.get("/items?skip=t", json=ITEMS[2:])
        assert ids(await collect(api, "/items", paginator="skip_token")) == [[0, 1], [2, 3, 4, 5, 6]]
    finally:
        del PAGINATORS["skip_token"]


async def test_max_pages_and_empty_pages() -> None:
    api = offset_api()
    assert ids(
        await collect(api, "/items", paginator="offset", items_path="data.items", limit=2, max_pages=2)
    ) == [
        [0, 1],
        [2, 3],
    ]
    empty = FakeAPI(BASE)
    empty.get("/items", json=[])
    assert await collect(empty, "/items", paginator="page") == []


# -- a listing that cannot be read to its end fails; it never ends early ------------------------
# (reconcile would delete every entity of the items it did not see)


async def test_has_more_without_a_cursor_fails_instead_of_ending() -> None:
    api = FakeAPI(BASE)
    api.get("/items", json={"items": ITEMS[:3], "has_more": True, "next": None})
    with pytest.raises(PaginationError, match="would end early.*'has_more' is true but there is no cursor"):
        await collect(
            api,
            "/items",
            paginator="cursor",
            items_path="items",
            cursor_path="next",
            has_more_path="has_more",
        )


async def test_a_next_url_that_is_not_a_string_fails_instead_of_ending() -> None:
    api = FakeAPI(BASE)
    api.get("/items", json={"value": ITEMS[:3], "next": {"href": f"{BASE}/items?p=2"}})
    with pytest.raises(PaginationError, match="'next' holds an object.*not a URL"):
        await collect(api, "/items", paginator="next_url", items_path="value")


async def test_an_empty_page_before_the_total_pages_fails_instead_of_ending() -> None:
    api = FakeAPI(BASE)
    api.get("/items?page=1", json={"items": ITEMS[:3], "pages": 3})
    api.get("/items?page=2", json={"items": [], "pages": 3})
    with pytest.raises(PaginationError, match="page 2 came back empty while 'pages' says 3 pages"):
        await collect(api, "/items", paginator="page", items_path="items", total_pages_path="pages")


async def test_a_body_less_page_is_an_error_but_204_is_an_empty_page() -> None:
    api = FakeAPI(BASE)
    api.get("/items?offset=0&limit=3", json=ITEMS[:3])
    api.add("GET", "/items?offset=3&limit=3", responses=[httpx.Response(200, content=b"")])
    with pytest.raises(PaginationError, match="answered 200 with an empty body"):
        await collect(api, "/items", paginator="offset", limit=3)

    api.add("GET", "/items?offset=3&limit=3", responses=[httpx.Response(204)])
    assert ids(await collect(api, "/items", paginator="offset", limit=3)) == [[0, 1, 2]]


async def test_stopping_at_max_pages_with_more_to_read_says_so(caplog: pytest.LogCaptureFixture) -> None:
    api = offset_api()
    batches = await collect(api, "/items", paginator="offset", items_path="data.items", limit=3, max_pages=1)
    assert ids(batches) == [[0, 1, 2]]
    assert "stopped after max_pages=1 although the API has more pages" in caplog.text
