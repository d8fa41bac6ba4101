"""The catalog UI in a real headless Chromium, served by a real ``HarborServer``, on a catalog
seeded straight into the database with the awkward cases (encoded identifiers, dangling
relations, hostile titles). ``test_views.py`` drives every view over a catalog that real
``ocean sail`` runs wrote. Screenshots go to ``test-artifacts/ui/``.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from ocean_harbor.server import HarborServer

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "test-artifacts" / "ui"


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_seeded_catalog_pages(tab: Page, small_db: Path) -> None:
    with HarborServer(small_db) as harbor:
        tab.goto(harbor.url + "/")
        expect(tab.locator("a[data-blueprint=fakeService]")).to_contain_text("2 entities")
        expect(tab.locator("tr[data-integration=my-fake]")).to_contain_text("completed")
        shot(tab, "seeded-home")

        tab.locator("a[data-blueprint=fakePerson]").click()
        search = tab.get_by_role("searchbox", name="Search Fake Person by identifier or title")
        search.fill("person 1")
        search.press("Enter")
        expect(tab.locator("table.entities tbody tr")).to_have_count(1)
        expect(tab.locator("table.entities")).to_contain_text("payments-001")
        shot(tab, "seeded-blueprint-search")

        tab.goto(harbor.url + "/blueprints/fakeService/entities/checkout")
        expect(tab.locator("h1")).to_contain_text("Checkout <script>alert(1)</script>")  # shown as text
        expect(tab.locator(".missing")).to_contain_text("ghost-person (missing)")
        shot(tab, "seeded-entity")

        tab.goto(harbor.url + "/blueprints/fakeService/entities/search-api")
        # the department's identifier holds "/", "?", "#" and a space
        tab.locator("a.rel-link[data-relation=owningDepartment]").click()
        expect(tab.locator("h1")).to_contain_text("Team/A B?C#1")
        expect(tab.locator("#pointed-at-by a.back-link")).to_have_text("Search API")

        tab.goto(harbor.url + "/integrations/my-fake")
        expect(tab.locator("#problems")).to_contain_text("properties.ownerEmail")
        expect(tab.locator("#problems")).to_contain_text("broken-svc")
        shot(tab, "seeded-integration")

        response = tab.request.get(harbor.url + "/blueprints/nope")
        assert response.status == 404 and "There is no blueprint" in response.text()
