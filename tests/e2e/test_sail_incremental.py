"""``ocean sail DIR --once`` with ``OCEAN__INTEGRATION__INCREMENTAL_SYNC_ENABLED``, through the entry point.

The run goes to the test's harbor through a small recording reverse proxy, so the test sees
what went over the wire (the ``ocean_info_event_type`` of every write) as well as the catalog.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

# The handler reports what it was given, so the catalog shows whether the run was incremental.
MAIN = """
import json
from pathlib import Path

from ocean_runtime import event, ocean, updated_since

DATA = Path(__file__).with_name("data.json")


@ocean.on_resync("repo")
async def repos(kind):
    since = await updated_since()
    seen = {"since": since.isoformat() if since else "none", "event": event.event_type}
    yield [{**repo, **seen} for repo in json.loads(DATA.read_text())["repos"]]
"""
BLUEPRINTS = [
    {"identifier": "repo", "title": "Repository",
     "schema": {"properties": {"stars": {"type": "number"}, "since": {"type": "string"},
                               "event": {"type": "string"}}}},
]  # fmt: skip
MAPPING = {
    "entityDeletionThreshold": 1,  # every run rewrites the entities it saw (their "event" changes)
    "resources": [{
        "kind": "repo",
        "selector": {"query": "true"},
        "port": {"entity": {"mappings": {
            "identifier": ".name", "blueprint": '"repo"',
            "properties": {"stars": ".stars", "since": ".since", "event": ".event"}}}},
    }],
}  # fmt: skip
INCREMENTAL = {"OCEAN__INTEGRATION__INCREMENTAL_SYNC_ENABLED": "true"}


class RecordingProxy:
    """Forwards every request to ``upstream`` and records ``(method, path, query)``."""

    def __init__(self, upstream: str) -> None:
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        self._client = httpx.Client(base_url=upstream, timeout=60)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Forward(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                url = urlsplit(self.path)
                proxy.requests.append((self.command, url.path, parse_qs(url.query)))
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
                }
                answer = proxy._client.request(self.command, self.path, content=body, headers=headers)
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("content-type", "application/json"))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

            def log_message(self, *args: Any) -> None:  # keep the test output quiet
                pass

        return Forward

    def __enter__(self) -> RecordingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()

    def event_types(self) -> set[str]:
        """The ``ocean_info_event_type`` of every entity write since the last ``clear()``."""
        return {
            value
            for method, path, query in self.requests
            if method in ("POST", "DELETE") and "/entities" in path
            for value in query.get("ocean_info_event_type", [])
        }

    def clear(self) -> None:
        self.requests.clear()


@pytest.fixture
def proxy(harbor: Any) -> Iterator[RecordingProxy]:
    with RecordingProxy(harbor.url) as running:
        yield running


@pytest.fixture
def repos_app(integration: Any, harbor: Any, proxy: RecordingProxy) -> Any:
    integration.write("main.py", MAIN)
    integration.write(".port/resources/blueprints.json", BLUEPRINTS)
    integration.write(".port/resources/port-app-config.yml", MAPPING)
    integration.env.update(
        {
            "OCEAN__PORT__BASE_URL": proxy.url,
            "OCEAN__PORT__CLIENT_ID": harbor.client_id,
            "OCEAN__PORT__CLIENT_SECRET": harbor.client_secret,
        }
    )
    return integration


def catalog(harbor: Any) -> dict[str, dict[str, Any]]:
    return {entity["identifier"]: entity["properties"] for entity in harbor.entities("repo")}


def test_an_incremental_once_run_reads_the_cursor_keeps_unseen_entities_and_says_so(
    repos_app: Any, harbor: Any, proxy: RecordingProxy
) -> None:
    repos_app.set_repos(3)
    full = repos_app.sail_once()
    assert full.code == 0, full.stderr
    assert proxy.event_types() == {"resync"}
    assert catalog(harbor)["repo-0"] == {"stars": 0, "since": "none", "event": "resync"}
    proxy.clear()

    repos_app.write("data.json", {"repos": [{"name": "repo-9", "stars": 9}]})  # the delta
    result = repos_app.sail_once(env=INCREMENTAL)

    assert result.code == 0, result.stderr
    assert "Incremental sync" in result.stdout
    assert "incremental sync: only changes were fetched — nothing deleted" in result.stdout
    repos = catalog(harbor)
    assert set(repos) == {"repo-0", "repo-1", "repo-2", "repo-9"}  # not in the delta: kept
    assert repos["repo-9"]["event"] == "incremental_resync"
    assert repos["repo-9"]["since"] != "none"  # the cursor the full run stored
    assert proxy.event_types() == {"incremental_resync"}


def test_a_full_once_run_after_an_incremental_one_reconciles_deletions(repos_app: Any, harbor: Any) -> None:
    repos_app.set_repos(3)
    assert repos_app.sail_once(env=INCREMENTAL).code == 0  # the first incremental run: no cursor yet
    assert catalog(harbor)["repo-2"]["since"] == "none"
    repos_app.set_repos(1)

    result = repos_app.sail_once(env={"OCEAN__INTEGRATION__INCREMENTAL_SYNC_ENABLED": "false"})

    assert result.code == 0, result.stderr
    assert "deleted 2 stale" in result.stdout, result.stdout
    assert set(catalog(harbor)) == {"repo-0"}


def test_a_non_boolean_switch_is_one_clear_error_and_nothing_is_synced(repos_app: Any, harbor: Any) -> None:
    result = repos_app.sail_once(env={"OCEAN__INTEGRATION__INCREMENTAL_SYNC_ENABLED": "sometimes"})

    assert result.code == 1
    assert "Traceback" not in result.stderr
    assert len(result.error_lines) == 1
    assert "OCEAN__INTEGRATION__INCREMENTAL_SYNC_ENABLED" in result.error_lines[0]
    assert "not a boolean" in result.error_lines[0]
    assert harbor.entities("repo") == []
