"""What the GitHub integration reads from GitHub's REST API, kind by kind.

Paging, retries, rate limits and authentication are not here: ``github_http`` builds the HTTP
client from Ocean's toolkit (``Link``-header pagination, GitHub's ``X-RateLimit-*`` budget,
bearer token). This module only knows GitHub's endpoints and shapes, and adds
``__repository`` (the repository's full name) to the items of repository-scoped kinds, because
GitHub's issue and workflow objects do not say which repository they belong to.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from ocean_runtime.http import cache_per_resync

RawItem = dict[str, Any]
REPOSITORY_KEY = "__repository"
# GitHub's largest page; fewer requests for big organisations.
PER_PAGE = 100


class GitHubApi(Protocol):
    """The HTTP seam: JSON documents and paginated lists (implemented in ``github_http``)."""

    async def get(self, path: str) -> RawItem | None:
        """The JSON object at ``path``, or None when GitHub answers 404."""
        ...

    def pages(
        self, path: str, params: dict[str, Any] | None = None, *, items_key: str | None = None
    ) -> AsyncIterator[list[RawItem]]:
        """Every page of the list at ``path`` (``items_key``: the list inside an envelope)."""
        ...

    async def post(self, path: str, body: RawItem) -> RawItem:
        """POST ``body`` to ``path``; the JSON answer (``{}`` when GitHub answers 204)."""
        ...


class GitHubClient:
    """The organisation's repositories and what they hold.

    Args:
        api: the HTTP seam (``github_http.build_api``).
        organization: the organisation's login.
    """

    def __init__(self, api: GitHubApi, organization: str) -> None:
        self.api = api
        self.organization = organization

    async def repositories(self, *, include_archived: bool = False) -> AsyncIterator[list[RawItem]]:
        """The organisation's repositories, page by page (archived ones on request)."""
        path = f"/orgs/{self.organization}/repos"
        async for page in self.api.pages(path, {"type": "all", "per_page": PER_PAGE}):
            chosen = [repo for repo in page if include_archived or not repo.get("archived")]
            if chosen:
                yield chosen

    @cache_per_resync
    async def repository_refs(self, *, include_archived: bool = False) -> AsyncIterator[list[RawItem]]:
        """The repositories' names only, read once per resync for every per-repository kind.

        Caching names (not whole repositories) keeps memory at a few dozen bytes a repository.
        """
        async for page in self.repositories(include_archived=include_archived):
            yield [{"name": repo["name"], "full_name": repo["full_name"]} for repo in page]

    async def repository(self, name: str) -> RawItem | None:
        """One repository by name (None when it no longer exists)."""
        return await self.api.get(f"/repos/{self.organization}/{name}")

    async def teams(self) -> AsyncIterator[list[RawItem]]:
        """The organisation's teams, page by page."""
        async for page in self.api.pages(f"/orgs/{self.organization}/teams", {"per_page": PER_PAGE}):
            yield page

    async def pull_requests(self, repository: RawItem, state: str) -> AsyncIterator[list[RawItem]]:
        """A repository's pull requests in ``state`` (open, closed or all)."""
        path = f"/repos/{repository['full_name']}/pulls"
        async for page in self.api.pages(path, {"state": state, "per_page": PER_PAGE}):
            yield _tagged(page, repository["full_name"])

    async def pull_request(self, repository: str, number: int) -> RawItem | None:
        """One pull request of the named repository (None when GitHub does not know it)."""
        found = await self.api.get(f"/repos/{self.organization}/{repository}/pulls/{number}")
        return _tag(found, f"{self.organization}/{repository}") if found is not None else None

    async def issues(self, repository: RawItem, state: str) -> AsyncIterator[list[RawItem]]:
        """A repository's issues in ``state`` — without pull requests, which GitHub lists too."""
        path = f"/repos/{repository['full_name']}/issues"
        async for page in self.api.pages(path, {"state": state, "per_page": PER_PAGE}):
            issues = [item for item in page if "pull_request" not in item]
            if issues:
                yield _tagged(issues, repository["full_name"])

    async def issue(self, repository: str, number: int) -> RawItem | None:
        """One issue of the named repository (None when deleted or transferred away)."""
        found = await self.api.get(f"/repos/{self.organization}/{repository}/issues/{number}")
        return _tag(found, f"{self.organization}/{repository}") if found is not None else None

    async def workflows(self, repository: RawItem) -> AsyncIterator[list[RawItem]]:
        """A repository's GitHub Actions workflows."""
        path = f"/repos/{repository['full_name']}/actions/workflows"
        async for page in self.api.pages(path, {"per_page": PER_PAGE}, items_key="workflows"):
            yield _tagged(page, repository["full_name"])

    async def workflow_runs(self, repository: RawItem, limit: int) -> AsyncIterator[list[RawItem]]:
        """A repository's latest ``limit`` workflow runs (GitHub lists the newest first)."""
        path = f"/repos/{repository['full_name']}/actions/runs"
        remaining = limit
        async for page in self.api.pages(path, {"per_page": min(PER_PAGE, limit)}, items_key="workflow_runs"):
            yield _tagged(page[:remaining], repository["full_name"])
            remaining -= len(page)
            if remaining <= 0:
                break

    async def workflow_run(self, repository: str, run_id: int) -> RawItem | None:
        """One workflow run of the named repository (None when GitHub does not know it)."""
        found = await self.api.get(f"/repos/{self.organization}/{repository}/actions/runs/{run_id}")
        return _tag(found, f"{self.organization}/{repository}") if found is not None else None

    async def dispatch_workflow(
        self, repository: str, workflow: str, ref: str, inputs: dict[str, str]
    ) -> RawItem:
        """Start a ``workflow_dispatch`` run of ``workflow`` (file name or id) on ``ref``.

        GitHub answers the new run's ``workflow_run_id`` (``return_run_details``).
        """
        path = f"/repos/{self.organization}/{repository}/actions/workflows/{workflow}/dispatches"
        return await self.api.post(path, {"ref": ref, "inputs": inputs, "return_run_details": True})


def _tag(item: RawItem, full_name: str) -> RawItem:
    item[REPOSITORY_KEY] = full_name
    return item


def _tagged(items: list[RawItem], full_name: str) -> list[RawItem]:
    return [_tag(item, full_name) for item in items]
