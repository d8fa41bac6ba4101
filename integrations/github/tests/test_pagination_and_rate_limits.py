"""Paging through GitHub's ``Link`` headers and waiting out its rate limits (on a fake clock)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_github import API, FakeGitHub
from github_helpers import by_id, copy_with_selectors, sail_once, snapshot

from ocean_runtime.testing.clock import FakeClock

REPOS_PATH = "/orgs/acme/repos"


def repository_pages(github: FakeGitHub) -> list[httpx.Request]:
    return [request for request in github.requests if request.url.path == REPOS_PATH]


def test_repositories_are_read_across_three_pages_of_link_headers(
    harbor: Any, github: FakeGitHub, tmp_path: Path
) -> None:
    # Only the repository kind, so the organisation's repositories are listed exactly once.
    directory = copy_with_selectors(tmp_path)
    only_repositories(directory)

    sail_once(harbor, github, directory)

    pages = repository_pages(github)
    assert [str(request.url) for request in pages] == [
        f"{API}{REPOS_PATH}?type=all&per_page=100",
        f"{API}{REPOS_PATH}?type=all&per_page=100&page=2",
        f"{API}{REPOS_PATH}?type=all&per_page=100&page=3",
    ]
    # Each page's repositories made it: checkout (page 1), payments and web (2), infra (3).
    assert set(by_id(harbor, "githubRepository")) == {
        "acme/checkout",
        "acme/payments",
        "acme/web",
        "acme/infra",
    }


def test_the_next_page_is_the_url_github_links_not_one_the_client_guesses(
    harbor: Any, github: FakeGitHub, tmp_path: Path
) -> None:
    github.page_size = 1  # five pages now, still followed link by link
    directory = copy_with_selectors(tmp_path, repository={"includeArchived": True})
    only_repositories(directory)

    sail_once(harbor, github, directory)

    assert [request.url.params.get("page", "1") for request in repository_pages(github)] == list("12345")
    assert len(by_id(harbor, "githubRepository")) == 5


def test_per_repository_lists_are_paginated_too(harbor: Any, github: FakeGitHub) -> None:
    sail_once(harbor, github)

    run_pages = [
        r.url.params.get("page", "1") for r in github.requests if r.url.path.endswith("checkout/actions/runs")
    ]
    assert run_pages == ["1", "2"]  # 3 runs, 2 a page
    assert {i for i in by_id(harbor, "githubWorkflowRun") if i.startswith("acme/checkout/")} == {
        "acme/checkout/runs/9100001",
        "acme/checkout/runs/9100002",
        "acme/checkout/runs/9100003",
    }


@pytest.mark.parametrize(
    ("limit", "status"),
    [("primary", 403), ("primary", 429), ("secondary", 403), ("secondary", 429)],
)
def test_a_rate_limited_request_waits_for_github_then_succeeds(
    harbor: Any, github: FakeGitHub, clock: FakeClock, limit: str, status: int
) -> None:
    sail_once(harbor, github)
    expected = snapshot(harbor)
    github.requests.clear()
    clock.sleeps.clear()
    github.rate_limit_next(limit=limit, status=status, wait=120)

    sail_once(harbor, github)

    # The refused request waited exactly as long as GitHub said — on the fake clock, so the
    # test never sleeps — and was then sent again.
    assert github.refused() == [(status, REPOS_PATH)]
    assert clock.sleeps == [120.0]
    assert [str(r.url) for r in github.requests[:2]] == [f"{API}{REPOS_PATH}?type=all&per_page=100"] * 2
    assert snapshot(harbor) == expected


def test_a_long_primary_limit_is_waited_out_rather_than_failing_the_resync(
    harbor: Any, github: FakeGitHub, clock: FakeClock
) -> None:
    github.rate_limit_next(limit="primary", status=403, wait=45 * 60)

    sail_once(harbor, github)

    # One retry waits 5 minutes at most; the rate limiter holds the request for the rest.
    assert clock.sleeps == [300.0, 2400.0]
    assert len(by_id(harbor, "githubRepository")) == 4


def test_a_spent_budget_on_a_successful_answer_pauses_the_next_request(
    harbor: Any, github: FakeGitHub, clock: FakeClock, tmp_path: Path
) -> None:
    directory = copy_with_selectors(tmp_path)
    only_repositories(directory)
    github.spend_budget_after(1, reset_in=600)  # page 1 arrives, saying the budget is now 0

    sail_once(harbor, github, directory)

    assert github.refused() == []  # no request was wasted on a 403
    assert clock.sleeps == [600.0]
    assert len(by_id(harbor, "githubRepository")) == 4


def only_repositories(directory: Path) -> None:
    import yaml

    config_file = directory / ".port" / "resources" / "port-app-config.yml"
    config = yaml.safe_load(config_file.read_text())
    config["resources"] = [r for r in config["resources"] if r["kind"] == "repository"]
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
