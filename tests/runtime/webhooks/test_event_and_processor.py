"""``WebhookEvent`` serialisation, the processor's retry policy and the signature helpers."""

from __future__ import annotations

from typing import Any

import pytest

from ocean_runtime import RetryableError, WebhookEvent, WebhookEventRawResults, WebhookProcessor
from ocean_runtime.webhooks import (
    constant_time_equals,
    hmac_sha256_hex,
    verify_github_signature,
    verify_gitlab_token,
    verify_hmac_sha256,
)


class Minimal(WebhookProcessor):
    async def authenticate(self, payload: dict[str, Any], headers: dict[str, str]) -> bool:
        return True

    async def should_process_event(self, event: WebhookEvent) -> bool:
        return True

    async def get_matching_kinds(self, event: WebhookEvent) -> list[str]:
        return ["thing"]

    async def handle_event(self, payload: dict[str, Any], resource: Any) -> WebhookEventRawResults:
        return WebhookEventRawResults()


def test_an_event_survives_json_without_its_raw_body() -> None:
    event = WebhookEvent.new("/hook", {"a": [1, {"b": None}]}, {"X-Thing": "1"}, body=b'{"a": ...}')
    event.accepted_by = ("Minimal",)
    event.group_key = "/hook#42"

    back = WebhookEvent.from_json(event.to_json())

    assert back == event  # body is not compared
    assert back.headers == {"x-thing": "1"} and back.body == b""


@pytest.mark.parametrize(
    "payload",
    [
        {"big": 10**30, "negative": -(2**64)},  # beyond 64 bits: the fast encoder refuses them
        {"values": [float("nan"), float("inf"), None, 1.5]},  # json reads NaN from a body
        {"text": "caf\u00e9 \U0001f30a", "lone": "\ud800", "nested": {"deep": [[[{"x": "y"}]]]}},
    ],
)
def test_an_event_payload_comes_back_exactly_as_parsed(payload: dict[str, Any]) -> None:
    event = WebhookEvent.new("/hook", payload, {})

    back = WebhookEvent.from_json(event.to_json())

    assert repr(back.payload) == repr(payload)  # repr: NaN != NaN, but it must still be NaN


def test_event_ids_are_unique_and_uuid_shaped() -> None:
    ids = {WebhookEvent.new("/hook", {}, {}).id for _ in range(10_000)}

    assert len(ids) == 10_000
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_a_broken_serialised_event_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not a serialised webhook event"):
        WebhookEvent.from_json(b'{"id": "x"}')


def test_retry_delays_grow_exponentially_up_to_the_cap() -> None:
    processor = Minimal(WebhookEvent.new("/hook", {}, {}))
    delays = []
    for retry in range(1, 7):
        processor.retry_count = retry
        delays.append(processor.calculate_retry_delay())

    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0]
    assert processor.should_retry(RetryableError("busy"))
    assert not processor.should_retry(ValueError("bad"))


def test_github_signatures() -> None:
    body = b'{"action":"opened"}'
    good = {"X-Hub-Signature-256": "sha256=" + hmac_sha256_hex("s", body)}

    assert verify_github_signature(body, good, "s")
    assert not verify_github_signature(body + b" ", good, "s")
    assert not verify_github_signature(body, good, "other")
    assert not verify_github_signature(body, good, "")  # no secret configured: never authentic
    assert not verify_github_signature(body, {}, "s")
    assert not verify_github_signature(body, {"x-hub-signature-256": hmac_sha256_hex("s", body)}, "s")


def test_generic_hmac_and_tokens() -> None:
    body = b"payload"
    digest = hmac_sha256_hex(b"k", body)

    assert verify_hmac_sha256(body, {"x-sig": f"sha256={digest.upper()}"}, "k", header="X-Sig")
    assert verify_hmac_sha256(body, {"x-sig": digest}, "k", header="x-sig", prefix="")
    assert verify_gitlab_token({"X-Gitlab-Token": "t0k"}, "t0k")
    assert not verify_gitlab_token({"X-Gitlab-Token": "t0k"}, "t0k2")
    assert not verify_gitlab_token({"X-Gitlab-Token": ""}, "")
    assert constant_time_equals("abc", b"abc") and not constant_time_equals("abc", "abd")
