"""Webhooks over HTTP: the answer depends on authentication and validation; accepted events
reach the harbor through the live mapping."""

from __future__ import annotations

import json
from typing import Any

from ocean_runtime.webhooks import hmac_sha256_hex

REPO = {"name": "ocean", "language": "python", "stars": 7}


async def test_a_signed_event_is_accepted_and_written_through_the_mapping(start_live: Any) -> None:
    live = await start_live()

    answer = await live.post_github({"repo": REPO})

    assert answer.status_code == 202
    assert answer.json()["status"] == "accepted" and answer.json()["id"]
    await live.idle()
    entity = live.repos()["ocean"]
    assert entity["properties"] == {"language": "python", "stars": 7}
    assert live.module.SEEN == [("GithubRepos", "repo", "http_request")]  # event.resource_config is set
    assert await live.metric("ocean_webhook_events_total", path="/repos", outcome="accepted") == 1
    assert await live.metric("ocean_webhook_events_total", path="/repos", outcome="processed") == 1
    assert await live.metric("ocean_entities_total", source="webhook", kind="repo", outcome="upserted") == 1


async def test_a_bad_signature_gets_401_and_changes_nothing(start_live: Any) -> None:
    live = await start_live()

    answer = await live.post_github({"repo": REPO}, secret="not-the-secret")
    unsigned = await live.client.post("/integration/repos", json={"repo": REPO})

    assert (answer.status_code, unsigned.status_code) == (401, 401)
    assert answer.json()["status"] == "error"
    await live.idle()
    assert live.repos() == {}
    assert live.module.SEEN == []
    assert await live.metric("ocean_webhook_events_total", path="/repos", outcome="unauthorized") == 2


async def test_bad_bodies_get_400_and_unknown_paths_404(start_live: Any) -> None:
    live = await start_live()
    garbage = b"{not json"
    array = b"[1, 2]"
    no_repo = json.dumps({"something": "else"}).encode()

    answers = [
        await live.client.post("/integration/repos", content=body, headers=_signed(body))
        for body in (garbage, array, no_repo)
    ]
    unknown = await live.client.post("/integration/nowhere", json={"repo": REPO})

    assert [a.status_code for a in answers] == [400, 400, 400]
    assert "not valid JSON" in answers[0].json()["message"]
    assert unknown.status_code == 404 and "/nowhere" in unknown.json()["message"]
    assert (await live.client.get("/integration/repos")).status_code == 405


async def test_a_gitlab_token_is_accepted_by_the_gitlab_processor_only(start_live: Any) -> None:
    live = await start_live()
    headers = {"x-gitlab-token": "gl-t0ken", "x-gitlab-event": "Push Hook"}

    wrong = await live.client.post(
        "/integration/repos", json={"repo": REPO}, headers={**headers, "x-gitlab-token": "x"}
    )
    answer = await live.client.post("/integration/repos", json={"repo": REPO}, headers=headers)

    assert (wrong.status_code, answer.status_code) == (401, 202)
    await live.idle()
    assert "ocean" in live.repos()
    assert live.module.SEEN == [("GitlabRepos", "repo", "http_request")]


async def test_selector_false_and_deleted_items_delete_only_owned_entities(start_live: Any) -> None:
    live = await start_live()
    for name in ("kept", "archived", "gone"):
        assert (await live.post_github({"repo": {**REPO, "name": name}})).status_code == 202
    with live.harbor.client() as client:  # someone else's entity: never ours to delete
        client.post(
            "/v1/blueprints/repo/entities", json={"identifier": "theirs", "title": "theirs"}
        ).raise_for_status()
    await live.idle()

    await live.post_github({"repo": {**REPO, "name": "archived", "archived": True}})
    await live.post_github({"deleted": {**REPO, "name": "gone"}})
    await live.post_github({"deleted": {**REPO, "name": "theirs"}})
    await live.idle()

    assert set(live.repos()) == {"kept", "theirs"}
    assert await live.metric("ocean_entities_total", source="webhook", kind="repo", outcome="deleted") == 2


async def test_transient_failures_are_retried_per_the_processor_policy(start_live: Any) -> None:
    live = await start_live()

    await live.post_github({"repo": REPO, "transient_failures": 2})
    await live.idle()

    assert "ocean" in live.repos()
    assert list(live.module.ATTEMPTS.values()) == [3]
    assert await live.metric("ocean_webhook_retries_total", path="/repos") == 2
    assert await live.metric("ocean_webhook_events_total", path="/repos", outcome="processed") == 1


async def test_a_failing_processor_is_recorded_not_dropped(start_live: Any) -> None:
    live = await start_live()

    answer = await live.post_github({"repo": REPO, "explode": True})
    too_many = await live.post_github({"repo": {**REPO, "name": "flaky"}, "transient_failures": 9})
    await live.idle()
    await live.service.failures.flush()

    assert live.repos() == {}
    summary = (await live.client.get("/health/live-events")).json()
    assert summary["failed"] == 2 and summary["depth"] == 0
    failures = {failure["event_id"]: failure for failure in summary["recent"]}
    assert "the handler has a bug" in failures[answer.json()["id"]]["message"]
    assert "main.py" in failures[answer.json()["id"]]["message"]  # points at the user's line
    assert "busy" in failures[too_many.json()["id"]]["message"]
    assert list(live.module.ATTEMPTS.values()) == [1, 4]  # not retried / 1 + max_retries
    assert await live.metric("ocean_webhook_events_total", path="/repos", outcome="failed") == 2
    problems = _problems(live.harbor)
    assert {p["category"] for p in problems} == {"webhook"}
    assert any(answer.json()["id"] in p["message"] and p["kind"] == "repo" for p in problems)


async def test_a_processor_that_cannot_classify_the_event_is_a_failure(start_live: Any) -> None:
    live = await start_live()

    answer = await live.post_github({"repo": REPO}, path="/broken")
    await live.idle()

    assert answer.status_code == 202
    summary = (await live.client.get("/health/live-events")).json()
    message = summary["recent"][0]["message"]
    assert "Unclassifiable could not classify it: main.py:" in message and "KeyError: 'action'" in message
    assert await live.metric("ocean_webhook_events_total", path="/broken", outcome="failed") == 1


async def test_a_processor_past_the_timeout_is_cancelled_and_recorded(start_live: Any) -> None:
    live = await start_live(env={"OCEAN__MAX_EVENT_PROCESSING_SECONDS": "0.05"})

    await live.post_github({"repo": REPO, "sleep": 30})
    await live.idle()

    summary = (await live.client.get("/health/live-events")).json()
    assert "timed out after 0.05 s" in summary["recent"][0]["message"]
    assert live.repos() == {}


def _signed(body: bytes) -> dict[str, str]:
    return {
        "x-github-event": "repository",
        "x-hub-signature-256": "sha256=" + hmac_sha256_hex("s3cret-github", body),
    }


def _problems(harbor: Any) -> list[dict[str, Any]]:
    import sqlite3

    with sqlite3.connect(harbor.db_path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute("SELECT category, kind, message FROM problems")]


async def test_a_full_queue_and_a_shutdown_answer_503_with_retry_after(start_live: Any) -> None:
    from ocean_runtime.webhooks import LocalLiveEventsBackend

    live = await start_live(backend=LocalLiveEventsBackend(max_pending=1))
    first = await live.post_github({"repo": {**REPO, "name": "slow"}, "sleep": 0.3})
    full = await live.post_github({"repo": REPO})

    await live.service.stop()  # drains the accepted event before returning
    closing = await live.post_github({"repo": REPO})

    assert (first.status_code, full.status_code, closing.status_code) == (202, 503, 503)
    assert int(full.headers["retry-after"]) >= 1 and int(closing.headers["retry-after"]) >= 1
    assert set(live.repos()) == {"slow"}
    assert (await live.client.get("/health/ready")).status_code == 503
    assert await live.metric("ocean_webhook_events_total", path="/repos", outcome="unavailable") == 2


async def test_two_services_in_one_process_keep_their_own_metrics(start_live: Any) -> None:
    one, two = await start_live(), await start_live()

    await one.post_github({"repo": REPO})
    await one.idle()

    assert await one.metric("ocean_webhook_events_total", path="/repos", outcome="accepted") == 1
    assert await two.metric("ocean_webhook_events_total", path="/repos", outcome="accepted") == 0
    assert (await two.client.get("/health/ready")).json()["status"] == "healthy"
