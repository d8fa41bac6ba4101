"""Published action executors to run unchanged: one ``ActionCase`` per corpus integration.

Each case is what a test needs to execute one run of the integration's executor with
``ocean sail DIR`` (actions on) against a harbor: its configuration (``{api}`` is the fake's URL),
the fake 3rd-party API (shapes from each vendor's public API documentation; data made up), the
run's execution properties as Port's action would render them, the request the executor must
make, and what the run must show once the executor returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ocean_runtime.testing.fake_api import FakeAPI


@dataclass(frozen=True)
class ActionCase:
    """One run of a published executor.

    Attributes:
        name: the corpus folder.
        action: the executor's ``ACTION_NAME`` (the run's ``integrationActionType``).
        config: ``OCEAN__INTEGRATION__CONFIG__*`` values by spec name; ``{api}`` is the fake's URL.
        routes: adds the fake API's routes (given the fake's URL).
        properties: the run's ``integrationActionExecutionProperties``.
        request: ``(method, path)`` the executor must send to the 3rd party.
        body: what that request's JSON body must hold (a subset).
        expected: what the run must show afterwards (a subset: ``status``, ``externalRunId``…).
        catalog: ``(blueprint, identifier)`` the executor writes with ``ocean.register_raw``.
        hosts: hard-coded origins the integration calls, routed to the fake.
    """

    name: str
    action: str
    config: dict[str, str]
    routes: Callable[[FakeAPI, str], None]
    properties: dict[str, Any]
    request: tuple[str, str]
    body: dict[str, Any]
    expected: dict[str, Any]
    catalog: tuple[str, str] | None = None
    hosts: tuple[str, ...] = ()
    extra_env: dict[str, str] = field(default_factory=dict)

    def definition(self, installation: str) -> dict[str, Any]:
        """The Port action running this executor with ``properties`` (no user inputs)."""
        return {
            "identifier": self.action,
            "title": self.action,
            "trigger": {"type": "self-service", "operation": "CREATE", "userInputs": {"properties": {}}},
            "invocationMethod": {
                "type": "INTEGRATION_ACTION",
                "installationId": installation,
                "integrationActionType": self.action,
                "integrationActionExecutionProperties": self.properties,
            },
        }


def gitlab_routes(api: FakeAPI, url: str) -> None:
    api.post(
        "/api/v4/projects/acme%2Fweb/pipeline",
        json={"id": 55, "project_id": 12, "status": "created", "web_url": f"{url}/acme/web/-/pipelines/55"},
    )


def azure_devops_routes(api: FakeAPI, url: str) -> None:
    api.get("/acme/_apis/projects/web", json={"id": "p-1", "name": "web"})
    api.post(
        "/acme/p-1/_apis/pipelines/7/runs",
        json={
            "id": 301,
            "state": "inProgress",
            "_links": {"web": {"href": f"{url}/acme/web/_build/results?buildId=301"}},
        },
    )


def cursor_routes(api: FakeAPI, url: str) -> None:
    api.post(
        "/v1/agents",
        json={
            "agent": {
                "id": "bc-1",
                "name": "Fix the flaky test",
                "status": "RUNNING",
                "url": "https://cursor.com/agents?id=bc-1",
                "repos": [{"url": "https://github.com/acme/web"}],
                "createdAt": "2026-01-05T10:00:00Z",
                "updatedAt": "2026-01-05T10:00:00Z",
            },
            "run": {"id": "run-1", "status": "RUNNING", "createdAt": "2026-01-05T10:00:00Z"},
        },
    )


def anthropic_routes(api: FakeAPI, url: str) -> None:
    api.post(
        "/v1/agents?beta=true",
        json={
            "id": "agent_011",
            "type": "agent",
            "name": "Reviewer",
            "model": {"id": "claude-sonnet-4-5"},
            "system": "Review pull requests",
            "created_at": "2026-01-05T10:00:00Z",
            "updated_at": "2026-01-05T10:00:00Z",
            "version": 1,
            "metadata": {},
            "mcp_servers": [],
            "skills": [],
            "tools": [],
        },
    )


ACTION_CASES = [
    ActionCase(
        name="gitlab-v2",
        action="trigger_pipeline",
        config={"gitlab_token": "glpat-corpus", "gitlab_host": "{api}"},
        routes=gitlab_routes,
        properties={"project": "acme/web", "ref": "main", "pipelineVariables": {"ENV": "prod"}},
        request=("POST", "/api/v4/projects/acme/web/pipeline"),  # decoded, as httpx reads it
        body={"ref": "main", "variables": [{"key": "ENV", "value": "prod"}]},
        expected={"status": "IN_PROGRESS", "externalRunId": "gl_12_55"},
    ),
    ActionCase(
        name="azure-devops",
        action="trigger_pipeline",
        config={"organization_url": "{api}/acme", "personal_access_token": "ado-corpus"},
        routes=azure_devops_routes,
        properties={"project": "web", "pipelineId": 7, "branch": "main"},
        request=("POST", "/acme/p-1/_apis/pipelines/7/runs"),
        body={"resources": {"repositories": {"self": {"refName": "refs/heads/main"}}}},
        expected={"status": "IN_PROGRESS"},
    ),
    ActionCase(
        name="cursor-cloud-agents",
        action="create_agent",
        config={"cursor_api_key": "cur-corpus", "cursor_api_host": "{api}"},
        routes=cursor_routes,
        properties={
            "apiVersion": "v1",
            "prompt": "Fix the flaky test",
            "repository": "https://github.com/acme/web",
            "ref": "main",
        },
        request=("POST", "/v1/agents"),
        body={
            "prompt": {"text": "Fix the flaky test"},
            "repos": [{"url": "https://github.com/acme/web", "startingRef": "main"}],
        },
        expected={"status": "SUCCESS", "summary": "Created agent bc-1"},
        catalog=("cursor_agent", "bc-1"),
    ),
    ActionCase(
        name="claude-managed-agents",
        action="create_agent",
        config={"anthropic_api_key": "sk-ant-corpus", "anthropic_api_host": "{api}"},
        routes=anthropic_routes,
        properties={"name": "Reviewer", "model": "claude-sonnet-4-5", "systemPrompt": "Review pull requests"},
        request=("POST", "/v1/agents"),
        body={"name": "Reviewer", "model": "claude-sonnet-4-5", "system": "Review pull requests"},
        expected={"status": "SUCCESS", "summary": "Created agent agent_011"},
        catalog=("claude_agent", "agent_011"),
    ),
]
