"""Catalog databases for the UI tests, written straight into the harbor's schema.

The UI only reads, so its route tests build the rows the harbor API would have written (the same
shapes: Port documents in ``body``, JSON text in the JSON columns) and read them through the real
``ocean_harbor.store.Store``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from starlette.applications import Starlette

from ocean_harbor.store import Store
from ocean_harbor.ui import ui_routes

REPO = Path(__file__).resolve().parents[3]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
DESKTOP = {"width": 1360, "height": 900}
PHONE = {"width": 390, "height": 844}

T0 = "2024-11-20T12:00:00.000000Z"
T1 = "2024-11-20T12:00:04.500000Z"
UA = "port-ocean/fake-integration/0.1.0/my-fake/exporter"
WEIRD_ID = "team/a b?c#1"  # needs percent-encoding in a URL path

BLUEPRINTS: list[dict[str, Any]] = [
    {
        "identifier": "fakeDepartment", "title": "Fake Department", "icon": "Team",
        "schema": {"properties": {"costCenter": {"type": "string", "title": "Cost center"},
                                  "headcount": {"type": "number", "title": "Headcount"}}, "required": []},
        "relations": {},
    },
    {
        "identifier": "fakePerson", "title": "Fake Person", "icon": "User",
        "schema": {"properties": {"email": {"type": "string", "format": "email", "title": "Email"},
                                  "role": {"type": "string", "enum": ["engineer", "sre"], "title": "Role"}},
                   "required": ["email"]},
        "relations": {"department": {"title": "Department", "target": "fakeDepartment", "required": False,
                                     "many": False}},
    },
    {
        "identifier": "fakeService", "title": "Fake Service", "icon": "Microservice",
        "schema": {"properties": {
            "url": {"type": "string", "format": "url", "title": "URL"},
            "status": {"type": "string", "enum": ["healthy", "failing"],
                       "enumColors": {"healthy": "green", "failing": "red"}},
            "tags": {"type": "array", "title": "Tags"},
            "meta": {"type": "object"},
            "onCall": {"type": "boolean"},
        }, "required": []},
        "relations": {
            "owningDepartment": {"title": "Owning department", "target": "fakeDepartment", "required": False,
                                 "many": False},
            "maintainers": {"title": "Maintainers", "target": "fakePerson", "required": False, "many": True},
        },
    },
]  # fmt: skip

PORT_APP_CONFIG = {
    "deleteDependentEntities": True,
    "createMissingRelatedEntities": True,
    "enableMergeEntity": True,
    "entityDeletionThreshold": 0.9,
    "resources": [
        {
            "kind": "service",
            "selector": {"query": "true"},
            "port": {
                "entity": {"mappings": {"identifier": ".id", "title": ".name", "blueprint": '"fakeService"'}}
            },
        }
    ],
}


def _rule(identifier: str, level: str, condition: dict[str, Any]) -> dict[str, Any]:
    return {"identifier": identifier, "title": identifier.title(), "level": level,
            "query": {"combinator": "and", "conditions": [condition]}}  # fmt: skip


SERVICE_SCORECARD = {
    "identifier": "health", "title": "Health", "blueprint": "fakeService",
    "rules": [
        _rule("hasUrl", "Bronze", {"operator": "isNotEmpty", "property": "url"}),
        _rule("owned", "Silver", {"operator": "isNotEmpty", "property": "owningDepartment"}),
        _rule("healthy", "Gold", {"operator": "=", "property": "status", "value": "healthy"}),
    ],
}  # fmt: skip


def create_db(path: Path) -> sqlite3.Connection:
    """A new catalog file with the harbor's schema, open for bulk writes."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(resources.files("ocean_harbor").joinpath("schema.sql").read_text(encoding="utf-8"))
    return conn


def insert_entities(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Entities as (blueprint, identifier, title, properties, relations, datasource), with their links."""
    targets = {bp["identifier"]: {n: r["target"] for n, r in bp["relations"].items()} for bp in BLUEPRINTS}
    conn.executemany(
        "INSERT INTO entities (blueprint, identifier, title, properties, relations, datasource, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(bp, ident, title, json.dumps(props), json.dumps(rels), ds, T0, T1)
         for bp, ident, title, props, rels, ds in rows],
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO entity_links VALUES (?, ?, ?, ?, ?)",
        [
            (bp, ident, name, targets.get(bp, {}).get(name, "fakePerson"), target)
            for bp, ident, _, _, rels, _ in rows
            for name, value in rels.items()
            for target in ([value] if isinstance(value, str) else value or [])
        ],
    )


def seed_small(conn: sqlite3.Connection) -> None:
    """A catalog like the fake integration's, plus the awkward cases the pages must survive."""
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO blueprints VALUES (?, ?, ?, ?)",
        [(bp["identifier"], json.dumps(bp), T0, T1) for bp in BLUEPRINTS],
    )
    departments = [("fakeDepartment", d, d.title(), {"costCenter": f"cc-{d}", "headcount": 2}, {}, UA)
                   for d in ("payments", "search", WEIRD_ID)]  # fmt: skip
    people = [
        ("fakePerson", f"payments-00{i}", f"Person {i}", {"email": f"p{i}@example.com", "role": "sre"},
         {"department": "payments"}, UA)
        for i in range(3)
    ]  # fmt: skip
    services = [
        ("fakeService", "checkout", "Checkout <script>alert(1)</script>",
         {"url": "https://checkout.example.com", "status": "failing", "tags": ["a", "b"],
          "meta": {"tier": 1}, "onCall": True},
         {"owningDepartment": "payments",
          "maintainers": ["payments-000", "payments-001", "ghost-person"]}, UA),
        ("fakeService", "search-api", "Search API", {"url": "javascript:alert(1)", "status": "healthy"},
         {"owningDepartment": WEIRD_ID, "maintainers": []}, "manual-client/1.0"),
    ]  # fmt: skip
    insert_entities(conn, departments + people + services)
    conn.execute(
        "INSERT INTO integrations VALUES (?, ?, ?, ?)",
        ("my-fake", json.dumps({
            "identifier": "my-fake", "installationId": "my-fake", "installationAppType": "fake-integration",
            "version": "0.1.0", "config": PORT_APP_CONFIG,
            "resyncState": {"status": "completed", "lastResyncStart": T0, "lastResyncEnd": T1},
        }), T0, T1),
    )  # fmt: skip
    conn.execute("INSERT INTO integrations VALUES ('idle', '{\"identifier\": \"idle\"}', ?, ?)", (T0, T0))
    conn.executemany(
        "INSERT INTO resync_runs (integration, started_at, ended_at, status, upserted, deleted, failed)"
        " VALUES ('my-fake', ?, ?, ?, ?, ?, ?)",
        [(T0, T1, "failed", 7, 0, 2), (T0, T1, "completed", 135, 75, 1)],
    )
    conn.execute(
        "UPDATE resync_runs SET details = ? WHERE id = 2",
        (json.dumps({"blueprints": {"fakePerson": {"upserted": 100, "deleted": 75, "failed": 1}}}),),
    )
    conn.executemany(
        "INSERT INTO problems (integration, run_id, kind, category, blueprint, identifier, message, detail,"
        " created_at) VALUES ('my-fake', 2, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("service", "misconfigured", None, None, "mapping evaluated to null for every item",
             json.dumps({"field": "properties.ownerEmail", "expression": ".owner.mail"}), T1),
            ("service", "failed_entity", "fakeService", "broken-svc",
             'value "purple" of property "status" is not one of the enum values',
             json.dumps({"error": {"ok": False, "error": "schema_mismatch"}}), T1),
            ("service", "failed_entity", "fakeService", "checkout", "a later write of checkout was refused",
             json.dumps({"statusCode": 422}), T1),
        ],
    )  # fmt: skip
    conn.execute("COMMIT")


@pytest.fixture()
def make_client() -> Iterator[Any]:
    """Builds an HTTP client for the UI routes alone, in a Starlette app over a catalog file.

    Requests go through httpx's ASGI transport, so each one runs the full Starlette stack (routing,
    the thread pool the sync handlers run in, the static files app) without a socket.
    """
    stores: list[Store] = []

    def make(db_path: Path) -> httpx.AsyncClient:
        stores.append(Store(db_path))
        app = Starlette(routes=ui_routes(stores[-1]))
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://harbor.test")

    yield make
    for store in stores:
        store.close()


@pytest.fixture()
def small_db(tmp_path: Path) -> Path:
    """A small catalog file (3 blueprints, 10 entities, 2 integrations, runs and problems)."""
    path = tmp_path / "harbor.db"
    conn = create_db(path)
    seed_small(conn)
    conn.close()
    return path


@pytest.fixture()
async def ui(small_db: Path, make_client: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The UI over the small catalog."""
    async with make_client(small_db) as client:
        yield client


BIG_SERVICES = 100_000
BIG_TEAMS = 100


@pytest.fixture(scope="session")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A catalog with 100k services, each owned by one of 100 departments (so 1,000 links per department)."""
    path = tmp_path_factory.mktemp("big") / "harbor.db"
    conn = create_db(path)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO blueprints VALUES (?, ?, ?, ?)",
        [(bp["identifier"], json.dumps(bp), T0, T1) for bp in BLUEPRINTS],
    )
    insert_entities(conn, [
        ("fakeDepartment", f"dept-{d:03d}", f"Department {d}", {"costCenter": f"cc-{d}"}, {}, UA)
        for d in range(BIG_TEAMS)
    ])  # fmt: skip
    insert_entities(conn, [
        ("fakeService", f"svc-{i:06d}", f"Service {i}",
         {"url": f"https://svc-{i}.example.com", "status": "healthy" if i % 7 else "failing"},
         {"owningDepartment": f"dept-{i % BIG_TEAMS:03d}"}, UA)
        for i in range(BIG_SERVICES)
    ])  # fmt: skip
    conn.execute(
        "INSERT INTO integrations VALUES ('my-fake', ?, ?, ?)",
        (json.dumps({"identifier": "my-fake", "installationAppType": "fake-integration",
                     "config": PORT_APP_CONFIG}), T0, T1),
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO resync_runs (integration, started_at, ended_at, status, upserted)"
        " VALUES ('my-fake', ?, ?, ?, ?)",
        [(T0, T1, "completed", run) for run in range(1, 501)],
    )
    conn.executemany(
        "INSERT INTO problems (integration, kind, category, message, detail, created_at)"
        " VALUES ('my-fake', 'service', 'misconfigured', ?, ?, ?)",
        [(f"problem {n}", json.dumps({"field": f"properties.p{n}"}), T1) for n in range(1, 2001)],
    )
    conn.execute(
        "INSERT INTO documents VALUES ('scorecards', 'health', 'fakeService', ?, ?, ?)",
        (json.dumps(SERVICE_SCORECARD), T0, T0),
    )
    conn.execute("COMMIT")
    conn.close()
    return path


@pytest.fixture()
async def big_ui(big_db: Path, make_client: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The UI over the 100k-entity catalog."""
    async with make_client(big_db) as client:
        yield client


# --- a real browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium driven by Playwright (never a downloaded browser), one per module: every
    browser test is in ``test_views.py``, and Playwright's sync API must be closed before the
    asyncio tests of other modules run (it keeps its event loop running meanwhile)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_tab(browser: Browser, viewport: dict[str, int]) -> tuple[Page, list[str]]:
    """A fresh page, and the list where every HTTP error or script error it meets is recorded."""
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = context.new_page()
    failures: list[str] = []
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda error: failures.append(f"script error: {error}"))
    return page, failures


@pytest.fixture()
def new_tab(browser: Browser) -> Iterator[Any]:
    """Opens pages sized for ``"desktop"`` (1360 px) or ``"phone"`` (390 px); closes them after the test."""
    opened: list[Page] = []

    def new(device: str = "desktop") -> tuple[Page, list[str]]:
        page, failures = open_tab(browser, PHONE if device == "phone" else DESKTOP)
        opened.append(page)
        return page, failures

    yield new
    for page in opened:
        page.context.close()


@pytest.fixture()
def tab(browser: Browser) -> Iterator[Page]:
    """A fresh desktop-sized page that fails the test on any HTTP error or script error it sees."""
    page, failures = open_tab(browser, DESKTOP)
    yield page
    page.context.close()
    assert failures == [], failures
