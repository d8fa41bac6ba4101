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


def section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


async def test_an_entity_pointed_at_by_a_thousand_pages_its_back_links(big_ui: httpx.AsyncClient) -> None:
    html = await timed_get(big_ui, "/blueprints/fakeDepartment/entities/dept-007")
    assert "1–50 of 1,000 links" in html
    sources = entity_links(section(html, "pointed-at-by"), "fakeService")
    assert len(sources) == PER_PAGE and sources[0] == "svc-000007" and sources[1] == "svc-000107"
    assert "and 992 more" in section(html, "neighbourhood")  # the picture shows 8 of them

    html = await timed_get(big_ui, "/blueprints/fakeDepartment/entities/dept-007?page=20")
    assert entity_links(section(html, "pointed-at-by"), "fakeService")[-1] == "svc-099907"


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


async def test_filters_sorting_and_scorecards_over_100k_entities(big_ui: httpx.AsyncClient) -> None:
    html = await timed_get(big_ui, "/blueprints/fakeService")
    # a scorecard over 100k entities is counted on its own page, not on every visit of the blueprint
    assert 'href="/blueprints/fakeService/scorecards/health"' in html and "Healthy" in html
    html = await timed_get(big_ui, "/blueprints/fakeService/scorecards/health")
    assert "85,714 of 100,000" in html and "100,000 of 100,000" in html  # one service in seven fails
    assert re.search(r"Silver</span> <strong>14,286</strong>", html)
    assert re.search(r"Gold</span> <strong>85,714</strong>", html)

    html = await timed_get(big_ui, "/blueprints/fakeService?f.status=failing")
    assert "1–50 of 14,286 entities" in html
    assert entity_links(html, "fakeService")[:2] == ["svc-000000", "svc-000007"]

    html = await timed_get(big_ui, "/blueprints/fakeService?sort=p.url&dir=desc&f.status=failing&page=3")
    failing = sorted(
        ((f"https://svc-{i}.example.com", f"svc-{i:06d}") for i in range(0, BIG_SERVICES, 7)), reverse=True
    )
    assert entity_links(html, "fakeService") == [ident for _, ident in failing[100:150]]
    assert 'href="?sort=p.url&amp;dir=desc&amp;f.status=failing&amp;page=4#entities"' in html

    html = await timed_get(big_ui, "/blueprints/fakeService?sort=title&dir=desc")
    assert entity_links(html, "fakeService")[0] == "svc-099999"  # "Service 99999" > "Service 9999"


async def test_search_across_100k_entities(big_ui: httpx.AsyncClient) -> None:
    html = await timed_get(big_ui, "/search?q=svc-09999")
    assert entity_links(html, "fakeService") == [f"svc-09999{i}" for i in range(10)]

    html = await timed_get(big_ui, "/search?q=svc-99999.example")  # only in a property (the url)
    assert entity_links(html, "fakeService") == ["svc-099999"]
    assert "url" in html

    html = await timed_get(big_ui, "/search?q=no-such-thing-anywhere")  # the worst case: reads everything
    assert "No entity" in html

    html = await timed_get(big_ui, "/search?q=Service&page=3")
    assert len(entity_links(html, "fakeService")) == PER_PAGE and 'rel="next"' in html
