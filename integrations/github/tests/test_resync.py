"""The GitHub integration resynced from a fake GitHub into a real local Port (``harbor``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fake_github import FakeGitHub
from github_helpers import by_id, copy_with_selectors, sail_once, snapshot

from ocean_runtime import UserInputError
from ocean_runtime.testing import ResyncFailedError
from ocean_runtime.testing.clock import FakeClock

ACTIVE_REPOS = {"acme/checkout", "acme/payments", "acme/web", "acme/infra"}


def test_a_resync_syncs_the_whole_organisation(harbor: Any, github: FakeGitHub) -> None:
    sail_once(harbor, github)

    catalog = snapshot(harbor)
    assert set(catalog["githubRepository"]) == ACTIVE_REPOS  # acme/legacy-billing is archived
    assert set(catalog["githubTeam"]) == {"platform", "sre", "payments-team"}
    assert set(catalog["githubPullRequest"]) == {
        "acme/checkout/pull/12",
        "acme/payments/pull/4",
        "acme/infra/pull/2",
    }
    # Pull request 12 is also listed among checkout's issues by GitHub; it is not an issue here.
    assert set(catalog["githubIssue"]) == {"acme/checkout/issues/14", "acme/payments/issues/3"}
    assert set(catalog["githubWorkflow"]) == {
        "acme/checkout/workflows/61001",
        "acme/checkout/workflows/61002",
        "acme/payments/workflows/62001",
        "acme/infra/workflows/64001",
    }
    assert set(catalog["githubWorkflowRun"]) == {
        "acme/checkout/runs/9100001",
        "acme/checkout/runs/9100002",
        "acme/checkout/runs/9100003",
        "acme/payments/runs/9200001",
    }


def test_entities_carry_github_fields_and_relations(harbor: Any, github: FakeGitHub) -> None:
    sail_once(harbor, github)

    checkout = by_id(harbor, "githubRepository")["acme/checkout"]
    assert checkout["title"] == "checkout"
    assert checkout["properties"] == {
        "url": "https://github.com/acme/checkout",
        "description": "Checkout service: carts, orders and the payment handoff.",
        "language": "Python",
        "defaultBranch": "main",
        "visibility": "private",
        "archived": False,
        "topics": ["python", "tier-1"],
        "openIssues": 3,
        "stars": 41,
        "pushedAt": "2025-03-03T09:12:44Z",
    }
    pull = by_id(harbor, "githubPullRequest")["acme/checkout/pull/12"]
    assert pull["properties"]["status"] == "open"
    assert pull["properties"]["reviewers"] == ["octocat", "lisa"]
    assert pull["properties"]["headBranch"] == "retry-handoff"
    assert pull["relations"] == {"repository": "acme/checkout"}
    assert by_id(harbor, "githubIssue")["acme/payments/issues/3"]["properties"]["labels"] == ["bug", "p1"]
    assert by_id(harbor, "githubTeam")["sre"]["relations"] == {"parent": "platform"}
    run = by_id(harbor, "githubWorkflowRun")["acme/checkout/runs/9100003"]
    assert run["relations"] == {"workflow": "acme/checkout/workflows/61002"}
    assert run["properties"]["conclusion"] == "success"
    workflow = by_id(harbor, "githubWorkflow")["acme/checkout/workflows/61002"]
    assert workflow["relations"] == {"repository": "acme/checkout"}


def test_selectors_choose_states_archived_repositories_and_run_limits(
    harbor: Any, github: FakeGitHub, tmp_path: Path
) -> None:
    directory = copy_with_selectors(
        tmp_path,
        repository={"includeArchived": True},
        pull_request={"state": "all", "includeArchived": True},
        issue={"state": "closed"},
        workflow_run={"maxRunsPerRepository": 2},
    )

    sail_once(harbor, github, directory)

    assert "acme/legacy-billing" in by_id(harbor, "githubRepository")
    pulls = by_id(harbor, "githubPullRequest")
    assert {i: p["properties"]["status"] for i, p in pulls.items() if i.startswith("acme/checkout")} == {
        "acme/checkout/pull/12": "open",
        "acme/checkout/pull/11": "merged",
        "acme/checkout/pull/9": "closed",
    }
    assert "acme/legacy-billing/pull/1" in pulls
    assert set(by_id(harbor, "githubIssue")) == {"acme/checkout/issues/10"}
    runs = {i for i in by_id(harbor, "githubWorkflowRun") if i.startswith("acme/checkout")}
    assert runs == {"acme/checkout/runs/9100003", "acme/checkout/runs/9100002"}  # the newest two
    assert "/repos/acme/checkout/actions/runs?per_page=2&page=2" not in github.paths()


def test_a_repository_gone_from_github_is_deleted_with_its_items(harbor: Any, github: FakeGitHub) -> None:
    sail_once(harbor, github)
    github.repos = [repo for repo in github.repos if repo["name"] != "infra"]

    # check=False: deleting acme/infra cascades to its pull request and workflow
    # (deleteDependentEntities), and reconcile then counts those two as "not deleted" — a
    # runtime issue reported to the lead. What matters here is what the catalog holds.
    sail_once(harbor, github, check=False)

    assert set(by_id(harbor, "githubRepository")) == ACTIVE_REPOS - {"acme/infra"}
    assert "acme/infra/pull/2" not in by_id(harbor, "githubPullRequest")
    assert "acme/infra/workflows/64001" not in by_id(harbor, "githubWorkflow")


def test_a_failing_github_endpoint_fails_the_resync_and_deletes_nothing(
    harbor: Any, github: FakeGitHub
) -> None:
    sail_once(harbor, github)
    before = snapshot(harbor)
    github.pulls["checkout"] = []  # would delete a pull request, were the resync trusted
    github.fail("/repos/acme/payments/pulls", 502)

    with pytest.raises(ResyncFailedError, match="502"):
        sail_once(harbor, github)

    assert snapshot(harbor) == before
    # A 502 is transient: the toolkit retried it before giving up.
    assert github.refused().count((502, "/repos/acme/payments/pulls")) > 1


def test_a_server_error_is_retried_after_a_short_backoff_not_the_budget_reset(
    harbor: Any, github: FakeGitHub, clock: FakeClock
) -> None:
    github.fail("/repos/acme/payments/pulls", 502)

    sail_once(harbor, github, check=False)

    assert clock.sleeps
    assert max(clock.sleeps) < 30, clock.sleeps


def test_a_bad_token_fails_with_githubs_message_and_deletes_nothing(harbor: Any, github: FakeGitHub) -> None:
    sail_once(harbor, github)
    before = snapshot(harbor)
    with pytest.raises(ResyncFailedError, match="401: Bad credentials"):
        sail_once(harbor, github, github_token="revoked-token")

    assert snapshot(harbor) == before


def test_an_organisation_that_is_not_a_login_is_refused_before_syncing(
    harbor: Any, github: FakeGitHub
) -> None:
    with pytest.raises(UserInputError, match="OCEAN__INTEGRATION__CONFIG__GITHUB_ORGANIZATION"):
        sail_once(harbor, github, github_organization="https://github.com/acme")
    assert github.requests == []
