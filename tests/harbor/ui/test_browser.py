"""The catalog UI in a real headless Chromium, served by a real ``HarborServer``.

Two catalogs: one written by a real ``ocean sail integrations/fake --once`` (the issue's
acceptance test), and one seeded straight into the database with the awkward cases (encoded
identifiers, dangling relations, hostile titles). Screenshots go to ``test-artifacts/ui/``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from ocean_harbor.server import HarborServer

REPO = Path(__file__).resolve().parents[3]
ARTIFACTS = REPO / "test-artifacts" / "ui"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
SAIL_TIMEOUT_SECONDS = 240


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def tab(browser: Browser) -> Iterator[Page]:
    """A fresh page that fails the test on any HTTP error or script error it sees."""
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    failures: list[str] = []
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda error: failures.append(f"script error: {error}"))
    yield page
    context.close()
    assert failures == [], failures


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sail_fake_integration(
    harbor: HarborServer, workdir: Path, integration: Path = REPO / "integrations" / "fake"
) -> subprocess.CompletedProcess[str]:
    """``ocean sail <integration> --once`` through the ``ocean`` entry point, into ``harbor``."""
    env = {
        **os.environ,
        "OCEAN__PORT__BASE_URL": harbor.url,
        "OCEAN__PORT__CLIENT_ID": harbor.client_id,
        "OCEAN__PORT__CLIENT_SECRET": harbor.client_secret,
    }
    ocean = Path(sys.executable).with_name("ocean")
    return subprocess.run(
        [str(ocean), "sail", str(integration), "--once"],
        cwd=workdir, env=env, capture_output=True, text=True, timeout=SAIL_TIMEOUT_SECONDS, check=False,
    )  # fmt: skip


def test_catalog_built_by_a_real_sail(tab: Page, tmp_path: Path) -> None:
    with HarborServer(tmp_path / "harbor.db") as harbor:
        sail = sail_fake_integration(harbor, tmp_path)
        assert sail.returncode == 0, f"ocean sail failed ({sail.returncode}):\n{sail.stdout}\n{sail.stderr}"

        tab.goto(harbor.url + "/")
        expect(tab.locator("a[data-blueprint=fakeDepartment]")).to_contain_text("5 entities")
        expect(tab.locator("a[data-blueprint=fakePerson]")).to_contain_text("100 entities")
        expect(tab.locator("a[data-blueprint=fakeService]")).to_contain_text("30 entities")
        integration_row = tab.locator("tr[data-integration]").first
        expect(integration_row).to_contain_text("completed")
        integration = integration_row.get_attribute("data-integration")
        shot(tab, "sail-home")

        tab.locator("a[data-blueprint=fakeService]").click()
        expect(tab.locator("h1")).to_contain_text("Fake Service")
        expect(tab.locator("table.entities tbody tr")).to_have_count(30)
        expect(tab.locator("#entities")).to_contain_text("1–30 of 30 entities")
        shot(tab, "sail-blueprint")

        tab.get_by_role("link", name="checkout", exact=True).click()
        expect(tab.locator("h1")).to_contain_text("Checkout")
        department = tab.locator("a.rel-link[data-relation=owningDepartment]")
        expect(department).to_have_count(1)
        expect(tab.locator("a.rel-link[data-relation=maintainers]").first).to_be_visible()
        expect(tab.locator("td.owner")).to_contain_text(str(integration))
        expect(tab.locator("details.raw")).to_contain_text('"identifier": "checkout"')
        shot(tab, "sail-entity")

        department.click()  # follow the relation out …
        expect(tab.locator("h1")).not_to_contain_text("Checkout")
        back = tab.locator("#pointed-at-by a.back-link", has_text="Checkout")
        expect(back).to_have_count(1)
        shot(tab, "sail-entity-department")
        back.click()  # … and back in through "pointed at by"
        expect(tab.locator("h1")).to_contain_text("Checkout")

        tab.locator("td.owner a").click()
        expect(tab.locator("h1")).to_contain_text(str(integration))
        expect(tab.locator("#runs tbody tr").first).to_contain_text("completed")
        expect(tab.locator("#config")).to_contain_text("kind: department")
        expect(tab.locator("#config")).to_contain_text("itemsToParse: .people")
        shot(tab, "sail-integration")


def test_mapping_problems_of_a_real_sail(tab: Page, tmp_path: Path) -> None:
    """A copy of the fake integration whose person mapping Port must refuse and that maps a
    field its data does not have: the integration page shows both problems, with Port's error."""
    integration = tmp_path / "fake"
    shutil.copytree(REPO / "integrations" / "fake", integration, ignore=shutil.ignore_patterns(".ocean"))
    config = integration / ".port" / "resources" / "port-app-config.yml"
    text = config.read_text()
    assert "role: .person.role\n" in text
    config.write_text(
        text.replace("role: .person.role\n", "role: '\"wizard\"'\n            nickname: .person.nick\n")
    )

    with HarborServer(tmp_path / "harbor.db") as harbor:
        sail = sail_fake_integration(harbor, tmp_path, integration)
        assert sail.returncode == 1, f"the resync should fail:\n{sail.stdout}\n{sail.stderr}"

        tab.goto(harbor.url + "/")
        expect(tab.locator("a[data-blueprint=fakeService]")).to_contain_text("30 entities")
        expect(tab.locator("tr[data-integration]").first).to_contain_text("failed")
        tab.locator("tr[data-integration] a").first.click()

        expect(tab.locator("#runs tbody tr").first).to_contain_text("failed")
        problems = tab.locator("#problems")
        expect(problems).to_contain_text("misconfigured")
        expect(problems).to_contain_text("properties.nickname")
        expect(problems).to_contain_text(".person.nick")
        expect(problems).to_contain_text("failed entity")
        expect(problems).to_contain_text("'wizard' is not one of")  # Port's (the harbor's) error
        expect(tab.locator("#problems .pager")).to_contain_text("Page 1 of")  # 100 refused people, paged
        shot(tab, "sail-problems")

        tab.locator("#problems a.filter", has_text="misconfigured").click()
        expect(tab.locator("#problems tbody tr")).to_have_count(1)
        expect(tab.locator("#problems tbody tr")).to_contain_text("properties.nickname")
        tab.locator("#problems").screenshot(path=str(ARTIFACTS / "sail-problems-misconfigured.png"))


def test_seeded_catalog_pages(tab: Page, small_db: Path) -> None:
    with HarborServer(small_db) as harbor:
        tab.goto(harbor.url + "/")
        expect(tab.locator("a[data-blueprint=fakeService]")).to_contain_text("2 entities")
        expect(tab.locator("tr[data-integration=my-fake]")).to_contain_text("completed")
        shot(tab, "seeded-home")

        tab.locator("a[data-blueprint=fakePerson]").click()
        tab.get_by_role("searchbox").fill("person 1")
        tab.get_by_role("searchbox").press("Enter")
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
