"""The ``dispatch_workflow`` self-service action: start a GitHub Actions workflow from Port.

A Port action whose invocation method is ``INTEGRATION_ACTION`` with ``integrationActionType:
dispatch_workflow`` sends, for example::

    {"repo": "checkout", "workflow": "deploy.yml", "workflowInputs": {"environment": "prod"}}

(``org`` may be given too, as the published GitHub integration requires; it must then be the
organisation this integration syncs). The executor dispatches the workflow on ``workflowInputs.ref``
or the repository's default branch, asks GitHub for the run it started, and attaches the run's
page to the action run. With ``reportWorkflowStatus`` (the default) the action run stays
IN_PROGRESS until GitHub's ``workflow_run`` webhook says the workflow completed — then it
becomes SUCCESS or FAILURE after the workflow's conclusion (``WorkflowRunWebhook``); without it,
the action run succeeds as soon as the workflow started.

Crash safety: the workflow run's id is recorded on the action run (``externalRunId``) right after
the dispatch, so a delivery of the same action run to another worker finds it and does not
dispatch the workflow a second time. Rate limits: while GitHub's budget is nearly spent the run
waits, before it is acknowledged, until the budget resets.
"""

from __future__ import annotations

import json
import time
from typing import Any

from github_http import github, rate_budget
from github_webhooks import GitHubWebhook

from ocean_runtime import (
    ActionExecutor,
    ActionFailedError,
    ActionRun,
    ResourceConfig,
    ThirdPartyAPIError,
    WebhookEvent,
    WebhookEventRawResults,
    ocean,
)

# Below this many requests left, dispatches wait for the budget to reset (the reference's value).
MIN_REMAINING_REQUESTS = 20
SUCCESSFUL_CONCLUSIONS = ("success", "skipped", "neutral")


def external_id(full_name: str, run_id: Any) -> str:
    """How an action run refers to the workflow run it started (its entity identifier too)."""
    return f"{full_name}/runs/{run_id}"


async def complete(action_run_id: str, workflow_run: dict[str, Any]) -> None:
    """Report an action run finished after its workflow run's conclusion."""
    conclusion = workflow_run.get("conclusion")
    success = conclusion in SUCCESSFUL_CONCLUSIONS
    await ocean.action_runs.complete(
        action_run_id,
        success=success,
        message=f"The workflow run finished: {conclusion}",
        status_label="Completed" if success else str(conclusion or "failed").capitalize(),
    )


class WorkflowRunWebhook(GitHubWebhook):
    """``workflow_run``: re-read the run for the catalog; complete the action run that started it."""

    github_event = "workflow_run"
    subject = "workflow_run"

    async def get_matching_kinds(self, event: WebhookEvent) -> list[str]:
        return ["workflow-run"]

    async def handle_event(self, payload: dict[str, Any], resource: ResourceConfig) -> WebhookEventRawResults:
        repository = str(payload["repository"]["name"])
        workflow_run = await github().workflow_run(repository, int(payload["workflow_run"]["id"]))
        if workflow_run is None:
            return WebhookEventRawResults()
        if workflow_run.get("status") == "completed":
            full_name = f"{github().organization}/{repository}"
            action_run = await ocean.action_runs.find_by_external_id(
                external_id(full_name, workflow_run["id"])
            )
            if action_run is not None and action_run.get("status") == "IN_PROGRESS":
                await complete(str(action_run["id"]), workflow_run)
        return WebhookEventRawResults(updated_raw_results=[workflow_run])


class DispatchWorkflow(ActionExecutor):
    """Runs of ``dispatch_workflow`` (see the module docstring)."""

    action_name = "dispatch_workflow"
    webhook_path = "/webhook"
    webhook_processor = WorkflowRunWebhook

    async def is_close_to_rate_limit(self, run: ActionRun) -> bool:
        budget = rate_budget(github())
        # A budget whose reset time has passed is full again, whatever the last answer said.
        return (
            budget is not None
            and budget.remaining < MIN_REMAINING_REQUESTS
            and budget.resets_at > time.time()
        )

    async def seconds_until_rate_limit_reset(self, run: ActionRun) -> float:
        budget = rate_budget(github())
        return max(0.0, budget.resets_at - time.time()) if budget is not None else 0.0

    async def execute(self, run: ActionRun) -> None:
        client = github()
        repo, workflow = str(run.properties["repo"]), str(run.properties["workflow"])
        organization = run.properties.get("org")
        if organization and str(organization).lower() != client.organization.lower():
            raise ActionFailedError(
                f"this integration works on the organisation {client.organization!r}, not {organization!r}",
                status_label="Other organisation",
            )
        started = await self._started_earlier(run, repo) or await self._dispatch(run, repo, workflow)
        await run.add_link(str(started["html_url"]))
        if not run.properties.get("reportWorkflowStatus", True):
            return
        if started.get("status") == "completed":
            await complete(run.id, started)
            return
        await run.log(
            "Waiting for the workflow to complete (GitHub's workflow_run webhook)", status_label="Running"
        )
        run.complete_later()

    async def _started_earlier(self, run: ActionRun, repo: str) -> dict[str, Any] | None:
        """The workflow run an earlier delivery of this action run started, if it recorded one."""
        recorded = run.raw.get("externalRunId")
        if run.attempt == 1 or not isinstance(recorded, str) or "/runs/" not in recorded:
            return None
        found = await github().workflow_run(repo, int(recorded.rsplit("/", 1)[1]))
        if found is not None:
            await run.log(
                f"Delivery {run.attempt}: the workflow was dispatched already ({found['html_url']})"
            )
        return found

    async def _dispatch(self, run: ActionRun, repo: str, workflow: str) -> dict[str, Any]:
        client = github()
        # GitHub takes strings only; an input a template left empty (null) is not sent.
        inputs = {
            key: value if isinstance(value, str) else json.dumps(value)
            for key, value in (run.properties.get("workflowInputs") or {}).items()
            if value is not None
        }
        ref = inputs.pop("ref", None) or await self._default_branch(repo)
        await run.log(
            f"Dispatching {workflow} in {client.organization}/{repo} on {ref}", status_label="Dispatching"
        )
        try:
            answer = await client.dispatch_workflow(repo, workflow, ref, inputs)
        except ThirdPartyAPIError as exc:
            raise ActionFailedError(f"GitHub refused to dispatch {workflow}: {exc.detail}") from exc
        run_id = answer.get("workflow_run_id")
        if run_id is None:
            raise ActionFailedError("GitHub dispatched the workflow but did not say which run it started")
        await run.set_external_id(external_id(f"{client.organization}/{repo}", run_id))
        started = await client.workflow_run(repo, int(run_id))
        if started is None:
            raise ActionFailedError(f"GitHub does not know the run {run_id} it just started")
        await run.log(f"Started workflow run #{started.get('run_number')} ({started['html_url']})")
        return started

    async def _default_branch(self, repo: str) -> str:
        repository = await github().repository(repo)
        if repository is None:
            raise ActionFailedError(
                f"there is no repository {github().organization}/{repo}", status_label="Unknown repository"
            )
        return str(repository.get("default_branch") or "main")
