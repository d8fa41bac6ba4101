"""Search, filters, sorting, columns, scorecards and run outcomes over the small catalog, through
the UI's routes (the browser tests in ``test_views.py`` drive the same pages in Chromium)."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocean_harbor.ui.graph import MAX_PER_SIDE

T1 = "2024-11-20T12:00:04.500000Z"  # as in conftest


async def page(client: httpx.AsyncClient, url: str, status: int = 200) -> str:
    response = await client.get(url)
    assert response.status_code == status, response.text[:500]
    return response.text


def entity_ids(html: str, blueprint: str) -> list[str]:
    return re.findall(rf'class="entity-link" href="/blueprints/{blueprint}/entities/([^"]+)"', html)


def headers(html: str) -> list[str]:
    """The sortable column headers of the entity table."""
    return [text.strip() for text in re.findall(r'<a class="sort[^"]*" href="[^"]*">([^<]+)<', html)]


def add_scorecard(db: Path, blueprint: str, body: dict[str, Any]) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO documents VALUES ('scorecards', ?, ?, ?, ?, ?)",
            (body["identifier"], blueprint, json.dumps(body), T1, T1),
        )


def rule(identifier: str, level: str, *conditions: dict[str, Any], combinator: str = "and") -> dict[str, Any]:
    return {"identifier": identifier, "title": identifier, "level": level,
            "query": {"combinator": combinator, "conditions": list(conditions)}}  # fmt: skip


async def test_search_finds_identifiers_titles_and_string_properties(ui: httpx.AsyncClient) -> None:
    html = await page(ui, "/search?q=payments")
    assert "/blueprints/fakeDepartment/entities/payments" in html  # identifier
    assert "/blueprints/fakePerson/entities/payments-001" in html
    html = await page(ui, "/search?q=p2@example")  # only in a property (the email), any blueprint
    assert re.findall(r'href="/blueprints/(\w+)/entities/([^"]+)"', html) == [("fakePerson", "payments-002")]
    assert "email" in html
    html = await page(ui, "/search?q=cc-search")  # a nested/other string property
    assert "/blueprints/fakeDepartment/entities/search" in html
    html = await page(ui, "/search?q=Fake Person")  # a blueprint's title
    assert 'href="/blueprints/fakePerson"' in html
    html = await page(ui, "/search?q=costCenter")  # a property *name* is not a match
    assert "No entity" in html
    html = await page(ui, "/search?q=%25")  # LIKE wildcards are plain text
    assert "No entity" in html


async def test_filters_sort_and_columns_live_in_the_url(ui: httpx.AsyncClient) -> None:
    html = await page(ui, "/blueprints/fakePerson?f.role=sre&sort=title&dir=desc")
    assert entity_ids(html, "fakePerson") == ["payments-002", "payments-001", "payments-000"]
    assert 'aria-sort="descending"' in html
    html = await page(ui, "/blueprints/fakePerson?f.email=p1@")  # text: contains
    assert entity_ids(html, "fakePerson") == ["payments-001"]
    html = await page(ui, "/blueprints/fakePerson?f.role=engineer")
    assert entity_ids(html, "fakePerson") == [] and "No entity matches with these filters" in html

    html = await page(ui, "/blueprints/fakeDepartment?col=headcount&col=")
    assert headers(html) == ["Identifier", "Title", "Headcount", "Updated"]
    html = await page(ui, "/blueprints/fakeDepartment?col=")  # an explicit choice of no column
    assert headers(html) == ["Identifier", "Title", "Updated"]


async def test_bad_filter_values_say_why(ui: httpx.AsyncClient) -> None:
    html = await page(ui, "/blueprints/fakeDepartment?f.headcount=lots")
    assert "This filter cannot match: headcount is a number, not “lots”" in html
    html = await page(ui, "/blueprints/fakeDepartment?f.headcount=2&f.nope=1&sort=p.nope")  # unknown: ignored
    assert len(entity_ids(html, "fakeDepartment")) == 3


async def test_scorecards_per_entity_and_per_blueprint(ui: httpx.AsyncClient, small_db: Path) -> None:
    add_scorecard(small_db, "fakePerson", {
        "identifier": "onboarding", "title": "Onboarding",
        "rules": [
            rule("hasEmail", "Bronze", {"operator": "isNotEmpty", "property": "email"}),
            rule("inDepartment", "Silver", {"operator": "isNotEmpty", "property": "department"}),
            rule("isEngineer", "Gold", {"operator": "=", "property": "role", "value": "engineer"}),
            rule("broken", "Gold", {"operator": "sortOf", "property": "role", "value": 1}),
        ],
    })  # fmt: skip
    html = await page(ui, "/blueprints/fakePerson/entities/payments-001")
    card = html[html.index('data-scorecard="onboarding"') :]
    assert re.search(r"Onboarding <span class=\"level level-silver\">Silver</span>", card)
    assert card.count('class="pass"') == 2 and card.count('class="fail"') == 2
    assert "cannot be evaluated" in card and "sortOf" in card
    html = await page(ui, "/blueprints/fakePerson")
    assert "3 of 3" in html and "0 of 3" in html  # two rules everyone passes, one nobody does
    assert re.search(r"Silver</span> <strong>3</strong>", html)  # Gold has a broken rule: nobody gets it
    html = await page(ui, "/blueprints/fakePerson/scorecards/onboarding")
    assert "Levels and rules" in html and "3 of 3" in html
    await page(ui, "/blueprints/fakePerson/scorecards/nope", 404)


async def test_the_neighbourhood_shows_a_few_neighbours_and_how_many_more(ui: httpx.AsyncClient) -> None:
    html = await page(ui, "/blueprints/fakeService/entities/checkout")
    section = html[html.index('id="neighbourhood"') : html.index('id="relations"')]
    assert section.count('href="/blueprints/fakePerson/entities/payments-000"') == 2  # wide and narrow
    assert "ghost-person" in section and "missing in fakePerson" in section  # a dangling relation
    assert 'href="/blueprints/fakeService/entities/checkout"' not in section  # not a link to itself
    assert MAX_PER_SIDE >= 4


async def test_runs_show_their_problems_and_a_refused_reconcile(
    ui: httpx.AsyncClient, small_db: Path
) -> None:
    with sqlite3.connect(small_db) as conn:
        conn.execute(
            "INSERT INTO problems (integration, run_id, kind, category, message, detail, created_at)"
            " VALUES ('my-fake', 1, NULL, 'reconcile', 'reconcile skipped: …', ?, ?)",
            (json.dumps({"status": "skipped", "owned": 40, "stale": 38, "threshold": 0.9,
                         "thresholdExceeded": True, "reason": "would delete 38 of 40"}), T1),
        )  # fmt: skip
    html = await page(ui, "/integrations/my-fake")
    run1 = html[html.index('data-run="1"') :]
    assert "deletions refused by threshold" in run1 and "would delete 38 of 40; threshold 0.9" in run1
    assert 'href="?run=2#problems">3 problems' in html and 'href="?run=1#problems">1 problem<' in html
    html = await page(ui, "/integrations/my-fake?run=2")
    assert "1–3 of 3 problems of resync #2" in html and "reconcile skipped" not in html
    html = await page(ui, "/integrations/my-fake?run=2&category=misconfigured")
    assert "1–1 of 1 problems of resync #2" in html


@pytest.mark.parametrize("url", ["/search", "/search?q=", "/search?q=x&page=abc"])
async def test_search_without_words_or_with_a_bad_page(ui: httpx.AsyncClient, url: str) -> None:
    assert "<h1>Search</h1>" in await page(ui, url)
