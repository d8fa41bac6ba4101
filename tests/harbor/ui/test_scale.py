"""The pages over 100k entities: server-side paging and counts, the right rows on every page.

Render times are printed (run with ``-s`` to see them), never asserted.
"""

from __future__ import annotations

import re
import time

import httpx

BIG_SERVICES = 100_000  # as built by the ``big_db`` fixture
PER_PAGE = 50


async def timed_get(client: httpx.AsyncClient, url: str) -> str:
    started = time.perf_counter()
    response = await client.get(url)
    print(f"{url}: {(time.perf_counter() - started) * 1000:.1f} ms, {len(response.content):,} bytes")
    assert response.status_code == 200, response.text[:300]
    return response.text


def entity_links(html: str, blueprint: str) -> list[str]:
    return re.findall(rf'href="/blueprints/{blueprint}/entities/([^"]+)"', html)


async def test_home_counts_every_entity(big_ui: httpx.AsyncClient) -> None:
    html = await timed_get(big_ui, "/")
    assert "<strong>100,100</strong> entities" in html
    assert "<strong>100,000</strong> entities" in html  # the fakeService card


async def test_blueprint_pages_walk_the_whole_table(big_ui: httpx.AsyncClient) -> None:
    first = await timed_get(big_ui, "/blueprints/fakeService")
    assert "1–50 of 100,000 entities" in first and "Page 1 of 2,000" in first
    assert entity_links(first, "fakeService") == [f"svc-{i:06d}" for i in range(PER_PAGE)]

    middle = await timed_get(big_ui, "/blueprints/fakeService?page=1234")
    start = 1233 * PER_PAGE
    assert entity_links(middle, "fakeService") == [f"svc-{i:06d}" for i in range(start, start + PER_PAGE)]
    assert 'href="?page=1235#entities"' in middle and 'href="?page=1233#entities"' in middle

    last = await timed_get(big_ui, "/blueprints/fakeService?page=2000")
    assert entity_links(last, "fakeService")[-1] == "svc-099999" and "Page 2,000 of 2,000" in last

    past_the_end = await timed_get(big_ui, "/blueprints/fakeService?page=999999")
    assert entity_links(past_the_end, "fakeService") == entity_links(last, "fakeService")


async def test_search_over_100k_entities(big_ui: httpx.AsyncClient) -> None:
    html = await timed_get(big_ui, "/blueprints/fakeService?q=svc-0420")
    assert "1–50 of 100 entities" in html  # svc-042000 … svc-042099
    assert entity_links(html, "fakeService")[0] == "svc-042000"
    assert 'href="?q=svc-0420&amp;page=2#entities"' in html  # paging keeps the search

    html = await timed_get(big_ui, "/blueprints/fakeService?q=Service 99999")
    assert entity_links(html, "fakeService") == ["svc-099999"]


async def test_an_entity_pointed_at_by_a_thousand_pages_its_back_links(big_ui: httpx.AsyncClient) -> None:
    html = await timed_get(big_ui, "/blueprints/fakeDepartment/entities/dept-007")
    assert "1–50 of 1,000 links" in html
    sources = entity_links(html, "fakeService")
    assert len(sources) == PER_PAGE and sources[0] == "svc-000007" and sources[1] == "svc-000107"

    html = await timed_get(big_ui, "/blueprints/fakeDepartment/entities/dept-007?page=20")
    assert entity_links(html, "fakeService")[-1] == "svc-099907"


async def test_entity_and_integration_pages(big_ui: httpx.AsyncClient) -> None:
    html = await timed_get(big_ui, "/blueprints/fakeService/entities/svc-054321")
    assert 'href="/blueprints/fakeDepartment/entities/dept-021"' in html

    html = await timed_get(big_ui, "/integrations/my-fake")
    assert "1–20 of 500 resyncs" in html and "1–25 of 2,000 problems" in html
    assert html.index("problem 2000") < html.index("problem 1999")  # newest first
    assert '<td class="num">100,000</td>' in html  # owned fakeService entities
    html = await timed_get(big_ui, "/integrations/my-fake?runs=25&problems=80")
    assert "481–500 of 500 resyncs" in html and "1,976–2,000 of 2,000 problems" in html
    assert re.search(r"problem 1\s*<", html) and not re.search(r"problem 26\s*<", html)
