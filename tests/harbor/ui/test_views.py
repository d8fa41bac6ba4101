"""Every view of the catalog UI in headless Chromium, on a desktop and on a 390 px phone: what it
shows, that nothing overflows the screen, and axe-core finding no serious or critical violation.

The catalog is made the way a user makes one: three ``ocean sail --once`` runs of (a copy of) the
fake integration into one harbor — a clean one; one whose mapping Port must refuse and that maps
a field the data lacks; one where the organisation shrank to nothing, so its deletions are
refused by the deletion threshold. The last test reads a catalog seeded straight into the
database with the awkward cases. Screenshots go to ``test-artifacts/ui/views/``
(``<view>-desktop.png``, ``<view>-phone.png``). All browser tests live in this module: Playwright's
sync API holds an event loop while its browser is open, which the asyncio tests of the other
modules must not meet, so the browser is opened once here and closed with the module.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ocean_harbor.server import HarborServer

REPO = Path(__file__).resolve().parents[3]
SHOTS = REPO / "test-artifacts" / "ui" / "views"
AXE = Path(os.environ.get("AXE_CORE_JS") or REPO / ".ci" / "axe" / "node_modules" / "axe-core" / "axe.min.js")
OCEAN = Path(sys.executable).with_name("ocean")
SAIL_TIMEOUT = 240  # seconds


@dataclass
class Catalog:
    """The harbor the three sails filled, and the integration's identifier."""

    url: str
    integration: str


def sail(integration: Path, **config: str) -> subprocess.CompletedProcess[str]:
    """``ocean sail DIR --once`` with no Port credentials: into the integration's own local harbor."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("OCEAN__")}
    env.update({f"OCEAN__INTEGRATION__CONFIG__{key.upper()}": value for key, value in config.items()})
    return subprocess.run(
        [str(OCEAN), "sail", str(integration), "--once"],
        cwd=integration.parent, env=env, capture_output=True, text=True, timeout=SAIL_TIMEOUT, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    root = tmp_path_factory.mktemp("views")
    integration = root / "fake"
    shutil.copytree(REPO / "integrations" / "fake", integration, ignore=shutil.ignore_patterns(".ocean"))
    mapping = integration / ".port" / "resources" / "port-app-config.yml"
    good = mapping.read_text()
    first = sail(integration)
    assert first.returncode == 0, first.stdout + first.stderr
    mapping.write_text(
        good.replace("role: .person.role\n", "role: '\"wizard\"'\n            nickname: .person.nick\n")
    )
    broken = sail(integration)
    assert broken.returncode == 1, broken.stdout + broken.stderr  # Port refused every person
    mapping.write_text(good)
    shrunk = sail(integration, department_count="0", service_count="0")
    assert shrunk.returncode == 0, shrunk.stdout + shrunk.stderr
    assert "more than entityDeletionThreshold 0.9 allows — nothing deleted" in shrunk.stdout
    identifier = re.search(r"Created integration '([^']+)'", first.stdout)
    assert identifier, first.stdout
    # What the summary tells the user to run to browse the catalog afterwards.
    assert f"harbor --db {integration.name}/.ocean/harbor.db" in shrunk.stdout
    with HarborServer(integration / ".ocean" / "harbor.db") as harbor:
        yield Catalog(harbor.url, identifier[1])


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"axe-core is not installed at {AXE} (.ci/run installs it with npm)")
        pytest.skip(f"axe-core is not at {AXE}: npm install --prefix .ci/axe axe-core (or set AXE_CORE_JS)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(params=["desktop", "phone"])
def screen(request: pytest.FixtureRequest, new_tab: Any) -> tuple[str, Page, list[str]]:
    """A fresh page on a 1360 px desktop or a 390 px phone, and the HTTP/script errors it meets."""
    page, failures = new_tab(request.param)
    return request.param, page, failures


def check_view(page: Page, name: str, device: str, axe: str) -> None:
    """No horizontal overflow, no serious or critical axe violation; keeps a screenshot."""
    width = page.viewport_size["width"] if page.viewport_size else 0
    overflow = page.evaluate("document.scrollingElement.scrollWidth")
    assert overflow <= width, f"{name} ({device}) is {overflow} px wide on a {width} px screen"
    page.add_script_tag(content=axe)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']][:4]}"
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{name} ({device}): axe-core found {bad}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{device}.png"), full_page=True)


def test_home(catalog: Catalog, screen: tuple[str, Page, list[str]], axe_source: str) -> None:
    device, page, failures = screen
    page.goto(catalog.url + "/")
    expect(page.locator("a[data-blueprint=fakeDepartment]")).to_contain_text("5 entities")
    expect(page.locator("a[data-blueprint=fakePerson]")).to_contain_text("100 entities")
    expect(page.locator("a[data-blueprint=fakeService]")).to_contain_text("30 entities")
    expect(page.locator(f"tr[data-integration='{catalog.integration}']")).to_contain_text("completed")
    check_view(page, "home", device, axe_source)
    assert failures == []


def test_search_across_blueprints(
    catalog: Catalog, screen: tuple[str, Page, list[str]], axe_source: str
) -> None:
    device, page, failures = screen
    page.goto(catalog.url + "/")
    box = page.get_by_role("searchbox", name="Search every blueprint's entities")
    box.fill("payments")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q=payments$"))
    results = page.locator("table.results tbody tr")
    expect(results.filter(has_text="Payments").first).to_be_visible()
    expect(page.locator("tr[data-blueprint=fakePerson]").first).to_contain_text("payments-0")  # by identifier
    check_view(page, "search", device, axe_source)
    assert failures == []


def test_blueprint_filters_sort_and_columns(
    catalog: Catalog, screen: tuple[str, Page, list[str]], axe_source: str
) -> None:
    device, page, failures = screen
    page.goto(catalog.url + "/blueprints/fakeService")
    page.get_by_text("Filter and choose columns").click()
    page.locator("select[name='f.tier']").select_option("tier-1")
    for column in ("Language", "Status"):
        page.get_by_role("checkbox", name=column).uncheck()
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"f\.tier=tier-1"))
    page.locator("table.entities thead a.sort", has_text="URL").click()  # sort by a property …
    page.locator("table.entities thead a.sort", has_text="URL").click()  # … then the other way
    expect(page).to_have_url(re.compile(r"sort=p\.url&dir=desc"))
    headers = page.locator("table.entities thead th").all_inner_texts()
    assert [h.strip(" ▲▼").upper() for h in headers] == [
        "IDENTIFIER",
        "TITLE",
        "URL",
        "TIER",
        "UPDATED",
        "OWNER",
    ]
    rows = page.locator("table.entities tbody tr")
    expect(rows.first).to_be_visible()
    tiers = rows.locator("td:nth-child(4)").all_inner_texts()
    assert tiers and set(tiers) == {"tier-1"}
    urls = rows.locator("td:nth-child(3)").all_inner_texts()
    assert urls == sorted(urls, reverse=True)
    expect(page.locator(".chips")).to_contain_text("tier: tier-1")
    expect(page.locator("#scorecard-productionReadiness")).to_contain_text("of 30")
    check_view(page, "blueprint", device, axe_source)
    page.reload()  # the arrangement is in the URL: a reload (or a shared link) shows the same table
    assert rows.locator("td:nth-child(3)").all_inner_texts() == urls
    assert failures == []


def test_scorecard_of_a_blueprint(
    catalog: Catalog, screen: tuple[str, Page, list[str]], axe_source: str
) -> None:
    device, page, failures = screen
    page.goto(catalog.url + "/blueprints/fakeService/scorecards/productionReadiness")
    expect(page.locator("h1")).to_contain_text("Production readiness")
    rules = page.locator("table.rules tbody tr")
    expect(rules).to_have_count(6)
    expect(rules.filter(has_text="Has a URL")).to_contain_text("30 of 30")
    expect(rules.filter(has_text="Deployed through a webhook")).to_contain_text("0 of 30")  # no webhook yet
    check_view(page, "scorecard", device, axe_source)
    assert failures == []


def test_entity_scorecards_and_neighbourhood(
    catalog: Catalog, screen: tuple[str, Page, list[str]], axe_source: str
) -> None:
    device, page, failures = screen
    page.goto(catalog.url + "/blueprints/fakeService/entities/checkout")
    card = page.locator("[data-scorecard=productionReadiness]")
    expect(card.locator(".rule-list li")).to_have_count(6)
    expect(card.locator("li.fail")).to_contain_text("Deployed through a webhook")
    graph = page.locator("svg.graph-narrow" if device == "phone" else "svg.graph-wide")
    expect(graph).to_be_visible()
    expect(graph.locator("a")).to_have_count(4)  # its department and its three maintainers
    check_view(page, "entity", device, axe_source)
    expect(page.locator("td.owner")).to_contain_text(catalog.integration)
    expect(page.locator("details.raw")).to_contain_text('"identifier": "checkout"')

    graph.locator("a").first.click()  # the picture links to the neighbours: out to the department …
    expect(page.locator("h1")).not_to_contain_text("Checkout")
    back = page.locator("#pointed-at-by a.back-link", has_text="Checkout")
    expect(back).to_have_count(1)
    back.click()  # … and back in through "pointed at by"
    expect(page.locator("h1")).to_contain_text("Checkout")
    assert failures == []


def test_integration_runs_and_their_problems(
    catalog: Catalog, screen: tuple[str, Page, list[str]], axe_source: str
) -> None:
    device, page, failures = screen
    page.goto(catalog.url + f"/integrations/{catalog.integration}")
    runs = page.locator("table.runs tbody tr")
    expect(runs).to_have_count(3)
    expect(runs.nth(0)).to_contain_text("deletions refused by threshold")
    expect(runs.nth(0)).to_contain_text("would delete 135 of 135")
    expect(runs.nth(1)).to_contain_text("failed")
    check_view(page, "integration", device, axe_source)

    runs.nth(1).locator("a.run-problems").click()  # the problems this run found, and only those
    expect(page).to_have_url(re.compile(r"\?run=\d+#problems$"))
    problems = page.locator("#problems")
    expect(problems.locator("h2")).to_contain_text("of resync #")
    expect(problems).to_contain_text("properties.nickname")
    expect(problems).to_contain_text("'wizard' is not one of")
    run_cells = problems.locator("table.problems tbody td:nth-child(2)").all_inner_texts()
    assert len(set(run_cells)) == 1, run_cells
    expect(problems.locator(".pager")).to_contain_text("Page 1 of")  # 100 refused people, paged
    page.screenshot(path=str(SHOTS / f"integration-run-problems-{device}.png"), full_page=True)

    problems.locator("a.filter", has_text="misconfigured").click()  # one category of that run
    expect(problems.locator("tbody tr")).to_have_count(1)
    expect(problems.locator("tbody tr")).to_contain_text("properties.nickname")
    expect(page).to_have_url(re.compile(r"category=misconfigured&run=\d+#problems$"))
    assert failures == []


def test_not_found_page(catalog: Catalog, screen: tuple[str, Page, list[str]], axe_source: str) -> None:
    device, page, failures = screen
    response = page.goto(catalog.url + "/blueprints/nope")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_contain_text("Not found")
    check_view(page, "not-found", device, axe_source)
    assert [failure for failure in failures if "/blueprints/nope" not in failure] == []


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


# The awkward cases a catalog written by hand (or by another client) may hold: identifiers that need
# percent-encoding, relations to nothing, titles that look like markup.
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
