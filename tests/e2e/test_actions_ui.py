"""The acceptance test of self-service actions, as a new user would go through it.

``ocean sail integrations/fake`` (a copy) with ``OCEAN__ACTIONS_PROCESSOR__ENABLED=true`` sails
into its built-in harbor; in a real headless Chromium the user opens a service's page, fills
in the "Deploy" form and runs it; the run page goes IN_PROGRESS → SUCCESS with the logs and the
link the action reported, and the service's entity shows the deployed version. Screenshots go
to ``test-artifacts/actions/``. Every page the actions add is checked as the catalog's other
views are: axe-core finds no serious or critical violation, and nothing overflows the screen
(desktop, and a 390 px phone for the form and the run page).
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Response, expect, sync_playwright

from tests.support.sail import Sail, copy_fake, launch_sail, ocean_env

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "actions"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
WAIT_SECONDS = 90
AXE = Path(os.environ.get("AXE_CORE_JS") or REPO / ".ci" / "axe" / "node_modules" / "axe-core" / "axe.min.js")
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def axe() -> str:
    """axe-core's source (``.ci/run`` installs it with npm, as for the catalog's other views)."""
    if not AXE.is_file():
        if os.environ.get("CI") and "axe-core" in (REPO / ".ci" / "run").read_text():
            pytest.fail(f"axe-core is not installed at {AXE} (.ci/run installs it with npm)")
        pytest.skip(f"axe-core is not at {AXE}: npm install --prefix .ci/axe axe-core (or set AXE_CORE_JS)")
    return AXE.read_text(encoding="utf-8")


def check_view(page: Page, name: str, axe: str, within: str = "main") -> None:
    """No horizontal overflow, no serious or critical axe violation; keeps a screenshot.

    ``within``: the part axe checks — the page's ``main`` (the frame around it is the catalog
    UI's, checked by its own tests), or the actions' part of a catalog page.
    """
    width = page.viewport_size["width"] if page.viewport_size else 0
    overflow = page.evaluate(
        "(selector) => Math.max(0, ...[...document.querySelector(selector).querySelectorAll('*')]"
        ".map(element => Math.ceil(element.getBoundingClientRect().right)))",
        within,
    )
    assert overflow <= width, f"{name}: {within} is {overflow} px wide on a {width} px screen"
    page.add_script_tag(content=axe)
    result = page.evaluate(
        f"async () => await axe.run(document.querySelector({within!r}), {{resultTypes: ['violations']}})"
    )
    bad = [
        f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']][:4]}"
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{name}: axe-core found {bad}"
    shot(page, name)


@pytest.fixture()
def expected_errors() -> list[str]:
    """``METHOD status`` of error responses a test provokes on purpose (``tab`` accepts those)."""
    return []


@pytest.fixture()
def tab(browser: Browser, expected_errors: list[str]) -> Iterator[Page]:
    """A fresh page that fails the test on any HTTP error or script error it does not expect."""
    context = browser.new_context(viewport={"width": 1360, "height": 900})
    page = context.new_page()
    failures: list[str] = []

    def check(response: Response) -> None:
        if response.status >= 400 and f"{response.request.method} {response.status}" not in expected_errors:
            failures.append(f"{response.status} {response.url}")

    page.on("response", check)
    page.on("pageerror", lambda error: failures.append(f"script error: {error}"))
    yield page
    context.close()
    assert failures == [], failures


@pytest.fixture()
def sailing(tmp_path: Path) -> Iterator[tuple[str, Sail]]:
    """``ocean sail <a copy of integrations/fake>`` with actions on; yields the harbor's URL."""
    env = ocean_env(OCEAN__ACTIONS_PROCESSOR__ENABLED="true")
    sail = launch_sail(copy_fake(tmp_path / "fake"), env, tmp_path, wait_seconds=WAIT_SECONDS)
    try:
        url = sail.wait_for(r"catalog: (http://127\.0\.0\.1:\d+)").group(1)
        sail.wait_for(r"actions: executing deploy_service")
        sail.wait_for(r"Reconcile: deleted 0 stale")  # the start-up resync is done
        yield url, sail
        assert sail.stop(signal.SIGINT, timeout=WAIT_SECONDS) == 0, sail.output()
    finally:
        sail.stop(signal.SIGKILL, timeout=WAIT_SECONDS)


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_user_deploys_a_service_from_its_page(tab: Page, sailing: tuple[str, Sail], axe: str) -> None:
    url, _ = sailing
    tab.goto(f"{url}/blueprints/fakeService/entities/checkout")
    deployments = tab.locator("table.kv tr", has_text="Deployments")
    expect(deployments).not_to_contain_text("7")

    action = tab.locator("details.action[data-action=fake_deploy_service]")
    action.locator("summary").click()
    action.get_by_label("Version").fill("7")
    action.get_by_label("Status after the deploy").select_option("failing")
    check_view(tab, "deploy-form", axe, within="#actions")
    action.get_by_role("button", name="Run Deploy").click()

    expect(tab).to_have_url(re.compile(r"/runs/r_\w+$"))
    status = tab.locator("#run-live [data-status]")
    expect(status).to_have_attribute("data-status", "IN_PROGRESS")
    expect(status).to_have_text("In progress")
    shot(tab, "run-in-progress")
    expect(status).to_have_attribute("data-status", "SUCCESS", timeout=WAIT_SECONDS * 1000)
    logs = tab.locator("#run-live .run-logs li")
    expect(logs).to_have_count(3)
    expect(logs.nth(0)).to_contain_text("Building checkout version 7")
    expect(logs.nth(2)).to_contain_text("checkout runs version 7 and reports failing")
    expect(tab.locator("#run-live .run-links a")).to_have_text(
        "https://checkout.fake-org.example/deployments/7"
    )
    expect(tab.locator("#run-live .run-headline")).to_contain_text("Deployed")
    check_view(tab, "run-success", axe)
    tab.set_viewport_size(PHONE)
    check_view(tab, "run-success-phone", axe)
    tab.set_viewport_size({"width": 1360, "height": 900})

    tab.get_by_role("link", name="Checkout", exact=True).click()  # back to the service
    expect(tab.locator("h1")).to_contain_text("Checkout")
    expect(deployments).to_contain_text("7")
    expect(tab.locator("table.kv tr", has_text="Status")).to_contain_text("failing")
    expect(tab.locator("#actions table.runs tbody tr")).to_have_count(1)
    expect(tab.locator("#actions table.runs tbody tr")).to_contain_text("Success")
    check_view(tab, "service-after-deploy", axe, within="#actions")
    tab.get_by_role("link", name="Runs", exact=True).click()
    expect(tab.locator("table.runs tbody tr")).to_have_count(1)
    check_view(tab, "runs", axe)


def test_a_form_with_bad_input_says_what_is_wrong(
    tab: Page, sailing: tuple[str, Sail], expected_errors: list[str], axe: str
) -> None:
    url, _ = sailing
    expected_errors.append("POST 400")
    tab.goto(f"{url}/blueprints/fakeService/entities/auth")
    action = tab.locator("details.action[data-action=fake_deploy_service]")
    action.locator("summary").click()
    version = action.get_by_label("Version")
    version.fill("0")  # the form's inputs say: at least 1
    tab.evaluate(
        "document.querySelector('form.action-form').noValidate = true"
    )  # skip the browser's own check
    with tab.expect_response(lambda response: response.request.method == "POST") as posted:
        action.get_by_role("button", name="Run Deploy").click()
    assert posted.value.status == 400
    problem = tab.locator(".field-bad .problem")
    expect(problem).to_have_text("Version 0 is less than the minimum of 1")
    expect(tab.get_by_label("Version")).to_have_value("0")
    check_view(tab, "deploy-form-bad-input", axe)
    tab.set_viewport_size(PHONE)
    check_view(tab, "deploy-form-bad-input-phone", axe)
