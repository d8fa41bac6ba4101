"""Published action executors, ``register_raw`` and ``on_resync_complete`` on Ocean (no corpus needed).

The integration below is written against the published API as the corpus's five action
integrations are: an ``AbstractExecutor`` that starts a deployment at a 3rd party, records its
link and id with ``ocean.port_client.update_run_started`` and returns (the run stays in progress),
and an ``ACTION`` webhook processor that finds the run by that id and reports its end with
``report_run_completed`` — plus an executor that reports its own end, one that raises
``ActionExecutionError`` for bad input, rate-limit hooks, ``ocean.register_raw`` from an executor
and a webhook, and an ``on_resync_complete`` hook. It runs against a real harbor: runs are
created through its API as a user would.
"""

from __future__ import annotations

import asyncio
import json
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ocean_runtime.http import use_http
from ocean_runtime.testing import ActionsIntegration, actions_integration
from ocean_runtime.testing.fake_api import FakeAPI

API = "https://deploy.example.com"
LEASE_MS = 300

SERVICE_ACTION: dict[str, Any] = {
    "trigger": {"type": "self-service", "operation": "DAY-2", "blueprintIdentifier": "service"},
    "invocationMethod": {"type": "INTEGRATION_ACTION"},
}
ACTIONS = [
    {
        "identifier": "deploy",
        "title": "Deploy",
        "trigger": {
            **SERVICE_ACTION["trigger"],
            "userInputs": {"properties": {"version": {"type": "string"}}, "required": ["version"]},
        },
        "invocationMethod": {
            **SERVICE_ACTION["invocationMethod"],
            "integrationActionType": "deploy",
            "integrationActionExecutionProperties": {
                "service": "{{ .entity.identifier }}",
                "version": "{{ .inputs.version }}",
                "reportStatus": True,
            },
        },
    },
    {
        "identifier": "restart",
        "title": "Restart",
        **SERVICE_ACTION,
        "invocationMethod": {
            **SERVICE_ACTION["invocationMethod"],
            "integrationActionType": "restart",
            "integrationActionExecutionProperties": {"service": "{{ .entity.identifier }}"},
        },
    },
]

FILES = {
    ".port/spec.yaml": """
        title: Deployer
        features:
          - type: exporter
            resources: [{kind: service}]
        configurations:
          - {name: apiUrl, type: url, required: true}
        actionsProcessingEnabled: true
        actions:
          - name: deploy
            inputs:
              - {name: service, type: string, required: true}
              - {name: version, type: string, required: true}
              - {name: reportStatus, type: boolean, default: false}
          - name: restart
            inputs:
              - {name: service, type: string, required: true}
    """,
    ".port/resources/blueprints.json": json.dumps(
        [
            {
                "identifier": "service",
                "title": "Service",
                "schema": {"properties": {"version": {"type": "string"}}},
            }
        ]
    ),
    ".port/resources/actions.json": json.dumps(ACTIONS),
    ".port/resources/port-app-config.yml": """
        resources:
          - kind: service
            selector: {query: 'true'}
            port:
              entity:
                mappings:
                  identifier: .name
                  title: .name
                  blueprint: '"service"'
                  properties: {version: .version}
    """,
    "main.py": """
        from port_ocean.context.ocean import ocean
        from port_ocean.core.handlers.actions.abstract_executor import AbstractExecutor
        from port_ocean.core.handlers.webhook.abstract_webhook_processor import (
            AbstractWebhookProcessor,
            WebhookProcessorType,
        )
        from port_ocean.core.handlers.webhook.webhook_event import WebhookEventRawResults
        from port_ocean.core.models import ActionRun, IntegrationRun
        from port_ocean.exceptions.execution_manager import ActionExecutionError
        from port_ocean.utils import http_async_client

        RESYNCS_COMPLETED = []
        EXECUTED = []
        RATE_LIMIT_CHECKS = []


        @ocean.on_resync("service")
        async def services(kind: str) -> list[dict]:
            return [{"name": "checkout", "version": "1.0"}, {"name": "billing", "version": "3.1"}]


        @ocean.on_resync_complete()
        async def resync_completed() -> None:
            RESYNCS_COMPLETED.append(len(EXECUTED))


        class DeploymentFinished(AbstractWebhookProcessor):
            @classmethod
            def get_processor_type(cls) -> WebhookProcessorType:
                return WebhookProcessorType.ACTION

            async def should_process_event(self, event) -> bool:
                return event.payload.get("type") == "deployment_finished"

            async def authenticate(self, payload, headers) -> bool:
                return headers.get("x-deploy-token") == "t0ken"

            async def validate_payload(self, payload) -> bool:
                return "deployment" in payload

            async def get_matching_kinds(self, event) -> list[str]:
                return ["service"]

            async def handle_event(self, payload, resource) -> WebhookEventRawResults:
                assert resource is None  # an ACTION processor runs once, outside the mapping
                deployment = payload["deployment"]
                run = await ocean.port_client.find_run_by_external_id(f"deploy-{deployment['id']}")
                assert isinstance(run, ActionRun)
                if ocean.port_client.is_run_in_progress(run) and run.execution_properties["reportStatus"]:
                    state = deployment["state"]
                    ok = state == "success"
                    await ocean.port_client.report_run_completed(run, ok, f"Deployment {state}")
                    service = {"name": deployment["service"], "version": deployment["version"]}
                    await ocean.register_raw("service", [service])
                return WebhookEventRawResults(updated_raw_results=[], deleted_raw_results=[])


        class DeployExecutor(AbstractExecutor):
            ACTION_NAME = "deploy"
            WEBHOOK_PROCESSOR_CLASS = DeploymentFinished
            WEBHOOK_PATH = "/webhook"

            async def _get_partition_key(self, run: IntegrationRun) -> str | None:
                return run.execution_properties["service"]

            async def is_close_to_rate_limit(self, run: IntegrationRun) -> bool:
                RATE_LIMIT_CHECKS.append(run.id)
                return len(RATE_LIMIT_CHECKS) == 1  # the first run waits once

            async def get_remaining_seconds_until_rate_limit(self, run: IntegrationRun) -> float:
                return 0.05

            async def execute(self, run: IntegrationRun) -> None:
                EXECUTED.append(run.id)
                properties = run.execution_properties
                if properties["version"] == "latest":
                    raise ActionExecutionError("name a version, not 'latest'", status_label="Bad version")
                response = await http_async_client.post(
                    ocean.integration_config["api_url"] + "/deployments",
                    json={"service": properties["service"], "version": properties["version"]},
                )
                deployment = response.json()
                await ocean.port_client.post_run_log(run, f"Deployment {deployment['id']} started")
                external_id = f"deploy-{deployment['id']}"
                await ocean.port_client.update_run_started(run, deployment["url"], external_id)


        class RestartExecutor(AbstractExecutor):
            ACTION_NAME = "restart"

            async def is_close_to_rate_limit(self, run: IntegrationRun) -> bool:
                return False

            async def get_remaining_seconds_until_rate_limit(self, run: IntegrationRun) -> float:
                return 0.0

            async def execute(self, run: IntegrationRun) -> None:
                EXECUTED.append(run.id)
                service = run.execution_properties["service"]
                if service == "checkout":
                    message = "checkout is deploying: try again later"
                    await ocean.port_client.report_run_completed(run, False, message, status_label="Busy")
                    return
                await ocean.register_raw("service", [{"name": service, "version": "restarted"}])
                await ocean.port_client.report_run_completed(run, True, f"Restarted {service}")


        ocean.register_action_executor(DeployExecutor())
        ocean.register_action_executor(RestartExecutor())
    """,
}


@pytest.fixture
def deployer(tmp_path: Path) -> Path:
    root = tmp_path / "deployer"
    project = '[project]\nname = "deployer"\nversion = "1.0.0"\n'
    for name, text in {"pyproject.toml": project, **FILES}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


@pytest.fixture
def deployments() -> FakeAPI:
    api = FakeAPI(API)
    api.post("/deployments", json={"id": "d-7", "url": f"{API}/deployments/d-7"})
    return api


@pytest.fixture
async def running(deployer: Path, harbor: Any, deployments: FakeAPI) -> AsyncIterator[ActionsIntegration]:
    env = {
        "OCEAN__EVENT_LISTENER__TYPE": "WEBHOOKS_ONLY",
        "OCEAN__EVENT_LISTENER__SHOULD_RUN_ACTIONS": "true",
        "OCEAN__ACTIONS_PROCESSOR__VISIBILITY_TIMEOUT_MS": str(LEASE_MS),
        "OCEAN__INTEGRATION__IDENTIFIER": "deployer",
        "OCEAN__INTEGRATION__TYPE": "deployer",
        "OCEAN__INTEGRATION__CONFIG__API_URL": API,
    }
    with use_http(transport=deployments.transport):
        async with actions_integration(deployer, harbor, env=env) as integration:
            yield integration


def module_of(integration: ActionsIntegration) -> Any:
    executor: Any = integration.service.runner.app.action_executors["deploy"]
    return sys.modules[type(executor.published).__module__]


async def webhook(integration: ActionsIntegration, body: dict[str, Any], token: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=integration.service.asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://integration") as client:
        return await client.post("/integration/webhook", json=body, headers={"x-deploy-token": token})


async def until(condition: Any, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not await condition():
            await asyncio.sleep(0.02)


async def test_a_published_executor_hands_its_run_to_its_webhook_which_completes_it(
    running: ActionsIntegration, deployments: FakeAPI, harbor: Any
) -> None:
    module = module_of(running)
    assert module.RESYNCS_COMPLETED == [0]  # the start-up resync completed: the hook ran once

    run_id = await running.run("deploy", entity="checkout", version="2.0")

    async def started() -> bool:
        return bool((await running.get(run_id)).get("externalRunId"))

    await until(started)
    run = await running.get(run_id)
    assert run["status"] == "IN_PROGRESS"
    assert run["link"] == [f"{API}/deployments/d-7"]
    [dispatched] = deployments.calls("POST", "/deployments")
    assert json.loads(dispatched.content) == {"service": "checkout", "version": "2.0"}
    logs = await running.logs(run_id)
    assert logs[0].startswith("Delayed by the rate limit") and "Deployment d-7 started" in logs

    # Handed to the webhook: never offered to the executor again, even long after its lease.
    await asyncio.sleep(4 * LEASE_MS / 1000)
    executed = module.EXECUTED
    assert executed == [run_id]
    assert (await running.get(run_id))["status"] == "IN_PROGRESS"

    finished = {
        "type": "deployment_finished",
        "deployment": {"id": "d-7", "state": "success", "service": "checkout", "version": "2.0"},
    }
    assert (await webhook(running, finished, "wrong")).status_code == 401
    assert (await webhook(running, finished, "t0ken")).status_code == 202
    run = await running.finished(run_id)
    assert (run["status"], run["summary"]) == ("SUCCESS", "Deployment success")
    checkout = next(e for e in harbor.entities("service") if e["identifier"] == "checkout")
    assert checkout["properties"]["version"] == "2.0"  # register_raw from the webhook processor


async def test_an_executor_reporting_its_own_end_and_register_raw(
    running: ActionsIntegration, harbor: Any
) -> None:
    run_id = await running.run("restart", entity="billing")
    run = await running.finished(run_id)
    assert (run["status"], run["summary"]) == ("SUCCESS", "Restarted billing")
    assert await running.logs(run_id) == ["Restarted billing"]
    billing = next(e for e in harbor.entities("service") if e["identifier"] == "billing")
    assert billing["properties"]["version"] == "restarted"
    assert running.processor.outcomes["success"] == 1

    refused = await running.finished(await running.run("restart", entity="checkout"))
    assert (refused["status"], refused["statusLabel"]) == ("FAILURE", "Busy")
    assert refused["summary"] == "checkout is deploying: try again later"
    assert running.processor.outcomes["failure"] == 1  # counted as what the executor reported


async def test_action_execution_error_fails_the_run_with_its_reason_and_label(
    running: ActionsIntegration, deployments: FakeAPI
) -> None:
    run_id = await running.run("deploy", entity="checkout", version="latest")
    run = await running.finished(run_id)
    assert (run["status"], run["statusLabel"]) == ("FAILURE", "Bad version")
    assert run["summary"] == "name a version, not 'latest'"
    assert deployments.calls("POST", "/deployments") == []


def test_on_resync_complete_hooks_run_only_after_a_completed_resync() -> None:
    from ocean_compat.context import _resync_complete_runner
    from ocean_runtime.sync import ResyncReport
    from ocean_runtime.sync.report import Status

    calls: list[str] = []

    async def hook() -> None:
        calls.append("called")

    run_hooks = _resync_complete_runner({"on_resync_complete": [hook]})
    asyncio.run(run_hooks(ResyncReport(status=Status.FAILED)))
    asyncio.run(run_hooks(ResyncReport(status=Status.ABORTED)))
    assert calls == []  # published: not after a failed resync
    asyncio.run(run_hooks(ResyncReport(status=Status.COMPLETED)))
    assert calls == ["called"]
