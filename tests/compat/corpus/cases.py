"""Fakes of the published integrations' 3rd-party APIs, one ``Case`` per integration.

Each case is what a test needs to run the integration unmodified with ``ocean sail DIR --once``:
its configuration (``{api}`` stands for the fake's URL), the routes of its fake API (with the
pagination the real API uses), the auth header it must send, and the entities expected in the
catalog. Data is made up; shapes follow each vendor's public API documentation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ocean_runtime.testing.fake_api import FakeAPI


@dataclass(frozen=True)
class Case:
    """One integration's fake and what it must produce.

    Attributes:
        name: the corpus folder.
        config: ``OCEAN__INTEGRATION__CONFIG__*`` values by spec name; ``{api}`` is the fake's URL.
        routes: adds the fake API's routes (given the fake's URL, for absolute next-page links).
        auth: a header every request must carry (name, value).
        expected: identifiers expected per blueprint.
        hosts: hard-coded origins the integration calls, routed to the fake (``OCEAN_COMPAT_HTTP_ROUTES``).
        covers: what the case exercises (pagination, custom selector, itemsToParse…), for the report.
        mapping: a port-app-config to use instead of the folder's default (YAML text).
    """

    name: str
    config: dict[str, str]
    routes: Callable[[FakeAPI, str], None]
    auth: tuple[str, str]
    expected: dict[str, set[str]]
    hosts: tuple[str, ...] = ()
    covers: tuple[str, ...] = ()
    mapping: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)


def sentry_routes(api: FakeAPI, url: str) -> None:
    org = "/api/0/organizations/acme"
    next_page = f'<{url}{org}/members/?cursor=1:1:0>; rel="next"; results="true"; cursor="1:1:0"'
    api.get(
        f"{org}/members/",
        json=[
            {
                "email": "ada@acme.io",
                "orgRole": "owner",
                "inviteStatus": "approved",
                "user": {"name": "Ada", "username": "ada", "isActive": True},
            },
        ],
        headers={"Link": next_page},
    )
    api.get(
        f"{org}/members/?cursor=1:1:0",
        json=[
            {
                "email": "linus@acme.io",
                "orgRole": "member",
                "inviteStatus": "approved",
                "user": {"name": "Linus", "username": "linus", "isActive": True},
            },
        ],
    )
    api.get(
        f"{org}/teams/",
        json=[{"slug": "core", "name": "Core", "memberCount": 2, "projects": [{"slug": "web"}]}],
    )
    api.get("/api/0/teams/acme/core/members/", json=[{"user": {"email": "ada@acme.io"}}])
    api.get(
        "/api/0/projects/",
        json=[
            {
                "slug": "web",
                "name": "web",
                "platform": "python",
                "status": "active",
                "dateCreated": "2024-01-01T00:00:00Z",
                "organization": {"links": {"organizationUrl": "https://acme.sentry.io"}},
            }
        ],
    )
    api.get("/api/0/projects/acme/web/tags/environment/values/", json=[{"name": "prod"}, {"name": "staging"}])
    api.get(
        "/api/0/projects/acme/web/issues/",
        json=[
            {
                "id": "101",
                "title": "ZeroDivisionError",
                "permalink": "https://acme.sentry.io/issues/101",
                "status": "unresolved",
                "isUnhandled": True,
                "project": {"slug": "web"},
            },
        ],
    )
    api.get(f"{org}/issues/101/tags/environment/values/", json=[{"name": "prod"}])


CASES: list[Case] = [
    Case(
        name="sentry",
        config={"sentry_host": "{api}", "sentry_token": "sntrys_fake", "sentry_organization": "acme"},
        routes=sentry_routes,
        auth=("authorization", "Bearer sntrys_fake"),
        expected={
            "sentryUser": {"ada@acme.io", "linus@acme.io"},
            "sentryTeam": {"core"},
            "sentryProject": {"web-prod", "web-staging"},
            "sentryIssue": {"101"},
        },
        covers=("pagination (Link cursor)", "custom selector (includeMembers, tag)", "bearer auth"),
    ),
]
