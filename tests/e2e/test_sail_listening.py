"""``ocean sail DIR`` without ``--once``: resync at start, on Port's requests, health, clean shutdown."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

WAIT_SECONDS = 60


class Output:
    """The lines of a running process, read in a thread so a test can wait for one."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        assert process.stdout is not None
        stream = process.stdout
        threading.Thread(target=lambda: [self.lines.put(line) for line in stream], daemon=True).start()

    def wait_for(self, pattern: str) -> re.Match[str]:
        """The first (new) line matching ``pattern``; fails after ``WAIT_SECONDS`` without one."""
        while True:
            try:
                line = self.lines.get(timeout=WAIT_SECONDS)
            except queue.Empty:
                pytest.fail(f"no line matching {pattern!r}; output so far:\n{''.join(self.seen)}")
            self.seen.append(line)
            match = re.search(pattern, line)
            if match:
                return match


@pytest.fixture
def running(integration: Any, harbor: Any) -> Iterator[tuple[subprocess.Popen[str], Output]]:
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
    try:
        yield process, Output(process)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=WAIT_SECONDS)
        if process.stdout is not None:
            process.stdout.close()


def test_resyncs_at_start_and_on_port_requests_then_stops_cleanly(
    integration: Any, harbor: Any, running: tuple[subprocess.Popen[str], Output]
) -> None:
    process, output = running
    health = output.wait_for(r"health on (http://127\.0\.0\.1:\d+/health)").group(1)
    output.wait_for(r"Reconcile: deleted 0 stale of 0 owned")  # the start-up resync
    assert {e["identifier"] for e in harbor.entities("repo")} == {"repo-0", "repo-1", "repo-2"}
    assert httpx.get(health).json()["status"] == "healthy"
    assert httpx.get(health + "/ready").status_code == 200

    integration.set_repos(2)
    with harbor.client() as client:
        client.post("/v1/integration/my-repos-integration/resync-request").raise_for_status()
    output.wait_for(r"Reconcile: deleted 1 stale of 3 owned")

    assert {e["identifier"] for e in harbor.entities("repo")} == {"repo-0", "repo-1"}
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=WAIT_SECONDS) == 0
    state = (harbor.integration("my-repos-integration") or {}).get("resyncState") or {}
    assert state.get("status") == "completed"


def test_sigterm_during_a_resync_marks_it_aborted(
    integration: Any, harbor: Any, running: tuple[subprocess.Popen[str], Output]
) -> None:
    process, output = running
    output.wait_for(r"Reconcile: deleted 0 stale")
    integration.set_repos(1, slow=True)
    with harbor.client() as client:
        client.post("/v1/integration/my-repos-integration/resync-request").raise_for_status()
    output.wait_for(r"slow handler started")

    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=WAIT_SECONDS) == 0
    state = (harbor.integration("my-repos-integration") or {}).get("resyncState") or {}
    assert state.get("status") == "aborted", "".join(output.seen)
    assert len(harbor.entities("repo")) == 3  # nothing deleted by the interrupted run
