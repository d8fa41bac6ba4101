"""Signed GitHub webhooks posted to the running integration, reflected in a real local Port."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest
from fake_github import FakeGitHub, load_fixture
from github_helpers import INTEGRATION_DIR, by_id, copy_with_selectors, environment, snapshot

from ocean_runtime.testing import resync_async
from ocean_runtime.testing.live import LiveIntegration, live_integration
from ocean_runtime.webhooks import hmac_sha256_hex

SECRET = "whsec-acme-7f3a"
Starter = Callable[..., AbstractAsyncContextManager[LiveIntegration]]


def signed(event: str, payload: dict[str, Any], secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    """The body and headers GitHub sends for ``payload`` (signature over the exact bytes)."""
    body = json.dumps(payload).encode()
    return body, {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
        "x-hub-signature-256": "sha256=" + hmac_sha256_hex(secret, body),
    }


async def deliver(live: LiveIntegration, event: str, payload: dict[str, Any], secret: str = SECRET) -> int:
    """POST one event to ``/integration/webhook``, wait until it is processed; the status."""
    body, headers = signed(event, payload, secret)
    response = await live.post("/webhook", content=body, headers=headers)
    await live.settle()
    return response.status_code


@pytest.fixture
async def synced(harbor: Any, github: FakeGitHub) -> AsyncIterator[Starter]:
    """``async with synced(directory=…, **config) as live``: a resynced catalog, then listening."""

    def start(
        directory: Path = INTEGRATION_DIR, **config: str
    ) -> AbstractAsyncContextManager[LiveIntegration]:
        env = environment(github, **{"webhook_secret": SECRET, **config})
        return _resynced_then_live(harbor, directory, env)

    yield start


def _resynced_then_live(
    harbor: Any, directory: Path, env: dict[str, str]
) -> AbstractAsyncContextManager[LiveIntegration]:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def run() -> AsyncIterator[LiveIntegration]:
        await resync_async(
            directory,
            base_url=harbor.url,
            client_id=harbor.client_id,
            client_secret=harbor.client_secret,
            env=env,
        )
        async with live_integration(directory, harbor, env=env) as live:
            yield live

    return run()


async def test_a_push_re_reads_the_repository(harbor: Any, github: FakeGitHub, synced: Starter) -> None:
    async with synced() as live:
        web = next(repo for repo in github.repos if repo["name"] == "web")
        web["description"] = "The storefront, now with a README."
        web["pushed_at"] = "2025-03-10T09:46:40Z"

        status = await deliver(live, "push", load_fixture("webhooks/push.json"))

    assert status == 202
    properties = by_id(harbor, "githubRepository")["acme/web"]["properties"]
    assert properties["description"] == "The storefront, now with a README."
    assert properties["pushedAt"] == "2025-03-10T09:46:40Z"
    assert "/repos/acme/web" in github.paths()


async def test_a_merged_pull_request_leaves_a_catalog_of_open_ones(
    harbor: Any, github: FakeGitHub, synced: Starter
) -> None:
    payload = load_fixture("webhooks/pull_request_closed.json")
    async with synced() as live:
        assert "acme/checkout/pull/12" in by_id(harbor, "githubPullRequest")
        github.pulls["checkout"][0] = payload["pull_request"]  # GitHub merged it

        status = await deliver(live, "pull_request", payload)

    assert status == 202
    assert set(by_id(harbor, "githubPullRequest")) == {"acme/payments/pull/4", "acme/infra/pull/2"}


async def test_a_merged_pull_request_stays_as_merged_when_all_states_are_synced(
    harbor: Any, github: FakeGitHub, synced: Starter, tmp_path: Path
) -> None:
    payload = load_fixture("webhooks/pull_request_closed.json")
    directory = copy_with_selectors(tmp_path, pull_request={"state": "all"})
    async with synced(directory) as live:
        github.pulls["checkout"][0] = payload["pull_request"]

        status = await deliver(live, "pull_request", payload)

    assert status == 202
    pull = by_id(harbor, "githubPullRequest")["acme/checkout/pull/12"]
    assert pull["properties"]["status"] == "merged"
    assert pull["properties"]["mergedAt"] == "2025-03-10T10:00:00Z"


async def test_an_opened_issue_is_added_and_a_deleted_one_removed(
    harbor: Any, github: FakeGitHub, synced: Starter
) -> None:
    opened = load_fixture("webhooks/issues_opened.json")
    deleted = load_fixture("webhooks/issues_deleted.json")
    async with synced() as live:
        github.issues["payments"].append(opened["issue"])  # it now exists on GitHub
        github.issues["checkout"] = [i for i in github.issues["checkout"] if i["number"] != 14]

        statuses = [await deliver(live, "issues", opened), await deliver(live, "issues", deleted)]

    assert statuses == [202, 202]
    issues = by_id(harbor, "githubIssue")
    assert set(issues) == {"acme/payments/issues/3", "acme/payments/issues/5"}
    assert issues["acme/payments/issues/5"]["relations"] == {"repository": "acme/payments"}
    assert issues["acme/payments/issues/5"]["title"] == "Webhook retries double-charge"


async def test_a_bad_signature_gets_401_and_changes_nothing(
    harbor: Any, github: FakeGitHub, synced: Starter
) -> None:
    async with synced() as live:
        before = snapshot(harbor)
        requests_before = len(github.requests)
        payload = load_fixture("webhooks/issues_deleted.json")
        body, headers = signed("issues", payload, secret="not-the-secret")
        forged = await live.post("/webhook", content=body, headers=headers)
        unsigned = await live.post("/webhook", content=body, headers={"x-github-event": "issues"})
        tampered = await live.post(
            "/webhook", content=body.replace(b'"deleted"', b'"opened"'), headers=signed("issues", payload)[1]
        )
        await live.settle()

    assert (forged.status_code, unsigned.status_code, tampered.status_code) == (401, 401, 401)
    assert snapshot(harbor) == before
    assert len(github.requests) == requests_before  # nothing was even read from GitHub


async def test_without_a_webhook_secret_every_event_is_refused(
    harbor: Any, github: FakeGitHub, synced: Starter
) -> None:
    async with synced(webhook_secret="") as live:
        before = snapshot(harbor)

        status = await deliver(live, "issues", load_fixture("webhooks/issues_deleted.json"), secret="")

    assert status == 401
    assert snapshot(harbor) == before


async def test_other_organisations_and_unhandled_events_get_400_and_ping_202(
    harbor: Any, github: FakeGitHub, synced: Starter
) -> None:
    foreign = load_fixture("webhooks/push.json")
    foreign["repository"]["full_name"] = "evil-corp/web"
    async with synced() as live:
        before = snapshot(harbor)

        statuses = [
            await deliver(live, "push", foreign),
            await deliver(live, "star", load_fixture("webhooks/push.json")),
            await deliver(live, "pull_request", {"action": "opened", "repository": foreign["repository"]}),
            await deliver(live, "ping", {"zen": "Keep it logically awesome.", "hook_id": 1}),
        ]

    assert statuses == [400, 400, 400, 202]
    assert snapshot(harbor) == before


async def test_a_transferred_issue_leaves_the_repository_without_re_reading_it(
    harbor: Any, github: FakeGitHub, synced: Starter
) -> None:
    transferred = load_fixture("webhooks/issues_deleted.json")
    transferred["action"] = "transferred"
    async with synced() as live:
        # GitHub still answers the old URL (with a redirect to the new repository's issue).
        status = await deliver(live, "issues", transferred)

    assert status == 202
    assert set(by_id(harbor, "githubIssue")) == {"acme/payments/issues/3"}
    assert "/repos/acme/checkout/issues/14" not in github.paths()
