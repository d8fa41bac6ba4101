"""GitHub webhooks: push, pull_request and issues events keep the catalog fresh between resyncs.

Every processor authenticates the request with ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw
body with ``webhookSecret``); without a configured secret every request is refused, because an
unsigned event could rewrite the catalog. Processors re-read the object from GitHub instead of
trusting the payload: deliveries can arrive out of order, and the API has the latest state.

What an event does to the catalog:

- ``push``: the repository is re-read and upserted (its ``pushed_at`` changed).
- ``pull_request``: the pull request is re-read and upserted — a ``closed`` one is upserted
  as closed/merged, or deleted when the resource's ``state`` selector only syncs ``open`` ones.
- ``issues``: ``deleted`` and ``transferred`` delete the issue (from this repository); anything
  else re-reads and upserts it, with the same ``state`` rule as pull requests. An issue GitHub
  no longer finds is deleted.
"""

from __future__ import annotations

from typing import Any, ClassVar

from github_client import REPOSITORY_KEY
from github_http import github
from integration import StateSelector

from ocean_runtime import (
    ResourceConfig,
    WebhookEvent,
    WebhookEventRawResults,
    WebhookProcessor,
    ocean,
    verify_github_signature,
)

EventPayload = dict[str, Any]

EVENT_HEADER = "x-github-event"


class GitHubWebhook(WebhookProcessor):
    """What every GitHub processor shares: signature check, event routing, ordering."""

    github_event: ClassVar[str]
    # The payload key holding the object the event is about (validated before acceptance).
    subject: ClassVar[str | None] = None

    async def authenticate(self, payload: EventPayload, headers: dict[str, str]) -> bool:
        """The body is signed with the configured ``webhookSecret``."""
        return verify_github_signature(
            self.event.body, headers, ocean.integration_config.get("webhook_secret")
        )

    async def validate_payload(self, payload: EventPayload) -> bool:
        """Our event type, about a repository of the organisation, with its subject object."""
        if self.event.headers.get(EVENT_HEADER) != self.github_event:
            return False
        if self.subject is not None and not isinstance(payload.get(self.subject), dict):
            return False
        return _repository_name(payload) is not None and _in_organization(payload)

    def group_key(self, payload: EventPayload) -> str | None:
        """Events of one repository are applied in the order they arrived."""
        return _repository_name(payload)

    async def should_process_event(self, event: WebhookEvent) -> bool:
        """Only our event type."""
        return event.headers.get(EVENT_HEADER) == self.github_event


class PushWebhook(GitHubWebhook):
    """``push``: re-read the repository."""

    github_event = "push"

    async def get_matching_kinds(self, event: WebhookEvent) -> list[str]:
        return ["repository"]

    async def handle_event(self, payload: EventPayload, resource: ResourceConfig) -> WebhookEventRawResults:
        name = _repository_name(payload)
        assert name is not None  # validate_payload checked it
        repository = await github().repository(name)
        if repository is None:
            return WebhookEventRawResults(deleted_raw_results=[_payload_repository(payload)])
        if repository.get("archived") and not _include_archived(resource):
            return WebhookEventRawResults(deleted_raw_results=[repository])
        return WebhookEventRawResults(updated_raw_results=[repository])


class PullRequestWebhook(GitHubWebhook):
    """``pull_request``: re-read the pull request; keep or drop it by the ``state`` selector."""

    github_event = "pull_request"
    subject = "pull_request"

    async def get_matching_kinds(self, event: WebhookEvent) -> list[str]:
        return ["pull-request"]

    async def handle_event(self, payload: EventPayload, resource: ResourceConfig) -> WebhookEventRawResults:
        repository = _repository_name(payload)
        assert repository is not None
        number = int(payload["pull_request"]["number"])
        pull_request = await github().pull_request(repository, number)
        return _by_state(pull_request, _tagged(payload["pull_request"], payload), resource)


class IssueWebhook(GitHubWebhook):
    """``issues``: delete deleted or transferred issues; re-read the others, keep them by ``state``."""

    github_event = "issues"
    subject = "issue"

    async def get_matching_kinds(self, event: WebhookEvent) -> list[str]:
        return ["issue"]

    async def handle_event(self, payload: EventPayload, resource: ResourceConfig) -> WebhookEventRawResults:
        sent = _tagged(payload["issue"], payload)
        # A transferred issue lives on in another repository; GitHub redirects its old URL
        # there, so re-reading it would file it under the wrong repository.
        if payload.get("action") in ("deleted", "transferred"):
            return WebhookEventRawResults(deleted_raw_results=[sent])
        repository = _repository_name(payload)
        assert repository is not None
        issue = await github().issue(repository, int(payload["issue"]["number"]))
        return _by_state(issue, sent, resource)


class PingWebhook(GitHubWebhook):
    """``ping`` (sent when the webhook is created): accepted, changes nothing."""

    github_event = "ping"

    async def validate_payload(self, payload: EventPayload) -> bool:
        return self.event.headers.get(EVENT_HEADER) == self.github_event

    async def get_matching_kinds(self, event: WebhookEvent) -> list[str]:
        return []

    async def handle_event(self, payload: EventPayload, resource: ResourceConfig) -> WebhookEventRawResults:
        return WebhookEventRawResults()


def _by_state(
    current: dict[str, Any] | None, sent: dict[str, Any], resource: ResourceConfig
) -> WebhookEventRawResults:
    """Upsert ``current`` when the resource syncs its state; delete it otherwise (or when gone)."""
    if current is None:  # GitHub answered 404: deleted, or transferred to another repository
        return WebhookEventRawResults(deleted_raw_results=[sent])
    wanted = getattr(resource.selector, "state", StateSelector.model_fields["state"].default)
    if wanted in ("all", current.get("state")):
        return WebhookEventRawResults(updated_raw_results=[current])
    return WebhookEventRawResults(deleted_raw_results=[current])


def _include_archived(resource: ResourceConfig) -> bool:
    # Attributes, not isinstance: this module outlives a reload of integration.py (tests load
    # the integration several times in one process), and the selector may be a newer class.
    return bool(getattr(resource.selector, "include_archived", False))


def _repository_name(payload: EventPayload) -> str | None:
    repository = payload.get("repository")
    if not isinstance(repository, dict):
        return None
    name = repository.get("name")
    return name if isinstance(name, str) and name else None


def _in_organization(payload: EventPayload) -> bool:
    # A repository webhook of another organisation signed with the same secret is not ours.
    full_name = str(payload["repository"].get("full_name") or "")
    organization = str(ocean.integration_config.get("github_organization") or "")
    return full_name.lower().startswith(organization.lower() + "/")


def _payload_repository(payload: EventPayload) -> dict[str, Any]:
    return dict(payload["repository"])


def _tagged(item: dict[str, Any], payload: EventPayload) -> dict[str, Any]:
    """The payload's copy of an object, tagged with its repository like the API's."""
    return {**item, REPOSITORY_KEY: payload["repository"].get("full_name")}
