"""The five published integrations with actions execute their runs unchanged on Ocean.

GitHub's ``dispatch_workflow``, end to end (below); and one run of each other published executor
(``tests/compat/corpus/actions.py``: GitLab's and Azure DevOps' ``trigger_pipeline``, Cursor's and
Claude's ``create_agent``): the 3rd party sees the request, the run shows the link and external id
(completion by webhook) or SUCCESS, and what the executor wrote with ``ocean.register_raw`` is in
the catalog.

GitHub's ``dispatch_workflow``:

``ocean sail`` runs the published GitHub folder (corpus venv) with
``OCEAN__ACTIONS_PROCESSOR__ENABLED=true`` against a fake GitHub served over HTTP and a harbor.
A user creates runs through the harbor's API, as in Port:

- a good run: the published ``DispatchWorkflowExecutor`` resolves the repository's default branch,
  dispatches the workflow (the fake sees the dispatch), records the workflow run's link and id
  with ``ocean.port_client.update_run_started`` and returns — the run stays IN_PROGRESS. GitHub's
  signed ``workflow_run`` webhook then reaches the published ``DispatchWorkflowWebhookProcessor``
  (registered by the executor), which finds the run by its external id and reports it SUCCESS;
- a run for a repository GitHub does not know: FAILURE with GitHub's reason, nothing dispatched;
- a run without the spec's required ``workflow`` input: FAILURE naming it, before the executor.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocean_harbor.testing import RunningHarbor
from ocean_runtime.config.naming import config_env_var
from ocean_runtime.testing.fake_api import FakeAPI
from tests.compat.corpus.actions import ACTION_CASES, ActionCase
from tests.compat.corpus.environment import corpus_folder, resources_with_kinds, scratch_copy
from tests.compat.corpus.listening import sail
from tests.compat.fake_server import ServedFakeAPI
from tests.support.sail import HEALTH_LINE, WAIT_SECONDS

SECRET = "whsec-corpus"
IDENTIFIER = "corpus-github"  # environment() names the installation corpus-NAME
ACTOR = "port-ocean-bot"
WORKFLOW_RUN = 9001
DISPATCH_PATH = "/repos/acme/web/actions/workflows/deploy.yml/dispatches"

ACTION = {
    "identifier": "dispatch_workflow",
    "title": "Dispatch a workflow",
    "trigger": {
        "type": "self-service",
        "operation": "CREATE",
        "userInputs": {
            "properties": {
                "repo": {"type": "string"},
                "workflow": {"type": "string"},
                "environment": {"type": "string"},
            },
            "required": ["repo"],
        },
    },
    "invocationMethod": {
        "type": "INTEGRATION_ACTION",
        "installationId": IDENTIFIER,
        "integrationActionType": "dispatch_workflow",
        "integrationActionExecutionProperties": {
            "org": "acme",
            "repo": "{{ .inputs.repo }}",
            "workflow": "{{ .inputs.workflow }}",
            "reportWorkflowStatus": True,
            "workflowInputs": {"environment": "{{ .inputs.environment }}"},
        },
    },
}


def github_routes(api: FakeAPI, url: str) -> None:
    api.get("/user", json={"login": ACTOR, "id": 1})
    api.get(
        "/repos/acme/web", json={"id": 77, "name": "web", "full_name": "acme/web", "default_branch": "main"}
    )
    api.get("/repos/acme/gone", status=404, json={"message": "Not Found"})
    api.post(
        DISPATCH_PATH,
        json={
            "workflow_run_id": WORKFLOW_RUN,
            "run_url": f"{url}/repos/acme/web/actions/runs/{WORKFLOW_RUN}",
            "html_url": f"https://github.com/acme/web/actions/runs/{WORKFLOW_RUN}",
        },
    )
    api.get(f"/repos/acme/web/actions/runs/{WORKFLOW_RUN}", json=workflow_run("in_progress", None))


def workflow_run(status: str, conclusion: str | None) -> dict[str, Any]:
    return {
        "id": WORKFLOW_RUN,
        "name": "Deploy",
        "status": status,
        "conclusion": conclusion,
        "html_url": f"https://github.com/acme/web/actions/runs/{WORKFLOW_RUN}",
        "actor": {"login": ACTOR},
        "repository": {"id": 77, "name": "web", "full_name": "acme/web", "owner": {"id": 5, "login": "acme"}},
    }


def completed_event() -> tuple[bytes, dict[str, str]]:
    """GitHub's ``workflow_run`` ``completed`` delivery: body and headers, signed."""
    body = json.dumps(
        {
            "action": "completed",
            "workflow_run": workflow_run("completed", "success"),
            "repository": {
                "id": 77,
                "name": "web",
                "full_name": "acme/web",
                "visibility": "private",
                "owner": {"login": "acme"},
            },
            "organization": {"login": "acme"},
            "sender": {"login": ACTOR},
        }
    ).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "content-type": "application/json",
        "x-github-event": "workflow_run",
        "x-github-delivery": "d-1",
        "x-hub-signature-256": signature,
    }
    return body, headers


def environment(
    harbor: RunningHarbor, name: str, config: dict[str, str], api_url: str, **settings: str
) -> dict[str, str]:
    """``ocean sail`` settings: the harbor, the integration's config, webhooks and action runs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCEAN__")}
    env.update(
        OCEAN__PORT__BASE_URL=harbor.url,
        OCEAN__PORT__CLIENT_ID=harbor.client_id,
        OCEAN__PORT__CLIENT_SECRET=harbor.client_secret,
        OCEAN__INTEGRATION__IDENTIFIER=f"corpus-{name}",
        OCEAN__INTEGRATION__TYPE=name,
        # Webhooks (completions) and action runs; these tests need no resync.
        OCEAN__EVENT_LISTENER__TYPE="WEBHOOKS_ONLY",
        OCEAN__EVENT_LISTENER__SHOULD_RUN_ACTIONS="true",
        OCEAN__ACTIONS_PROCESSOR__ENABLED="true",
        OCEAN__ACTIONS_PROCESSOR__POLL_CHECK_INTERVAL_SECONDS="0.2",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONUNBUFFERED="1",
    )
    env.update({config_env_var(key): value.format(api=api_url) for key, value in config.items()})
    env.update(settings)
    return env


class Runs:
    """Runs of the harbor's ``action``, created and read through its API."""

    def __init__(self, harbor: RunningHarbor, action: str = "dispatch_workflow") -> None:
        self.client = harbor.client()
        self.action = action

    def create(self, **inputs: str) -> str:
        response = self.client.post(f"/v1/actions/{self.action}/runs", json={"properties": inputs})
        assert response.status_code == 201, response.text
        return str(response.json()["run"]["id"])

    def get(self, run_id: str) -> dict[str, Any]:
        run: dict[str, Any] = self.client.get(f"/v1/actions/runs/{run_id}").json()["run"]
        return run

    def wait(self, run_id: str, done: Any, output: Any) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT_SECONDS
        while not done(run := self.get(run_id)):
            if time.monotonic() > deadline:
                pytest.fail(f"run {run_id} is stuck at {run}; output:\n{output()[-6000:]}")
            time.sleep(0.1)
        return run

    def finished(self, run_id: str, output: Any) -> dict[str, Any]:
        return self.wait(run_id, lambda run: run["status"] != "IN_PROGRESS", output)


def test_published_dispatch_workflow_runs_unchanged_from_claim_to_success(
    harbor: RunningHarbor, tmp_path: Path
) -> None:
    api = FakeAPI()
    server = ServedFakeAPI(api)
    github_routes(api, server.url)
    folder = scratch_copy(corpus_folder("github"), tmp_path)
    resources = resources_with_kinds(folder, ("repository",), tmp_path / "resources")
    runs = Runs(harbor)
    with server.running(), runs.client:
        config = {
            "github_host": server.url,
            "github_token": "ghp_corpus",
            "github_organization": "acme",
            "webhook_secret": SECRET,
        }
        env = environment(harbor, "github", config, server.url, OCEAN__RESOURCES_PATH=str(resources))
        listening = sail(folder, env, tmp_path)
        try:
            url = listening.url
            assert runs.client.post("/v1/actions", json=ACTION).status_code in (200, 201)

            run_id = runs.create(repo="web", workflow="deploy.yml", environment="prod")
            started = runs.wait(run_id, lambda run: run.get("externalRunId"), listening.output)
            assert started["status"] == "IN_PROGRESS"
            assert started["externalRunId"] == f"gh_5_77_{WORKFLOW_RUN}"
            assert started["link"] == [f"https://github.com/acme/web/actions/runs/{WORKFLOW_RUN}"]
            [dispatch] = api.calls("POST", DISPATCH_PATH)
            assert json.loads(dispatch.content) == {
                "ref": "main",
                "inputs": {"environment": "prod"},
                "return_run_details": True,
            }
            assert dispatch.headers["authorization"].endswith("ghp_corpus")

            body, headers = completed_event()
            forged = httpx.post(
                f"{url}/integration/webhook",
                content=body,
                headers={**headers, "x-hub-signature-256": "sha256=" + "0" * 64},
            )
            assert forged.status_code == 401, forged.text
            accepted = httpx.post(f"{url}/integration/webhook", content=body, headers=headers)
            assert accepted.status_code == 202, f"{accepted.text}\n{listening.output()[-6000:]}"
            done = runs.finished(run_id, listening.output)
            assert (done["status"], done["summary"]) == ("SUCCESS", "Workflow completed: success")

            gone = runs.finished(runs.create(repo="gone", workflow="deploy.yml"), listening.output)
            assert gone["status"] == "FAILURE"
            assert "acme/gone" in gone["summary"], gone

            incomplete = runs.finished(runs.create(repo="web"), listening.output)
            assert incomplete["status"] == "FAILURE"
            assert "workflow" in incomplete["summary"], incomplete
            assert len(api.calls("POST", DISPATCH_PATH)) == 1  # only the good run dispatched
        finally:
            listening.stop()
    assert server.unmatched == []


@pytest.mark.parametrize("case", ACTION_CASES, ids=[c.name for c in ACTION_CASES])
def test_a_published_executor_executes_a_run_unchanged(
    case: ActionCase, harbor: RunningHarbor, tmp_path: Path
) -> None:
    api = FakeAPI()
    server = ServedFakeAPI(api)
    case.routes(api, server.url)
    folder = scratch_copy(corpus_folder(case.name), tmp_path)
    runs = Runs(harbor, case.action)
    env = environment(harbor, case.name, case.config, server.url, **case.extra_env)
    if case.hosts:
        env["OCEAN_COMPAT_HTTP_ROUTES"] = json.dumps({host: server.url for host in case.hosts})
    with server.running(), runs.client:
        listening = sail(folder, env, tmp_path)
        try:
            listening.wait_for(HEALTH_LINE)
            created = runs.client.post("/v1/actions", json=case.definition(f"corpus-{case.name}"))
            assert created.status_code in (200, 201), created.text
            run_id = runs.create()
            method, path = case.request

            def executed(run: dict[str, Any]) -> bool:
                return run["status"] != "IN_PROGRESS" or bool(run.get("externalRunId"))

            run = runs.wait(run_id, executed, listening.output)
            assert {key: run.get(key) for key in case.expected} == case.expected, (run, listening.output())
            calls = api.calls(method, path)
            assert len(calls) == 1, (
                f"{run}\n{[str(r.url) for r in api.requests]}\n{listening.output()[-6000:]}"
            )
            request = calls[0]
            sent = json.loads(request.content)
            assert {key: sent.get(key) for key in case.body} == case.body, sent
            if case.catalog is not None:
                blueprint, identifier = case.catalog
                entities = {entity["identifier"] for entity in harbor.entities(blueprint)}
                assert identifier in entities, listening.output()[-6000:]
        finally:
            listening.stop()
    assert server.unmatched == []
