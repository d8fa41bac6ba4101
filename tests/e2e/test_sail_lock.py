"""Two ``ocean sail`` on one folder: the second refuses, naming the folder and the holder's PID."""

from __future__ import annotations

import signal
from typing import Any

from tests.support.sail import Sail

WAIT_SECONDS = 60


def test_a_second_sail_on_the_same_folder_refuses_and_a_killed_one_leaves_no_lock(
    integration: Any, catalog: Any
) -> None:
    integration.set_repos(3, slow=True)
    first = Sail(integration.start("sail", str(integration.root), "--once"), wait_seconds=WAIT_SECONDS)
    try:
        first.wait_for("slow handler started")

        second = integration.sail_once()

        assert second.code == 1
        assert "Traceback" not in second.stderr
        assert len(second.error_lines) == 1, second.stderr
        message = second.error_lines[0]
        assert str(integration.root.resolve()) in message
        assert f"process {first.process.pid}" in message
        assert "already running" in message
    finally:
        first.stop(signal.SIGKILL, timeout=WAIT_SECONDS)  # no clean-up code runs
    integration.set_repos(3)

    third = integration.sail_once()

    assert third.code == 0, third.stderr
    assert set(catalog(integration.db)) == {"repo-0", "repo-1", "repo-2"}
