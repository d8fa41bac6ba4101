"""The GitHub integration's port-app-config: its kinds and their custom selector fields.

``ocean`` parses the port-app-config with ``GitHubPortAppConfig``: a resource with an unknown
kind or a selector field of the wrong type (``state: opened``) is reported with its location
by ``ocean validate`` instead of silently syncing nothing.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from ocean_runtime import PortAppConfig, ResourceConfig, Selector

State = Literal["open", "closed", "all"]


class RepositoryScopedSelector(Selector):
    """A selector of a kind read repository by repository.

    Attributes:
        include_archived: also read archived repositories (left out by default: they change
            rarely and are often numerous).
    """

    include_archived: bool = Field(default=False, alias="includeArchived")


class StateSelector(RepositoryScopedSelector):
    """Pull requests or issues: which states are synced (``open`` by default)."""

    state: State = "open"


class WorkflowRunSelector(RepositoryScopedSelector):
    """Workflow runs: only the latest ``max_runs_per_repository`` runs of each repository."""

    max_runs_per_repository: int = Field(default=100, ge=1, alias="maxRunsPerRepository")


class RepositoryResourceConfig(ResourceConfig):
    """The organisation's repositories."""

    kind: Literal["repository"]
    selector: RepositoryScopedSelector


class TeamResourceConfig(ResourceConfig):
    """The organisation's teams."""

    kind: Literal["team"]


class PullRequestResourceConfig(ResourceConfig):
    """Pull requests of the synced repositories."""

    kind: Literal["pull-request"]
    selector: StateSelector


class IssueResourceConfig(ResourceConfig):
    """Issues (not pull requests) of the synced repositories."""

    kind: Literal["issue"]
    selector: StateSelector


class WorkflowResourceConfig(ResourceConfig):
    """GitHub Actions workflows of the synced repositories."""

    kind: Literal["workflow"]
    selector: RepositoryScopedSelector


class WorkflowRunResourceConfig(ResourceConfig):
    """The latest workflow runs of the synced repositories."""

    kind: Literal["workflow-run"]
    selector: WorkflowRunSelector


GitHubResourceConfig = Annotated[
    RepositoryResourceConfig
    | TeamResourceConfig
    | PullRequestResourceConfig
    | IssueResourceConfig
    | WorkflowResourceConfig
    | WorkflowRunResourceConfig,
    Field(discriminator="kind"),
]


class GitHubPortAppConfig(PortAppConfig):
    """The port-app-config of the GitHub integration."""

    resources: list[GitHubResourceConfig] = Field(default_factory=list)  # type: ignore[assignment]
