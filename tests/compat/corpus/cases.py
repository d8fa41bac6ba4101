"""Fakes of the published integrations' 3rd-party APIs, one ``Case`` per integration.

Each case is what a test needs to run the integration unmodified with ``ocean sail DIR --once``:
its configuration (``{api}`` stands for the fake's URL), the routes of its fake API (with the
pagination the real API uses), the auth header it must send, and the entities expected in the
catalog. Data is made up; shapes follow each vendor's public API documentation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from ocean_runtime.testing.fake_api import FakeAPI


@dataclass(frozen=True)
class Case:
    """One integration's fake and what it must produce.

    Attributes:
        name: the corpus folder.
        config: ``OCEAN__INTEGRATION__CONFIG__*`` values by spec name; ``{api}`` is the fake's URL.
        routes: adds the fake API's routes (given the fake's URL, for absolute next-page links).
        auth: a header every request must carry (name, value); None for APIs without auth.
        expected: identifiers expected per blueprint.
        hosts: hard-coded origins the integration calls, routed to the fake (``OCEAN_COMPAT_HTTP_ROUTES``).
        covers: what the case exercises (pagination, custom selector, itemsToParse…), for the report.
        kinds: sync only the resources of these kinds of the folder's own default mapping (None: all).
    """

    name: str
    config: dict[str, str]
    routes: Callable[[FakeAPI, str], None]
    auth: tuple[str, str] | None
    expected: dict[str, set[str]]
    hosts: tuple[str, ...] = ()
    covers: tuple[str, ...] = ()
    kinds: tuple[str, ...] | None = None
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


def opencost_routes(api: FakeAPI, url: str) -> None:
    window = {"start": "2026-12-01T00:00:00Z", "end": "2026-12-02T00:00:00Z"}
    api.get(
        "/allocation/compute?window=today",
        json={
            "code": 200,
            "data": [
                {
                    "checkout/api": {
                        "name": "checkout/api",
                        "properties": {"cluster": "prod", "namespace": "checkout"},
                        "start": window["start"],
                        "end": window["end"],
                        "cpuCost": 1.5,
                        "totalCost": 2.5,
                    }
                },
                {
                    "search/indexer": {
                        "name": "search/indexer",
                        "properties": {"cluster": "prod", "namespace": "search"},
                        "start": window["start"],
                        "end": window["end"],
                        "cpuCost": 0.5,
                        "totalCost": 0.7,
                    }
                },
            ],
        },
    )
    api.get(
        "/cloudCost?window=today",
        json={
            "code": 200,
            "data": {
                "sets": [
                    {
                        "cloudCosts": {
                            "AWS": {
                                "properties": {"provider": "AWS"},
                                "window": window,
                                "listCost": {"cost": 10.0},
                                "netCost": {"cost": 9.0},
                            },
                            "GCP": {
                                "properties": {"provider": "GCP"},
                                "window": window,
                                "listCost": {"cost": 4.0},
                                "netCost": {"cost": 4.0},
                            },
                        }
                    },
                ]
            },
        },
    )


def opsgenie_routes(api: FakeAPI, url: str) -> None:
    api.get(
        "/v2/users?limit=100",
        json={
            "data": [{"id": "u1", "fullName": "Ada", "username": "ada@acme.io", "role": {"name": "Admin"}}],
            "paging": {"next": f"{url}/v2/users?limit=100&offset=100"},
        },
    )
    api.get(
        "/v2/users?offset=100",
        json={
            "data": [
                {"id": "u2", "fullName": "Linus", "username": "linus@acme.io", "role": {"name": "User"}}
            ],
            "paging": {},
        },
    )
    api.get("/v2/teams?limit=100", json={"data": [{"id": "t1", "name": "SRE", "description": "on call"}]})
    api.get(
        "/v2/teams/t1",
        json={"data": {"id": "t1", "members": [{"user": {"id": "u1"}}, {"user": {"id": "u2"}}]}},
    )
    api.get(
        "/v2/schedules?limit=100&expand=rotation",
        json={
            "data": [
                {
                    "id": "s1",
                    "name": "Primary",
                    "timezone": "UTC",
                    "rotations": [
                        {
                            "id": "r1",
                            "name": "Weekdays",
                            "type": "weekly",
                            "participants": [{"username": "ada@acme.io"}],
                        },
                        {
                            "id": "r2",
                            "name": "Weekends",
                            "type": "daily",
                            "participants": [{"username": "linus@acme.io"}],
                        },
                    ],
                },
            ]
        },
    )


def statuspage_routes(api: FakeAPI, url: str) -> None:
    api.get("/v1/pages", json=[])  # past the last page
    api.get("/v1/pages?page=1", json=[{"id": "p1", "name": "Acme status", "url": "https://status.acme.io"}])
    api.get("/v1/pages/p1/component-groups", json=[])
    api.get("/v1/pages/p1/component-groups?page=1", json=[{"id": "g1", "name": "API", "components": ["c1"]}])
    api.get("/v1/pages/p1/components", json=[])
    api.get(
        "/v1/pages/p1/components?page=1&per_page=50",
        json=[
            {
                "id": "c1",
                "name": "REST API",
                "status": "operational",
                "group": False,
                "group_id": "g1",
                "page_id": "p1",
            },
            {
                "id": "c2",
                "name": "Webhooks",
                "status": "degraded_performance",
                "group": False,
                "page_id": "p1",
            },
        ],
    )
    api.get(
        "/v1/pages/p1/components?page=2&per_page=50",
        json=[
            {
                "id": "g1",
                "name": "API",
                "group": True,
                "page_id": "p1",
            },  # groups are components too: filtered
        ],
    )


def octopus_routes(api: FakeAPI, url: str) -> None:
    api.get(
        "/api/spaces?skip=0", json={"Items": [{"Id": "Spaces-1", "Name": "Default"}], "LastPageNumber": 0}
    )
    api.get(
        "/api/Spaces-1/projects?skip=0",
        json={
            "Items": [{"Id": "Projects-1", "Name": "checkout", "SpaceId": "Spaces-1", "IsDisabled": False}],
            "LastPageNumber": 1,
        },
    )
    api.get(
        "/api/Spaces-1/projects?skip=50",
        json={
            "Items": [{"Id": "Projects-2", "Name": "search", "SpaceId": "Spaces-1", "IsDisabled": True}],
            "LastPageNumber": 1,
        },
    )


def firehydrant_routes(api: FakeAPI, url: str) -> None:
    api.get(
        "/v1/environments?page=1&per_page=50",
        json={
            "data": [{"id": "env-prod", "name": "production", "description": "prod"}],
            "pagination": {"pages": 2},
        },
    )
    api.get(
        "/v1/environments?page=2&per_page=50",
        json={
            "data": [{"id": "env-stg", "name": "staging", "description": "stg"}],
            "pagination": {"pages": 2},
        },
    )
    api.get(
        "/v1/incidents?page=1&per_page=50",
        json={
            "data": [
                {
                    "id": "inc-1",
                    "name": "Checkout down",
                    "incident_url": "https://app.firehydrant.io/inc-1",
                    "current_milestone": "resolved",
                    "environments": [{"id": "env-prod"}],
                    "services": [],
                },
            ],
            "pagination": {"pages": 1},
        },
    )


def terraform_routes(api: FakeAPI, url: str) -> None:
    api.get(
        "/api/v2/organizations?page[size]=100",
        json={
            "data": [{"id": "acme", "attributes": {"name": "acme", "email": "ops@acme.io"}}],
            "links": {"next": f"{url}/api/v2/organizations?page%5Bnumber%5D=2&page%5Bsize%5D=100"},
        },
    )
    api.get(
        "/api/v2/organizations?page[number]=2",
        json={
            "data": [{"id": "beta", "attributes": {"name": "beta", "email": "ops@beta.io"}}],
            "links": {"next": None},
        },
    )
    for org, project in (("acme", "prj-1"), ("beta", "prj-2")):
        api.get(
            f"/api/v2/organizations/{org}/projects",
            json={
                "data": [
                    {
                        "id": project,
                        "attributes": {"name": f"{org} infra", "permissions": {}},
                        "relationships": {"organization": {"data": {"id": org}}},
                    },
                ],
                "links": {},
            },
        )


def pagerduty_routes(api: FakeAPI, url: str) -> None:
    api.get(
        "/users?offset=0&limit=100",
        json={
            "users": [
                {
                    "id": "PU1",
                    "name": "Ada",
                    "email": "ada@acme.io",
                    "role": "admin",
                    "html_url": "https://acme.pd/PU1",
                },
            ],
            "more": True,
            "limit": 1,
        },
    )
    api.get(
        "/users?offset=1&limit=100",
        json={
            "users": [
                {
                    "id": "PU2",
                    "name": "Linus",
                    "email": "linus@acme.io",
                    "role": "user",
                    "html_url": "https://acme.pd/PU2",
                },
            ],
            "more": False,
            "limit": 1,
        },
    )


def launchdarkly_routes(api: FakeAPI, url: str) -> None:
    api.get(
        "/api/v2/projects",
        json={
            "items": [{"key": "web", "name": "Web", "tags": ["frontend"]}],
            "_links": {"next": {"href": "/api/v2/projects?limit=100&offset=1"}},
        },
    )
    api.get(
        "/api/v2/projects?offset=1", json={"items": [{"key": "api", "name": "API", "tags": []}], "_links": {}}
    )
    for project in ("web", "api"):
        api.get(
            f"/api/v2/projects/{project}/environments",
            json={
                "items": [{"key": "production", "name": "Production", "_id": f"{project}-prod"}],
                "_links": {},
            },
        )


def jenkins_routes(api: FakeAPI, url: str) -> None:
    api.get(
        "/api/json",
        json={
            "jobs": [
                {
                    "name": "deploy",
                    "fullName": "deploy",
                    "url": f"{url}/job/deploy/",
                    "color": "blue",
                    "buildable": True,
                },
                {
                    "name": "team",
                    "fullName": "team",
                    "url": f"{url}/job/team/",
                    "buildable": False,
                    "jobs": [{"name": "build"}],
                },
            ]
        },
    )
    api.get(
        "/job/team/api/json",
        json={
            "jobs": [
                {
                    "name": "build",
                    "fullName": "team/build",
                    "url": f"{url}/job/team/job/build/",
                    "color": "red",
                    "buildable": True,
                },
            ]
        },
    )


def dynatrace_routes(api: FakeAPI, url: str) -> None:
    api.get("/api/v1/config/clusterversion", json={"version": "1.300"})
    api.get(
        "/api/v2/problems?pageSize=200",
        json={
            "problems": [
                {"problemId": "P-1", "displayId": "P-1", "title": "CPU saturation", "status": "OPEN"}
            ],
            "nextPageKey": "page-2",
        },
    )
    api.get(
        "/api/v2/problems?nextPageKey=page-2",
        json={
            "problems": [
                {"problemId": "P-2", "displayId": "P-2", "title": "Slow checkout", "status": "CLOSED"}
            ],
        },
    )
    api.get(
        "/api/v2/slo?evaluate=true",
        json={
            "slo": [
                {
                    "id": "slo-1",
                    "name": "Availability",
                    "status": "SUCCESS",
                    "target": 99.9,
                    "evaluatedPercentage": 99.95,
                }
            ]
        },
    )


JIRA_DEFAULT_JQL = "(statusCategory != Done) OR (created >= -1w) OR (updated >= -1w)"


def jira_issue_search(request: httpx.Request) -> httpx.Response:
    """POST /search/jql: answers only the JQL of the folder's own issue selector, in two token pages."""
    body = json.loads(request.content)
    if body.get("jql") != JIRA_DEFAULT_JQL:
        return httpx.Response(400, json={"errorMessages": [f"unexpected jql {body.get('jql')!r}"]})
    if "nextPageToken" not in body:
        issues = [{"key": "ACME-1", "fields": {"summary": "Checkout fails", "status": {"name": "Open"}}}]
        return httpx.Response(200, json={"issues": issues, "nextPageToken": "page-2"})
    issues = [{"key": "ACME-2", "fields": {"summary": "Search slow", "status": {"name": "Done"}}}]
    return httpx.Response(200, json={"issues": issues, "isLast": True})


def jira_routes(api: FakeAPI, url: str) -> None:
    api.get(
        "/rest/api/3/project/search?startAt=0", json={"values": [{"key": "ACME", "name": "Acme"}], "total": 2}
    )
    api.get(
        "/rest/api/3/project/search?startAt=1", json={"values": [{"key": "OPS", "name": "Ops"}], "total": 2}
    )
    api.post("/rest/api/3/search/jql", handler=jira_issue_search)


def servicenow_routes(api: FakeAPI, url: str) -> None:
    api.post("/oauth_token.do", json={"access_token": "sn-oauth-token", "expires_in": 1800})
    api.get("/api/now/table/sys_user?sysparm_limit=1", json={"result": [{"first_name": "Ada"}]})
    table = "/api/now/table/sys_user_group"
    # The selector's apiQueryParams must reach the API.
    api.get(
        f"{table}?sysparm_display_value=true&sysparm_exclude_reference_link=false",
        json={
            "result": [{"sys_id": "g1", "name": "Service Desk", "active": True}],
        },
        headers={"Link": f'<{url}{table}?sysparm_offset=100&sysparm_limit=100>;rel="next"'},
    )
    api.get(
        f"{table}?sysparm_offset=100", json={"result": [{"sys_id": "g2", "name": "Network", "active": True}]}
    )


LINEAR_PAGES = {
    "teams": [
        [{"id": "t1", "key": "ENG", "name": "Engineering", "organization": {"id": "o1", "name": "Acme"}}],
        [{"id": "t2", "key": "OPS", "name": "Operations", "organization": {"id": "o1", "name": "Acme"}}],
    ],
    "issueLabels": [
        [{"id": "l1", "name": "bug", "isGroup": False}],
        [{"id": "l2", "name": "feature", "isGroup": False}],
    ],
}


def linear_graphql(request: httpx.Request) -> httpx.Response:
    """Linear's GraphQL endpoint: teams and issue labels, two cursor pages each."""
    query = json.loads(request.content)["query"]
    connection = "issueLabels" if "issueLabels(" in query else "teams"
    second = 'after: "cursor-1"' in query
    nodes = LINEAR_PAGES[connection][1 if second else 0]
    page_info = {"hasNextPage": not second, "endCursor": None if second else "cursor-1"}
    edges = [{"cursor": "cursor-1", "node": node} for node in nodes]
    return httpx.Response(200, json={"data": {connection: {"edges": edges, "pageInfo": page_info}}})


def linear_routes(api: FakeAPI, url: str) -> None:
    api.post("/graphql", handler=linear_graphql)


def snyk_routes(api: FakeAPI, url: str) -> None:
    api.get(
        "/rest/orgs?version=2026-03-25",
        json={
            "data": [{"id": "org-1", "attributes": {"name": "Acme", "slug": "acme"}}],
            "links": {"next": "/rest/orgs?version=2026-03-25&starting_after=v1.eyJpZCI6MX0%3D"},
        },
    )
    api.get(
        "/rest/orgs?starting_after=v1.eyJpZCI6MX0=",
        json={
            "data": [{"id": "org-2", "attributes": {"name": "Beta", "slug": "beta"}}],
            "links": {},
        },
    )


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
    Case(
        name="opencost",
        config={"opencost_host": "{api}"},
        routes=opencost_routes,
        auth=None,
        expected={
            "openCostResourceAllocation": {"checkout/api", "search/indexer"},
            "openCostCloudcost": {
                "AWS-2026-12-01T00:00:00Z-2026-12-02T00:00:00Z",
                "GCP-2026-12-01T00:00:00Z-2026-12-02T00:00:00Z",
            },
        },
        covers=("custom selector (pydantic v1 custom field types, aggregate)", "list-returning handler"),
    ),
    Case(
        name="opsgenie",
        config={"api_token": "genie-fake", "api_url": "{api}"},
        routes=opsgenie_routes,
        auth=("authorization", "GenieKey genie-fake"),
        kinds=("user", "team", "schedule"),
        expected={
            "opsGenieUser": {"u1", "u2"},
            "opsGenieTeam": {"t1"},
            "opsGenieSchedule": {"s1_r1", "s1_r2"},
        },
        covers=("pagination (paging.next)", "itemsToParse (.rotations)", "custom selector (apiQueryParams)"),
    ),
    Case(
        name="statuspage",
        config={"statuspage_host": "{api}", "statuspage_api_key": "sp-fake"},
        routes=statuspage_routes,
        auth=("authorization", "sp-fake"),
        kinds=("statuspage", "component_group", "component"),
        expected={
            "statuspage": {"p1"},
            "statuspageComponentGroup": {"g1"},
            "statuspageComponent": {"c1", "c2"},
        },
        covers=("pagination (page numbers until an empty page)", "selector query (.group == false)"),
    ),
    Case(
        name="octopus",
        config={"server_url": "{api}", "octopus_api_key": "API-FAKE"},
        routes=octopus_routes,
        auth=("x-octopus-apikey", "API-FAKE"),
        kinds=("space", "project"),
        expected={"octopusSpace": {"Spaces-1"}, "octopusProject": {"Projects-1", "Projects-2"}},
        covers=("pagination (skip/take, LastPageNumber)", "API-key header", "generic on_resync() handler"),
    ),
    Case(
        name="firehydrant",
        config={"token": "fhb-fake", "api_url": "{api}"},
        routes=firehydrant_routes,
        auth=("authorization", "fhb-fake"),
        kinds=("environment", "incident"),
        expected={"firehydrantEnvironment": {"env-prod", "env-stg"}, "firehydrantIncident": {"inc-1"}},
        covers=("pagination (page / pagination.pages)", "relations"),
    ),
    Case(
        name="terraform-cloud",
        config={"terraform_cloud_host": "{api}", "terraform_cloud_token": "tfc-fake"},
        routes=terraform_routes,
        auth=("authorization", "Bearer tfc-fake"),
        kinds=("organization", "project"),
        expected={
            "terraformCloudOrganization": {"acme", "beta"},
            "terraformCloudProject": {"prj-1", "prj-2"},
        },
        covers=("pagination (JSON:API links.next)", "event.attributes as a per-run cache", "bearer auth"),
    ),
    Case(
        name="pagerduty",
        config={"token": "u+pdfake", "api_url": "{api}"},
        routes=pagerduty_routes,
        auth=("authorization", "Token token=u+pdfake"),
        kinds=("users",),
        expected={"pagerdutyUser": {"PU1", "PU2"}},
        covers=("pagination (offset/limit/more)", "OceanAsyncClient with its own RetryTransport subclass"),
    ),
    Case(
        name="launchdarkly",
        config={"launchdarkly_token": "api-fake", "launchdarkly_host": "{api}"},
        routes=launchdarkly_routes,
        auth=("authorization", "api-fake"),
        kinds=("project", "environment"),
        expected={
            "launchDarklyProject": {"web", "api"},
            "launchDarklyEnvironment": {"production-web", "production-api"},
        },
        covers=("pagination (_links.next.href)", "cache_iterator_result across kinds"),
    ),
    Case(
        name="jenkins",
        config={"jenkins_host": "{api}", "jenkins_user": "ci", "jenkins_token": "jt-fake"},
        routes=jenkins_routes,
        auth=("authorization", "Basic Y2k6anQtZmFrZQ=="),
        kinds=("job",),
        expected={"jenkinsJob": {"job-deploy", "job-team-job-build"}},
        covers=("folders walked recursively", "basic auth", "config class imported from overrides.py"),
    ),
    Case(
        name="dynatrace",
        config={"dynatrace_api_key": "dt0c01.fake", "dynatrace_host_url": "{api}"},
        routes=dynatrace_routes,
        auth=("authorization", "Api-Token dt0c01.fake"),
        kinds=("problem", "slo"),
        expected={"dynatraceProblem": {"P-1", "P-2"}, "dynatraceSlo": {"slo-1"}},
        covers=(
            "pagination (nextPageKey)",
            "on_start health check",
            "custom selector (attachRelatedEntities)",
        ),
    ),
    Case(
        name="jira",
        config={
            "jira_host": "{api}",
            "atlassian_user_email": "ci@acme.io",
            "atlassian_user_token": "jira-fake",
        },
        routes=jira_routes,
        auth=("authorization", "Basic Y2lAYWNtZS5pbzpqaXJhLWZha2U="),
        kinds=("project", "issue"),
        expected={"jiraProject": {"ACME", "OPS"}, "jiraIssue": {"ACME-1", "ACME-2"}},
        covers=("pagination (startAt/total, nextPageToken)", "custom selector (jql sent to the API)"),
    ),
    Case(
        name="servicenow",
        config={
            "servicenow_url": "{api}",
            "servicenow_client_id": "sn-id",
            "servicenow_client_secret": "sn-secret",
        },
        routes=servicenow_routes,
        auth=None,  # the token request itself carries the client credentials, the rest the bearer token
        kinds=("sys_user_group",),
        expected={"servicenowGroup": {"g1", "g2"}},
        covers=("OAuth client credentials", "pagination (Link rel=next)", "custom selector (apiQueryParams)"),
    ),
    Case(
        name="linear",
        config={"linear_api_key": "lin_api_fake"},
        routes=linear_routes,
        auth=("authorization", "lin_api_fake"),
        kinds=("team", "label"),
        hosts=("https://api.linear.app",),
        expected={"linearTeam": {"ENG", "OPS"}, "linearLabel": {"l1", "l2"}},
        covers=("GraphQL cursor pagination", "hard-coded API host routed by OCEAN_COMPAT_HTTP_ROUTES"),
    ),
    Case(
        name="snyk",
        config={"token": "snyk-fake", "api_url": "{api}"},
        routes=snyk_routes,
        auth=("authorization", "token snyk-fake"),
        kinds=("organization",),
        expected={"snykOrganization": {"org-1", "org-2"}},
        covers=(
            "pagination (REST links.next, starting_after)",
            "cache_coroutine_result",
            "list-returning handler",
        ),
    ),
]
