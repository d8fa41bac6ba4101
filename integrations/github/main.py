"""The GitHub integration: an organisation's repositories, pull requests, issues, teams and Actions.

Configuration (``.port/spec.yaml``): ``githubToken``, ``githubOrganization``, ``githubBaseUrl``
and ``webhookSecret``. Selector fields (``includeArchived``, ``state``,
``maxRunsPerRepository``) are defined in ``integration.py``. Live updates arrive on
``POST /integration/webhook`` (see ``github_webhooks.py``). With
``OCEAN__ACTIONS_PROCESSOR__ENABLED=true`` it executes the ``dispatch_workflow`` self-service
action (``github_actions.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fan_out import fan_out
from github_actions import DispatchWorkflow
from github_http import github
from github_webhooks import IssueWebhook, PingWebhook, PullRequestWebhook, PushWebhook
from integration import RepositoryScopedSelector, StateSelector, WorkflowRunSelector

from ocean_runtime import event, ocean

Batches = AsyncIterator[list[dict[str, Any]]]

for processor in (PushWebhook, PullRequestWebhook, IssueWebhook, PingWebhook):
    ocean.add_webhook_processor("/webhook", processor)
# The dispatch_workflow self-service action (and its workflow_run webhook, on /webhook too).
ocean.add_action_executor(DispatchWorkflow())


@ocean.on_start()
async def check_configuration() -> None:
    """Refuses an unusable configuration (bad organisation name or URL) before any sync."""
    github()


def _selector(kind: type[RepositoryScopedSelector]) -> Any:
    """The running resource's selector, or the defaults of ``kind`` for a plain one."""
    selector = event.resource_config.selector
    return selector if isinstance(selector, kind) else kind(query="true")


def _repositories() -> Batches:
    """The repositories whose items the running kind reads (names only, cached per resync)."""
    return github().repository_refs(include_archived=_selector(RepositoryScopedSelector).include_archived)


@ocean.on_resync("repository")
async def resync_repositories(kind: str) -> Batches:
    """The organisation's repositories, page by page."""
    include_archived = _selector(RepositoryScopedSelector).include_archived
    async for page in github().repositories(include_archived=include_archived):
        yield page


@ocean.on_resync("team")
async def resync_teams(kind: str) -> Batches:
    """The organisation's teams."""
    async for page in github().teams():
        yield page


@ocean.on_resync("pull-request")
async def resync_pull_requests(kind: str) -> Batches:
    """Pull requests in the selector's ``state`` of every synced repository."""
    state = _selector(StateSelector).state
    async for batch in fan_out(_repositories(), lambda repo: github().pull_requests(repo, state)):
        yield batch


@ocean.on_resync("issue")
async def resync_issues(kind: str) -> Batches:
    """Issues in the selector's ``state`` of every synced repository."""
    state = _selector(StateSelector).state
    async for batch in fan_out(_repositories(), lambda repo: github().issues(repo, state)):
        yield batch


@ocean.on_resync("workflow")
async def resync_workflows(kind: str) -> Batches:
    """The Actions workflows of every synced repository."""
    async for batch in fan_out(_repositories(), github().workflows):
        yield batch


@ocean.on_resync("workflow-run")
async def resync_workflow_runs(kind: str) -> Batches:
    """The latest ``maxRunsPerRepository`` workflow runs of every synced repository."""
    limit = _selector(WorkflowRunSelector).max_runs_per_repository
    async for batch in fan_out(_repositories(), lambda repo: github().workflow_runs(repo, limit)):
        yield batch
