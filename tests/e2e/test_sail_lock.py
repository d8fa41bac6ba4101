"""Two ``ocean sail`` on one folder: the second refuses, naming the folder and the holder's PID."""

from __future__ import annotations

import subprocess
from typing import Any

WAIT_SECONDS = 60


def wait_for_line(process: subprocess.Popen[str], text: str) -> None:
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        if text in line:
            return
    raise AssertionError(f"{text!r} never printed; output:\n{''.join(seen)}")


def test_a_second_sail_on_the_same_folder_refuses_and_a_killed_one_leaves_no_lock(
    integration: Any, catalog: Any
) -> None:
    integration.set_repos(3, slow=True)
    first = integration.start("sail", str(integration.root), "--once")
    try:
        wait_for_line(first, "slow handler started")

        second = integration.sail_once()

        assert second.code == 1
        assert "Traceback" not in second.stderr
        assert len(second.error_lines) == 1, second.stderr
        message = second.error_lines[0]
        assert str(integration.root.resolve()) in message
        assert f"process {first.pid}" in message
        assert "already running" in message
    finally:
        first.kill()  # SIGKILL: no clean-up code runs
        first.wait(timeout=WAIT_SECONDS)
        if first.stdout is not None:
            first.stdout.close()
    integration.set_repos(3)

    third = integration.sail_once()

    assert third.code == 0, third.stderr
    assert set(catalog(integration.db)) == {"repo-0", "repo-1", "repo-2"}
