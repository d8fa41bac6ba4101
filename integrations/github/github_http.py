"""The GitHub REST API over Ocean's HTTP toolkit: the only module that builds a client.

Everything generic comes from ``ocean_runtime.http``: bearer authentication, retries with
backoff, the ``X-RateLimit-Remaining``/``X-RateLimit-Reset`` budget and ``Link``-header
pagination. What is GitHub's own is said here once:

- a *secondary* rate limit is a ``403`` (or ``429``) with ``Retry-After`` — retried after
  that wait, like the primary limit's ``403`` with ``X-RateLimit-Remaining: 0``;
- ``404`` on a single object means it is gone (deleted, transferred, or no access).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import httpx
from github_client import GitHubClient, RawItem

from ocean_runtime import UserInputError, ocean
from ocean_runtime.errors import ThirdPartyAPIError
from ocean_runtime.http import BearerAuth, RateLimit, RetryPolicy, client, paginate

API_VERSION = "2022-11-28"
# GitHub logins: alphanumerics and single hyphens, at most 39 characters.
_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
# How many requests one integration keeps in flight against GitHub (its guidance: avoid many
# concurrent requests, or the secondary rate limit kicks in).
MAX_CONCURRENT_REQUESTS = 10


@dataclass(frozen=True)
class GitHubRetryPolicy(RetryPolicy):
    """The toolkit's retry policy, plus GitHub's secondary rate limit (403 + ``Retry-After``)."""

    def wants_retry(self, response: httpx.Response) -> bool:
        """Retry what the toolkit retries, and a 403 that says when to come back."""
        if response.status_code == 403 and "retry-after" in response.headers:
            return True
        return super().wants_retry(response)


# One retry waits at most 5 minutes — longer than GitHub's secondary-limit Retry-After values.
# A primary limit that resets later is still waited out: the rate-limit transport holds every
# request until X-RateLimit-Reset (up to an hour).
RETRY_POLICY = GitHubRetryPolicy(max_attempts=5, max_delay=300.0)


@dataclass(frozen=True)
class RateBudget:
    """GitHub's request budget as its last answer stated it.

    Attributes:
        remaining: requests left (``X-RateLimit-Remaining``).
        resets_at: when it is refilled, Unix seconds (``X-RateLimit-Reset``).
    """

    remaining: int
    resets_at: float


class GitHubHttpApi:
    """``GitHubApi`` (see ``github_client``) over one toolkit client.

    Attributes:
        budget: the rate-limit budget the latest answer stated (None before any answer).
    """

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.budget: RateBudget | None = None
        http.event_hooks["response"].append(self._read_budget)

    async def _read_budget(self, response: httpx.Response) -> None:
        remaining, reset = (
            response.headers.get("x-ratelimit-remaining"),
            response.headers.get("x-ratelimit-reset"),
        )
        if remaining is not None and reset is not None and remaining.isdigit() and reset.isdigit():
            self.budget = RateBudget(int(remaining), float(reset))

    async def post(self, path: str, body: RawItem) -> RawItem:
        """POST ``body`` (never retried: GitHub may have acted on it); ``{}`` for a 204.

        Raises:
            ThirdPartyAPIError: GitHub refused it (with GitHub's message).
        """
        response = await self.http.post(path, json=body)
        if not response.is_success:
            url = str(response.request.url.copy_with(query=None))
            raise ThirdPartyAPIError("POST", url, response.status_code, _message(response))
        if response.status_code == 204 or not response.content:
            return {}
        answer: RawItem = response.json()
        return answer

    async def get(self, path: str) -> RawItem | None:
        """The JSON object at ``path``; None on 404.

        Raises:
            ThirdPartyAPIError: any other non-2xx answer (after the toolkit's retries).
        """
        response = await self.http.get(path)
        if response.status_code == 404:
            return None
        if not response.is_success:
            url = str(response.request.url.copy_with(query=None))
            raise ThirdPartyAPIError("GET", url, response.status_code, _message(response))
        item: RawItem = response.json()
        return item

    def pages(
        self, path: str, params: dict[str, Any] | None = None, *, items_key: str | None = None
    ) -> AsyncIterator[list[RawItem]]:
        """Every page of ``path``, following GitHub's ``Link`` headers."""
        return paginate(self.http, path, paginator="link_header", params=params, items_path=items_key)


def build_client(config: Mapping[str, Any]) -> GitHubClient:
    """A ``GitHubClient`` for the integration's configuration (snake_case keys).

    Raises:
        UserInputError: the organisation is not a GitHub login.
    """
    organization = str(config.get("github_organization") or "").strip()
    if not _LOGIN.fullmatch(organization):
        raise UserInputError(
            f"configuration 'githubOrganization' = {organization!r} is not a GitHub organisation login",
            location="OCEAN__INTEGRATION__CONFIG__GITHUB_ORGANIZATION",
            fix="set it to the organisation's login as in https://github.com/<login>, e.g. octo-org",
        )
    base_url = str(config.get("github_base_url") or "https://api.github.com").rstrip("/")
    http = client(
        base_url,
        auth=BearerAuth(str(config["github_token"])),
        retry=RETRY_POLICY,
        rate_limit=RateLimit(concurrency=MAX_CONCURRENT_REQUESTS),
        headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION},
    )
    return GitHubClient(GitHubHttpApi(http), organization)


def rate_budget(client: GitHubClient) -> RateBudget | None:
    """The budget the client's latest GitHub answer stated (None before any answer)."""
    # An attribute, not isinstance: tests load the integration (and this module) several times.
    budget: RateBudget | None = getattr(client.api, "budget", None)
    return budget


# One client per running integration (not per module: two integrations loaded in one process,
# as tests do, must not share a token or a base URL).
_clients: WeakKeyDictionary[object, GitHubClient] = WeakKeyDictionary()


def github() -> GitHubClient:
    """The GitHub client of the running integration (built on first use)."""
    app = ocean.app
    found = _clients.get(app)
    if found is None:
        found = _clients[app] = build_client(ocean.integration_config)
    return found


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])[:200]
    return str(body)[:200]
