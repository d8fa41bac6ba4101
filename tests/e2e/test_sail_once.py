"""``ocean sail DIR --once`` through the installed entry point, into the embedded harbor."""

from __future__ import annotations

from typing import Any


def test_sail_once_from_another_directory_fills_the_local_catalog(integration: Any, catalog: Any) -> None:
    result = integration.sail_once()

    assert result.code == 0, result.stderr
    assert "local harbor" in result.stdout
    # The embedded harbor stops with the command: the summary names a command that serves the
    # catalog again, not a URL that no longer answers.
    assert "http://127.0.0.1:" not in result.stdout
    assert f"harbor --db {integration.db}" in result.stdout
    assert "completed" in result.stdout
    repos = catalog(integration.db)
    assert set(repos) == {"repo-0", "repo-1", "repo-2"}
    assert repos["repo-2"]["properties"] == {"language": "python", "stars": 2}


def test_second_sail_deletes_removed_items_and_reports_unchanged(integration: Any, catalog: Any) -> None:
    assert integration.sail_once().code == 0
    integration.set_repos(2)

    result = integration.sail_once()

    assert result.code == 0, result.stderr
    assert "deleted 1 stale" in result.stdout
    assert set(catalog(integration.db)) == {"repo-0", "repo-1"}


def test_a_shrink_whose_survivors_changed_converges_in_one_sail(integration: Any, catalog: Any) -> None:
    integration.set_repos(135)
    assert integration.sail_once().code == 0
    # 75 repos vanish and the 60 that stay change, so the second sail rewrites all of them.
    survivors = [{"name": f"repo-{i}", "language": "rust", "stars": i} for i in range(60)]
    integration.write("data.json", {"repos": survivors})

    result = integration.sail_once()

    assert result.code == 0, result.stderr
    assert "deleted 75 stale of 135 owned" in result.stdout
    assert set(catalog(integration.db)) == {f"repo-{i}" for i in range(60)}


def test_a_handler_raising_mid_resync_exits_1_says_why_and_deletes_nothing(
    integration: Any, catalog: Any
) -> None:
    integration.set_repos(4)
    assert integration.sail_once().code == 0
    integration.set_repos(3, fail=True)

    result = integration.sail_once()

    assert result.code == 1
    assert "Traceback" not in result.stderr
    assert len(result.error_lines) == 1
    assert "RuntimeError: the repos API broke" in result.error_lines[0]
    assert "main.py:" in result.error_lines[0]
    assert "nothing deleted" in result.stdout
    assert set(catalog(integration.db)) == {"repo-0", "repo-1", "repo-2", "repo-3"}
