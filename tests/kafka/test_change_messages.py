"""Which messages on Port's topics make this integration resync (the reference's rules)."""

from __future__ import annotations

from typing import Any

import pytest

from ocean_runtime.kafka.change_messages import decode, resync_reason

ME = "my-jira"
CHANGE_LOG = "org_1.change.log"
REQUESTS = "org_1.integration.resync.requests"


def config_change(identifier: str = ME, **after: Any) -> dict[str, Any]:
    body = {"identifier": identifier, "updatedAt": "2024-05-02T10:00:00Z",
            "resyncState": {"updatedAt": "2024-05-01T09:00:00Z"}}  # fmt: skip
    body.update(after)
    return {"diff": {"before": {}, "after": body}, "changelogDestination": {"type": "KAFKA"}}


CASES = [
    ("config change of this integration", CHANGE_LOG, config_change(), True),
    ("config change of another integration", CHANGE_LOG, config_change("other"), False),
    ("only the resync state moved", CHANGE_LOG,
     config_change(resyncState={"updatedAt": "2024-05-02T10:00:00Z"}), False),
    ("changelog destination is not KAFKA", CHANGE_LOG,
     {**config_change(), "changelogDestination": {"type": "WEBHOOK"}}, False),
    ("no changelog destination", CHANGE_LOG, {"diff": config_change()["diff"]}, False),
    ("deletion (after is null)", CHANGE_LOG, {"diff": {"before": {"identifier": ME}, "after": None}}, False),
    ("diff is null (the reference crashes)", CHANGE_LOG, {"diff": None}, False),
    ("resync action on the change log", CHANGE_LOG,
     {"action": "RESYNC", "context": {"integrationId": ME}}, True),
    ("resync action for another integration", CHANGE_LOG,
     {"action": "RESYNC", "context": {"integrationId": "other"}}, False),
    ("another action for this integration", CHANGE_LOG,
     {"action": "UPDATE", "context": {"integrationId": ME}}, False),
    ("resync request topic: this integration", REQUESTS, {"context": {"integrationId": ME}}, True),
    ("resync request topic: another integration", REQUESTS, {"context": {"integrationId": "x"}}, False),
    ("resync request topic ignores config diffs", REQUESTS, config_change(), False),
    ("an entity change in the org", CHANGE_LOG,
     {"diff": {"after": {"identifier": "svc-1", "blueprint": "service"}}, "action": "UPDATE"}, False),
    ("config change on another topic", "some.topic", config_change(), False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("topic", "message", "expected"), [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_resync_reason_follows_the_reference_rules(
    topic: str, message: dict[str, Any], expected: bool
) -> None:
    assert (resync_reason(message, topic, ME) is not None) is expected


@pytest.mark.parametrize("raw", [None, b"", b"not json", b"[1, 2]", b'"text"', b"\xff\xfe"])
def test_undecodable_bodies_are_ignored(raw: bytes | None) -> None:
    assert decode(raw) is None


def test_a_json_object_is_decoded() -> None:
    assert decode(b'{"action": "RESYNC"}') == {"action": "RESYNC"}
