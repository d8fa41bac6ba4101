"""``ocean sail DIR`` without ``--once``: resync at start, on Port's requests, health, clean shutdown."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.sail import Sail

WAIT_SECONDS = 60


@pytest.fixture
def running(integration: Any, harbor: Any) -> Iterator[Sail]:
    """``ocean sail`` polling every second, against the test's harbor."""
    process = integration.start(
        "sail",
        str(integration.root),
        "--port",
        "0",
        env={
            "OCEAN__PORT__BASE_URL": harbor.url,
            "OCEAN__PORT__CLIENT_ID": harbor.client_id,
            "OCEAN__PORT__CLIENT_SECRET": harbor.client_secret,
            "OCEAN__EVENT_LISTENER__INTERVAL": "1",
        },
    )
    sail = Sail(process, wait_seconds=WAIT_SECONDS)
    try:
        yield sail
    finally:
        sail.stop(signal.SIGKILL, timeout=WAIT_SECONDS)


def test_resyncs_at_start_and_on_port_requests_then_stops_cleanly(
    integration: Any, harbor: Any, running: Sail
) -> None:
    sail = running
    health = sail.wait_for(r"health on (http://127\.0\.0\.1:\d+/health)").group(1)
    sail.wait_for(r"Reconcile: deleted 0 stale of 0 owned")  # the start-up resync
    assert {e["identifier"] for e in harbor.entities("repo")} == {"repo-0", "repo-1", "repo-2"}
    assert httpx.get(health).json()["status"] == "healthy"
    assert httpx.get(health + "/ready").status_code == 200

    integration.set_repos(2)
    with harbor.client() as client:
        client.post("/v1/integration/my-repos-integration/resync-request").raise_for_status()
    sail.wait_for(r"Reconcile: deleted 1 stale of 3 owned")

    assert {e["identifier"] for e in harbor.entities("repo")} == {"repo-0", "repo-1"}
    sail.process.send_signal(signal.SIGTERM)
    assert sail.process.wait(timeout=WAIT_SECONDS) == 0
    state = (harbor.integration("my-repos-integration") or {}).get("resyncState") or {}
    assert state.get("status") == "completed"


def test_sigterm_during_a_resync_marks_it_aborted(integration: Any, harbor: Any, running: Sail) -> None:
    sail = running
    sail.wait_for(r"Reconcile: deleted 0 stale")
    integration.set_repos(1, slow=True)
    with harbor.client() as client:
        client.post("/v1/integration/my-repos-integration/resync-request").raise_for_status()
    sail.wait_for(r"slow handler started")

    sail.process.send_signal(signal.SIGINT)

    assert sail.process.wait(timeout=WAIT_SECONDS) == 0
    state = (harbor.integration("my-repos-integration") or {}).get("resyncState") or {}
    assert state.get("status") == "aborted", sail.output()
    assert len(harbor.entities("repo")) == 3  # nothing deleted by the interrupted run
