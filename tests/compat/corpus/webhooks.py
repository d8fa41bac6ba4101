"""Signed webhooks for published integrations: what to post and what must reach the catalog.

Each case extends a resync ``Case`` (same fake API, plus the routes the processor fetches fresh
data from) with a payload, how the 3rd party signs it, and the entity it must produce.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ocean_runtime.testing.fake_api import FakeAPI
from tests.compat.corpus.cases import (
    CASES,
    Case,
    launchdarkly_routes,
    sentry_routes,
    servicenow_routes,
    snyk_routes,
    terraform_routes,
)

SECRET = "whsec-corpus"


@dataclass(frozen=True)
class WebhookCase:
    """A signed webhook through the integration's own processor.

    Attributes:
        case: the integration's resync case, with the webhook secret in its configuration.
        payload: the JSON body the 3rd party posts.
        sign: the headers the 3rd party sends for a body (signature included).
        expected: (blueprint, identifier) the event must write.
        path: the processor's path (``POST /integration{path}``).
    """

    case: Case
    payload: dict[str, Any]
    sign: Callable[[bytes], dict[str, str]]
    expected: tuple[str, str]
    path: str = "/webhook"


def _case(name: str, **changes: Any) -> Case:
    base = next(case for case in CASES if case.name == name)
    return replace(base, config={**base.config, **changes.pop("config", {})}, **changes)


def _hex(digest: Any, body: bytes) -> str:
    return hmac.new(SECRET.encode(), body, digest).hexdigest()


def launchdarkly_webhook_routes(api: FakeAPI, url: str) -> None:
    launchdarkly_routes(api, url)
    api.get("/api/v2/projects/mobile", json={"key": "mobile", "name": "Mobile", "tags": ["ios"]})


def servicenow_webhook_routes(api: FakeAPI, url: str) -> None:
    servicenow_routes(api, url)
    api.get(
        "/api/now/table/sys_user_group/g3",
        json={"result": {"sys_id": "g3", "name": "On-call", "active": True}},
    )


def terraform_webhook_routes(api: FakeAPI, url: str) -> None:
    terraform_routes(api, url)
    api.get(
        "/api/v2/workspaces/ws-9",
        json={
            "data": {
                "id": "ws-9",
                "attributes": {"name": "payments", "created-at": "2026-01-01T00:00:00Z"},
                "relationships": {
                    "organization": {"data": {"id": "acme"}},
                    "project": {"data": {"id": "prj-1"}},
                },
            }
        },
    )
    api.get("/api/v2/workspaces/ws-9/relationships/tags", json={"data": []})
    for org in ("acme", "beta"):
        api.get(f"/api/v2/organizations/{org}/workspaces", json={"data": [], "links": {}})


def sentry_webhook_routes(api: FakeAPI, url: str) -> None:
    sentry_routes(api, url)
    api.get("/api/0/organizations/acme/issues/202/tags/environment/values/", json=[{"name": "prod"}])


def snyk_webhook_routes(api: FakeAPI, url: str) -> None:
    snyk_routes(api, url)
    api.get(
        "/rest/orgs/org-1/projects/prj-7?expand=target",
        json={
            "data": {
                "id": "prj-7",
                "attributes": {"name": "acme/web:package.json", "origin": "github", "tags": []},
                "meta": {"latest_issue_counts": {"critical": 0, "high": 1, "medium": 2, "low": 3}},
                "relationships": {"target": {"data": {"id": "tgt-1"}}},
            }
        },
    )


SENTRY_EVENT = {
    "action": "created",
    "data": {
        "issue": {
            "id": "202",
            "title": "KeyError",
            "permalink": "https://acme.sentry.io/issues/202",
            "status": "unresolved",
            "isUnhandled": False,
            "project": {"slug": "web"},
        }
    },
}


WEBHOOK_CASES = [
    WebhookCase(
        case=_case("launchdarkly", config={"webhook_secret": SECRET}, routes=launchdarkly_webhook_routes),
        payload={
            "kind": "project",
            "titleVerb": "created the project",
            "_links": {"canonical": {"href": "/api/v2/projects/mobile"}},
            "accesses": [{"action": "createProject"}],
        },
        sign=lambda body: {"x-ld-signature": _hex(hashlib.sha256, body)},
        expected=("launchDarklyProject", "mobile"),
    ),
    WebhookCase(
        case=_case("servicenow", config={"webhook_secret": SECRET}, routes=servicenow_webhook_routes),
        payload={"sys_id": "g3", "__table_name": "sys_user_group"},
        sign=lambda body: {"authorization": SECRET, "x-snc-integration-source": "port"},
        expected=("servicenowGroup", "g3"),
    ),
    WebhookCase(
        case=_case(
            "terraform-cloud",
            config={"webhook_secret": SECRET},
            routes=terraform_webhook_routes,
            kinds=("organization", "project", "workspace"),
            expected={},
        ),
        payload={
            "payload_version": 1,
            "workspace_id": "ws-9",
            "workspace_name": "payments",
            "run_id": "run-1",
            "notifications": [{"trigger": "run:completed", "run_status": "applied"}],
        },
        sign=lambda body: {"x-tfe-notification-signature": _hex(hashlib.sha512, body)},
        expected=("terraformCloudWorkspace", "ws-9"),
    ),
    WebhookCase(
        case=_case(
            "sentry",
            config={"sentry_webhook_secret": SECRET},
            routes=sentry_webhook_routes,
            kinds=("issue-tag",),
            expected={},
        ),
        payload=SENTRY_EVENT,
        sign=lambda body: {
            "sentry-hook-signature": _hex(hashlib.sha256, body),
            "sentry-hook-resource": "issue",
        },
        expected=("sentryIssue", "202"),
    ),
    WebhookCase(
        case=_case(
            "snyk",
            config={"webhook_secret": SECRET},
            routes=snyk_webhook_routes,
            kinds=("organization", "project"),
            expected={},
        ),
        payload={"project": {"id": "prj-7"}, "org": {"id": "org-1"}, "newIssues": [], "removedIssues": []},
        sign=lambda body: {"x-hub-signature": "sha256=" + _hex(hashlib.sha256, body)},
        expected=("snykProject", "prj-7"),
    ),
]


def compact(payload: dict[str, Any]) -> bytes:
    """The body as Sentry sends (and signs) it: compact JSON."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
