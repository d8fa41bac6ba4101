"""The ``dispatch_workflow`` action against the fake GitHub, run from a real local Port."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fake_github import FakeGitHub
from github_helpers import INTEGRATION_DIR, by_id, environment

from ocean_runtime.testing import ActionsIntegration
from ocean_runtime.webhooks import hmac_sha256_hex

SECRET = "whsec-acme-7f3a"
DEPLOY_WORKFLOW = "acme/checkout/workflows/61002"  # .github/workflows/deploy.yml of checkout
# A CREATE action naming the repository and workflow in its inputs (as Port users write them).
DISPATCH = {
    "identifier": "dispatch",
    "title": "Dispatch",
    "trigger": {
        "type": "self-service",
        "operation": "CREATE",
        "blueprintIdentifier": "githubRepository",
        "userInputs": {
            "properties": {"org": {"type": "string"}, "repo": {"type": "string"}, "ref": {"type": "string"}},
            "required": ["repo"],
        },
    },
    "invocationMethod": {
        "type": "INTEGRATION_ACTION",
        "installationId": "my-github-integration",
        "integrationActionType": "dispatch_workflow",
        "integrationActionExecutionProperties": {
            "org": "{{ .inputs.org }}",
            "repo": "{{ .inputs.repo }}",
            "workflow": "deploy.yml",
            "workflowInputs": {"ref": "{{ .inputs.ref }}", "environment": "prod"},
        },
    },
}


@asynccontextmanager
async def executing(ocean_actions: Any, github: FakeGitHub) -> AsyncIterator[ActionsIntegration]:
    env = {
        **environment(github, webhook_secret=SECRET),
        "OCEAN__EVENT_LISTENER__SHOULD_PROCESS_WEBHOOKS": "true",  # for the workflow_run webhook
    }
    async with ocean_actions(INTEGRATION_DIR, env=env) as actions:
        yield actions


async def workflow_run_webhook(actions: ActionsIntegration, run: dict[str, Any]) -> None:
    """Deliver GitHub's ``workflow_run`` event about ``run`` and wait until it is processed."""
    payload = {"action": run["status"], "workflow_run": copy.deepcopy(run), "repository": run["repository"]}
    body = json.dumps(payload).encode()
    headers = {
        "content-type": "application/json",
        "x-github-event": "workflow_run",
        "x-hub-signature-256": "sha256=" + hmac_sha256_hex(SECRET, body),
    }
    transport = httpx.ASGITransport(app=actions.service.asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://ocean") as client:
        response = await client.post("/integration/webhook", content=body, headers=headers)
    assert response.status_code == 202, response.text
    backend = actions.service.backend
    assert backend is not None
    while backend.depth():
        await asyncio.sleep(0.01)


async def test_running_a_workflow_waits_for_its_conclusion(
    ocean_actions: Any, github: FakeGitHub, harbor: Any
) -> None:
    async with executing(ocean_actions, github) as actions:
        run_id = await actions.run("github_run_workflow", entity=DEPLOY_WORKFLOW)
        async with asyncio.timeout(30):
            while not (run := await actions.get(run_id))["link"]:
                await asyncio.sleep(0.02)

        assert github.dispatches == [
            {
                "repository": "checkout",
                "workflow": "deploy.yml",
                "ref": "main",
                "inputs": {},
                "return_run_details": True,
            }
        ]
        started = github.runs["checkout"][0]
        assert run["link"] == [started["html_url"]]
        assert run["externalRunId"] == f"acme/checkout/runs/{started['id']}"
        assert run["status"] == "IN_PROGRESS"  # until GitHub says the workflow completed

        await workflow_run_webhook(actions, github.finish_run(started["id"], "failure"))

        finished = await actions.finished(run_id)
        assert (finished["status"], finished["summary"]) == ("FAILURE", "The workflow run finished: failure")
        entity = by_id(harbor, "githubWorkflowRun")[f"acme/checkout/runs/{started['id']}"]
        assert entity["properties"]["conclusion"] == "failure"  # the webhook also updated the catalog
        assert (await actions.logs(run_id))[:2] == [
            "Dispatching deploy.yml in acme/checkout on main",
            f"Started workflow run #{started['run_number']} ({started['html_url']})",
        ]


async def test_without_waiting_the_run_succeeds_once_the_workflow_started(
    ocean_actions: Any, github: FakeGitHub
) -> None:
    async with executing(ocean_actions, github) as actions:
        run_id = await actions.run("github_run_workflow", entity=DEPLOY_WORKFLOW, reportWorkflowStatus=False)
        run = await actions.finished(run_id)
        assert run["status"] == "SUCCESS"
        assert run["link"] == [github.runs["checkout"][0]["html_url"]]


async def test_refusals_become_failures_that_say_why(ocean_actions: Any, github: FakeGitHub) -> None:
    async with executing(ocean_actions, github) as actions:
        assert (await actions.api.post("/v1/actions", json=DISPATCH)).status_code == 200
        cases = {
            "there is no repository acme/nope": {"repo": "nope"},
            "this integration works on the organisation 'acme', not 'other'": {
                "repo": "checkout",
                "org": "other",
            },
            "GitHub refused to dispatch deploy.yml: No ref found for: release-9": {
                "repo": "checkout",
                "ref": "release-9",
            },
        }
        runs = {reason: await actions.run("dispatch", **inputs) for reason, inputs in cases.items()}
        for reason, run_id in runs.items():
            run = await actions.finished(run_id)
            assert (run["status"], run["summary"]) == ("FAILURE", reason)
        assert github.dispatches == []  # nothing reached GitHub's dispatch endpoint
