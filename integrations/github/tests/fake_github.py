"""A GitHub REST API in memory, served to the integration through ``httpx.MockTransport``.

It answers the endpoints the integration reads from the JSON fixtures in ``fixtures/``
(shaped like recorded GitHub responses) and behaves like GitHub where the client's logic
depends on it:

- lists are paginated at ``page_size`` items (GitHub may return fewer than ``per_page``), with
  a ``Link`` header (``next``/``last``/``first``/``prev``) exactly as GitHub writes it;
- every answer carries ``X-RateLimit-*`` headers; ``rate_limit_next`` makes the next request
  fail the way GitHub's primary (``X-RateLimit-Remaining: 0``) or secondary (``Retry-After``)
  rate limits do; ``fail`` breaks one path for good;
- a request without ``Authorization: Bearer <token>`` gets GitHub's 401 ``Bad credentials``;
- unknown paths get GitHub's 404 body;
- ``POST …/actions/workflows/{workflow}/dispatches`` starts a queued run (``dispatches`` lists
  them) and answers its id as with ``return_run_details``; ``finish_run`` completes it.

Tests change its state (``repos``, ``pulls``…) to play "something happened on GitHub".
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

FIXTURES = Path(__file__).resolve().parent / "fixtures"
API = "https://api.github.com"
START = 1_741_600_000.0  # 2025-03-10T09:46:40Z, when the fixtures were "recorded"
DOCS = "https://docs.github.com/rest"
NOT_FOUND = {"message": "Not Found", "documentation_url": DOCS}


def load_fixture(name: str) -> Any:
    """A fixture file, parsed (a fresh copy every call)."""
    return json.loads((FIXTURES / name).read_text())


_RATE_LIMIT_MESSAGES = {
    "primary": "API rate limit exceeded for installation ID 1234.",
    "secondary": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
}


@dataclass
class Fault:
    """The next request is refused with this answer."""

    status: int
    headers: dict[str, str]
    message: str


@dataclass
class FakeGitHub:
    """GitHub for one organisation, from the fixtures.

    Attributes:
        token: the token requests must carry.
        page_size: items per page of every list (the fixtures have 5 repositories: 3 pages).
        clock: the current Unix time, for ``X-RateLimit-Reset`` (a test passes its fake clock).
        requests: every request received, in order.
    """

    token: str = "ghp_test_token"
    organization: str = "acme"
    page_size: int = 2
    clock: Callable[[], float] = lambda: START
    requests: list[httpx.Request] = field(default_factory=list)
    repos: list[dict[str, Any]] = field(default_factory=lambda: load_fixture("repos.json"))
    teams: list[dict[str, Any]] = field(default_factory=lambda: load_fixture("teams.json"))
    pulls: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: load_fixture("pulls.json"))
    issues: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: load_fixture("issues.json"))
    workflows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: load_fixture("workflows.json"))
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: load_fixture("workflow_runs.json"))
    dispatches: list[dict[str, Any]] = field(default_factory=list)
    _faults: list[Fault] = field(default_factory=list)
    _broken: dict[str, int] = field(default_factory=dict)
    _answers: list[tuple[int, str]] = field(default_factory=list)
    _remaining: int = 5000
    _budget_spent_in: int | None = None
    _budget_reset_in: float = 0.0

    @property
    def now(self) -> float:
        """The fake's current Unix time."""
        return self.clock()

    # -- what tests call ----------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        """A transport answering like GitHub."""
        return httpx.MockTransport(self.handle)

    def rate_limit_next(self, *, limit: str = "primary", status: int = 403, wait: float = 30.0) -> None:
        """Refuse the next request as GitHub's rate limits do.

        Args:
            limit: ``primary`` (the hourly budget is spent: ``X-RateLimit-Remaining: 0`` and
                ``X-RateLimit-Reset`` = now + ``wait``) or ``secondary`` (``Retry-After: wait``).
            status: 403 or 429 (GitHub uses both).
            wait: seconds until GitHub accepts requests again.
        """
        if limit == "secondary":
            headers = {"retry-after": str(int(wait))}
        else:
            headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(self.now + wait))}
        self._faults.append(Fault(status, headers, message=_RATE_LIMIT_MESSAGES[limit]))

    def spend_budget_after(self, requests: int, *, reset_in: float) -> None:
        """Answer the ``requests``-th next request normally, but with the budget at 0.

        Like GitHub, the answer says ``X-RateLimit-Remaining: 0`` and when the budget resets;
        a well-behaved client waits for the reset instead of collecting 403s.
        """
        self._budget_spent_in = requests
        self._budget_reset_in = reset_in

    def fail(self, path: str, status: int = 500) -> None:
        """Answer every request for ``path`` with ``status`` from now on."""
        self._broken[path] = status

    def refused(self) -> list[tuple[int, str]]:
        """``(status, path)`` of every request answered with an error."""
        return [(status, path) for status, path in self._answers if status >= 400]

    def paths(self) -> list[str]:
        """The paths (with query) of the requests received."""
        return [f"{r.url.path}?{r.url.query.decode()}" if r.url.query else r.url.path for r in self.requests]

    # -- GitHub ------------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request."""
        self.requests.append(request)
        response = self._answer(request)
        self._answers.append((response.status_code, request.url.path))
        return response

    def _answer(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return self._json(401, {"message": "Bad credentials", "documentation_url": DOCS})
        if self._faults:
            fault = self._faults.pop(0)
            return self._json(
                fault.status, {"message": fault.message, "documentation_url": DOCS}, fault.headers
            )
        if request.url.path in self._broken:
            return self._json(self._broken[request.url.path], {"message": "Server Error"})
        for pattern, route in self._routes():
            match = pattern.fullmatch(request.url.path)
            if match and request.method == "GET":
                return route(request, *match.groups())
        dispatch = re.fullmatch(
            f"/repos/{re.escape(self.organization)}/([^/]+)/actions/workflows/([^/]+)/dispatches",
            request.url.path,
        )
        if dispatch and request.method == "POST":
            return self._dispatch(request, *dispatch.groups())
        return self._json(404, NOT_FOUND)

    def _routes(self) -> list[tuple[re.Pattern[str], Callable[..., httpx.Response]]]:
        org, repo = re.escape(self.organization), r"([^/]+)"
        return [
            (re.compile(f"/orgs/{org}/repos"), lambda r: self._page(r, self.repos)),
            (re.compile(f"/orgs/{org}/teams"), lambda r: self._page(r, self.teams)),
            (re.compile(f"/repos/{org}/{repo}"), self._repository),
            (re.compile(f"/repos/{org}/{repo}/pulls"), self._pull_list),
            (re.compile(f"/repos/{org}/{repo}/pulls/(\\d+)"), self._pull),
            (re.compile(f"/repos/{org}/{repo}/issues"), self._issue_list),
            (re.compile(f"/repos/{org}/{repo}/issues/(\\d+)"), self._issue),
            (re.compile(f"/repos/{org}/{repo}/actions/workflows"), self._workflow_list),
            (re.compile(f"/repos/{org}/{repo}/actions/runs"), self._run_list),
            (re.compile(f"/repos/{org}/{repo}/actions/runs/(\\d+)"), self._run),
        ]

    def _repository(self, request: httpx.Request, name: str) -> httpx.Response:
        found = [r for r in self.repos if r["name"] == name]
        return self._json(200, found[0]) if found else self._json(404, NOT_FOUND)

    def _pull_list(self, request: httpx.Request, name: str) -> httpx.Response:
        if name not in self.pulls:
            return self._json(404, NOT_FOUND)
        return self._page(request, _by_state(self.pulls[name], request.url.params.get("state", "open")))

    def _pull(self, request: httpx.Request, name: str, number: str) -> httpx.Response:
        found = [p for p in self.pulls.get(name, []) if p["number"] == int(number)]
        return self._json(200, found[0]) if found else self._json(404, NOT_FOUND)

    def _issue_list(self, request: httpx.Request, name: str) -> httpx.Response:
        if name not in self.issues:
            return self._json(404, NOT_FOUND)
        return self._page(request, _by_state(self.issues[name], request.url.params.get("state", "open")))

    def _issue(self, request: httpx.Request, name: str, number: str) -> httpx.Response:
        found = [i for i in self.issues.get(name, []) if i["number"] == int(number)]
        return self._json(200, found[0]) if found else self._json(404, NOT_FOUND)

    def _workflow_list(self, request: httpx.Request, name: str) -> httpx.Response:
        if name not in self.workflows:
            return self._json(404, NOT_FOUND)
        return self._page(request, self.workflows[name], key="workflows")

    def _run_list(self, request: httpx.Request, name: str) -> httpx.Response:
        if name not in self.runs:
            return self._json(404, NOT_FOUND)
        return self._page(request, self.runs[name], key="workflow_runs")

    def _run(self, request: httpx.Request, name: str, run_id: str) -> httpx.Response:
        found = [run for run in self.runs.get(name, []) if run["id"] == int(run_id)]
        return self._json(200, found[0]) if found else self._json(404, NOT_FOUND)

    def _dispatch(self, request: httpx.Request, name: str, workflow: str) -> httpx.Response:
        """``workflow_dispatch``: a new queued run, answered as with ``return_run_details``."""
        repository = next((r for r in self.repos if r["name"] == name), None)
        known = [
            w
            for w in self.workflows.get(name, [])
            if workflow in (str(w["id"]), w["path"].rsplit("/", 1)[-1])
        ]
        if repository is None or not known:
            return self._json(404, NOT_FOUND)
        body = json.loads(request.content)
        if body.get("ref") not in (repository.get("default_branch"), "main", "develop"):
            return self._json(
                422, {"message": f"No ref found for: {body.get('ref')}", "documentation_url": DOCS}
            )
        run_id = max((run["id"] for runs in self.runs.values() for run in runs), default=9_000_000) + 1
        run = {
            **copy.deepcopy(self.runs.get(name, [{}])[0] if self.runs.get(name) else {}),
            "id": run_id,
            "name": known[0]["name"],
            "workflow_id": known[0]["id"],
            "path": known[0]["path"],
            "display_title": known[0]["name"],
            "event": "workflow_dispatch",
            "status": "queued",
            "conclusion": None,
            "head_branch": body["ref"],
            "run_number": len(self.runs.get(name, [])) + 1,
            "html_url": f"https://github.com/{self.organization}/{name}/actions/runs/{run_id}",
            "url": f"{API}/repos/{self.organization}/{name}/actions/runs/{run_id}",
        }
        self.runs.setdefault(name, []).insert(0, run)
        self.dispatches.append({"repository": name, "workflow": workflow, **body})
        answer = {"workflow_run_id": run_id, "run_url": run["url"], "html_url": run["html_url"]}
        return self._json(200, answer)

    def finish_run(self, run_id: int, conclusion: str) -> dict[str, Any]:
        """Complete a workflow run (as GitHub does when its jobs end); returns it."""
        run = next(run for runs in self.runs.values() for run in runs if run["id"] == run_id)
        run.update(status="completed", conclusion=conclusion)
        return run

    def _page(
        self, request: httpx.Request, items: list[dict[str, Any]], key: str | None = None
    ) -> httpx.Response:
        """One page of ``items`` with GitHub's ``Link`` header (and envelope, for ``key``)."""
        params = request.url.params
        size = min(int(params.get("per_page", 30)), self.page_size)
        page = int(params.get("page", 1))
        last = max((len(items) + size - 1) // size, 1)
        chunk = copy.deepcopy(items[(page - 1) * size : page * size])
        links = []

        def link(number: int, rel: str) -> str:
            query = urlencode({**dict(params), "page": number})
            return f'<{API}{request.url.path}?{query}>; rel="{rel}"'

        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links = [link(1, "first"), link(page - 1, "prev"), *links]
        headers = {"link": ", ".join(links)} if links else {}
        body: Any = {"total_count": len(items), key: chunk} if key else chunk
        return self._json(200, body, headers)

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        self._remaining = max(self._remaining - 1, 0)
        if self._budget_spent_in is not None:
            self._budget_spent_in -= 1
            if self._budget_spent_in == 0:
                self._budget_spent_in = None
                headers = {
                    "x-ratelimit-remaining": "0",
                    "x-ratelimit-reset": str(int(self.now + self._budget_reset_in)),
                    **(headers or {}),
                }
        all_headers = {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": str(self._remaining),
            "x-ratelimit-reset": str(int(self.now + 3600)),
            "x-ratelimit-resource": "core",
            "x-github-api-version-selected": "2022-11-28",
            **(headers or {}),
        }
        return httpx.Response(status, json=body, headers=all_headers)


def _by_state(items: list[dict[str, Any]], state: str) -> list[dict[str, Any]]:
    return items if state == "all" else [item for item in items if item["state"] == state]
