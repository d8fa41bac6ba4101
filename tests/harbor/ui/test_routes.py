"""The UI pages over a small catalog: what each page shows, its links, and its error pages."""

from __future__ import annotations

import json
import sqlite3
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href, self._text = dict(attrs).get("href") or "", []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


def links(html: str) -> dict[str, str]:
    """Every link of a page: href → its text."""
    parser = _Links()
    parser.feed(html)
    return dict(parser.links)


async def page(client: httpx.AsyncClient, url: str, status: int = 200) -> str:
    response = await client.get(url)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return response.text


async def test_home_lists_blueprints_with_counts_and_integrations_with_last_resync(
    ui: httpx.AsyncClient,
) -> None:
    html = await page(ui, "/")
    found = links(html)
    assert "Fake Department" in found["/blueprints/fakeDepartment"]
    assert "3 entities" in " ".join(found["/blueprints/fakeDepartment"].split())
    assert "2 entities" in " ".join(found["/blueprints/fakeService"].split())
    assert found["/integrations/my-fake"] == "my-fake"
    assert found["/integrations/idle"] == "idle"
    # the newest run (completed, 135 upserted, 75 deleted) — not the older failed one
    row = html.split('data-integration="my-fake"')[1].split("</tr>")[0]
    assert "completed" in row and "135" in row and "75" in row and "fake-integration" in row
    assert row.rstrip().endswith('<td class="num">7</td>')  # owns 7: search-api was written by another client
    assert 'data-integration="idle"' in html and "never" in html.split('data-integration="idle"')[1]
    assert "OCEAN__PORT__BASE_URL=http://harbor.test" in html


async def test_blueprint_page_shows_schema_relations_and_entities(ui: httpx.AsyncClient) -> None:
    html = await page(ui, "/blueprints/fakeService")
    found = links(html)
    for name in ("url", "status", "tags", "meta", "onCall"):
        assert f"<code>{name}</code>" in html
    assert found["/blueprints/fakeDepartment"] == "Fake Department"  # relation target
    assert found["/blueprints/fakePerson"] == "Fake Person"
    assert "many" in html and "one" in html
    assert found["/blueprints/fakeService/entities/checkout"] == "checkout"
    assert found["/blueprints/fakeService/entities/search-api"] == "search-api"
    assert found["https://checkout.example.com"] == "https://checkout.example.com"
    assert "pill-red" in html  # enumColors: failing is red
    assert found["/integrations/my-fake"] == "my-fake"  # owner column
    assert "1–2 of 2 entities" in html


async def test_blueprint_search_matches_identifier_or_title_substring(ui: httpx.AsyncClient) -> None:
    html = await page(ui, "/blueprints/fakePerson?q=001")
    found = links(html)
    assert "/blueprints/fakePerson/entities/payments-001" in found
    assert "/blueprints/fakePerson/entities/payments-000" not in found
    assert "1–1 of 1 entities" in html and "matching “001”" in html

    html = await page(ui, "/blueprints/fakePerson?q=person 2")  # title, any case
    assert "/blueprints/fakePerson/entities/payments-002" in links(html)

    html = await page(ui, "/blueprints/fakePerson?q=%25")  # a literal %, not a wildcard
    assert "No entity" in html and "/entities/payments-000" not in html


async def test_entity_page_shows_properties_relations_both_ways_owner_and_raw_json(
    ui: httpx.AsyncClient,
) -> None:
    html = await page(ui, "/blueprints/fakeService/entities/checkout")
    found = links(html)
    assert found["/blueprints/fakeDepartment/entities/payments"] == "Payments"  # relation out
    assert found["/blueprints/fakePerson/entities/payments-000"] == "Person 0"  # many relation
    assert found["/blueprints/fakePerson/entities/payments-001"] == "Person 1"
    assert "ghost-person (missing)" in html  # a dangling value is shown, not hidden
    assert found["/integrations/my-fake"] == "my-fake"
    assert "fake-integration 0.1.0 · exporter" in html
    assert found["https://checkout.example.com"] == "https://checkout.example.com"
    assert "[&#34;a&#34;, &#34;b&#34;]" in html  # arrays as compact JSON
    assert "&#34;identifier&#34;: &#34;checkout&#34;" in html  # raw JSON, pretty
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html

    html = await page(ui, "/blueprints/fakeDepartment/entities/payments")
    found = links(html)
    assert found["/blueprints/fakeService/entities/checkout"].startswith("Checkout")  # pointed at by
    assert found["/blueprints/fakePerson/entities/payments-002"] == "Person 2"
    assert "1–4 of 4 links" in html


async def test_identifiers_needing_percent_encoding_round_trip(ui: httpx.AsyncClient) -> None:
    weird = "team/a b?c#1"
    url = f"/blueprints/fakeDepartment/entities/{quote(weird, safe='')}"
    html = await page(ui, "/blueprints/fakeService/entities/search-api")
    assert url in links(html)  # the relation links to the encoded URL
    html = await page(ui, url)
    assert "<code>team/a b?c#1</code>" in html
    assert "/blueprints/fakeService/entities/search-api" in links(html)  # and back


async def test_unsafe_urls_and_foreign_writers_are_shown_as_text(ui: httpx.AsyncClient) -> None:
    html = await page(ui, "/blueprints/fakeService/entities/search-api")
    assert "javascript:alert(1)" in html
    assert 'href="javascript:' not in html
    assert "manual-client/1.0" in html and "/integrations/" not in "".join(links(html))


async def test_integration_page_shows_config_runs_and_problems(ui: httpx.AsyncClient) -> None:
    html = await page(ui, "/integrations/my-fake")
    assert "deleteDependentEntities: true" in html and "kind: service" in html  # the config as YAML
    runs = html.split('id="runs"')[1].split("</section>")[0]
    assert runs.index("completed") < runs.index("failed")  # newest first
    assert "135" in runs and "75" in runs and "4.5 s" in runs
    assert "fakePerson</a> +100 −75" in runs and "✗1" in runs  # per-blueprint counts of the run
    problems = html.split('id="problems"')[1].split("</section>")[0]
    assert "misconfigured" in problems and "properties.ownerEmail" in problems and ".owner.mail" in problems
    assert "failed entity" in problems and "broken-svc" in problems
    assert "&#34;purple&#34; of property &#34;status&#34;" in problems and "schema_mismatch" in problems
    owned = html.split("Entities it owns")[1].split("</section>")[0]
    assert links(owned)["/blueprints/fakePerson"] == "Fake Person" and "3" in owned
    # a refused entity links to the catalog only when an earlier write of it exists
    assert links(problems)["/blueprints/fakeService/entities/checkout"] == "checkout"
    assert "/blueprints/fakeService/entities/broken-svc" not in links(problems)


async def test_integration_problems_filter_by_category(ui: httpx.AsyncClient) -> None:
    html = await page(ui, "/integrations/my-fake?category=failed_entity")
    problems = html.split('id="problems"')[1].split("</section>")[0]
    assert "broken-svc" in problems and "properties.ownerEmail" not in problems
    assert "1–2 of 2 problems" in problems
    assert "?category=misconfigured#problems" in links(problems)  # every category is a filter link
    html = await page(ui, "/integrations/my-fake?category=nothing-like-this")
    assert "No “nothing-like-this” problems." in html


async def test_integration_without_runs_or_config(ui: httpx.AsyncClient) -> None:
    html = await page(ui, "/integrations/idle")
    assert "No resync recorded yet" in html and "no port-app-config yet" in html


@pytest.mark.parametrize(
    "url",
    [
        "/blueprints/nope",
        "/blueprints/nope/entities/x",
        "/blueprints/fakeService/entities/nope",
        "/integrations/nope",
    ],
)
async def test_unknown_subjects_get_a_friendly_404_page(ui: httpx.AsyncClient, url: str) -> None:
    html = await page(ui, url, 404)
    assert "Not found" in html and "nope" in html and links(html)["/"] == "Go to the catalog"


async def test_unknown_entity_links_back_to_its_blueprint(ui: httpx.AsyncClient) -> None:
    html = await page(ui, "/blueprints/fakeService/entities/nope", 404)
    assert links(html)["/blueprints/fakeService"] == "← Back to fakeService"


@pytest.mark.parametrize(
    "query", ["?page=abc", "?page=-3", "?page=0", "?page=99999999999999999999", "?q=" + "x" * 5000]
)
async def test_odd_query_parameters_still_render(ui: httpx.AsyncClient, query: str) -> None:
    await page(ui, f"/blueprints/fakePerson{query}")
    await page(ui, f"/integrations/my-fake{query.replace('page', 'runs')}")


async def test_a_broken_database_gives_a_503_page_not_a_500(small_db: Path, make_client: Any) -> None:
    async with make_client(small_db) as client:  # the store is open: it won't recreate the table
        conn = sqlite3.connect(small_db)
        conn.execute("DROP TABLE entity_links")
        conn.close()
        html = await page(client, "/blueprints/fakeDepartment/entities/payments", 503)
    assert "could not read its catalog" in html and "entity_links" in html


async def test_malformed_stored_documents_do_not_break_pages(small_db: Path, make_client: Any) -> None:
    conn = sqlite3.connect(small_db)
    conn.execute("UPDATE blueprints SET body = 'not json' WHERE identifier = 'fakePerson'")
    conn.execute("UPDATE entities SET properties = '[1, 2]', team = '{' WHERE identifier = 'payments-000'")
    conn.execute("UPDATE integrations SET body = '\"a string\"' WHERE identifier = 'my-fake'")
    conn.commit()
    conn.close()
    async with make_client(small_db) as client:
        assert "fakePerson" in await page(client, "/")
        assert "payments-000" in await page(client, "/blueprints/fakePerson")
        assert "payments-000" in await page(client, "/blueprints/fakePerson/entities/payments-000")
        assert "my-fake" in await page(client, "/integrations/my-fake")


@pytest.mark.parametrize(
    ("url", "target"), [("/blueprints", "/#blueprints"), ("/integrations", "/#integrations")]
)
async def test_index_urls_lead_to_the_home_page(ui: httpx.AsyncClient, url: str, target: str) -> None:
    response = await ui.get(url)
    assert response.status_code == 302 and response.headers["location"] == target


async def test_stored_values_of_unexpected_types_still_render(small_db: Path, make_client: Any) -> None:
    conn = sqlite3.connect(small_db)
    odd = {"identifier": "fakePerson", "title": 7, "icon": ["x"], "schema": {"properties": {"email": "text"}},
           "relations": {"department": {"target": 5, "many": "yes"}, "boss": None}}  # fmt: skip
    conn.execute("UPDATE blueprints SET body = ? WHERE identifier = 'fakePerson'", (json.dumps(odd),))
    conn.execute(
        "UPDATE entities SET title = 42, relations = '{\"department\": 3}' WHERE identifier = 'payments-000'"
    )
    conn.execute("UPDATE resync_runs SET details = '{\"blueprints\": [1, 2]}'")
    conn.commit()
    conn.close()
    async with make_client(small_db) as client:
        for url in ("/", "/blueprints/fakePerson", "/blueprints/fakePerson/entities/payments-000",
                    "/integrations/my-fake"):  # fmt: skip
            await page(client, url)


async def test_stylesheet_is_served(ui: httpx.AsyncClient) -> None:
    response = await ui.get("/static/harbor.css")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/css")
    assert ".topbar" in response.text
