"""``FakeAPI``: a 3rd-party API in a test, served through ``httpx.MockTransport``.

    api = FakeAPI("https://api.example.com")
    api.get("/items", json=[{"id": 1}], headers={"Link": '</items?page=2>; rel="next"'})
    api.get("/items?page=2", json=[{"id": 2}])
    api.get("/flaky", responses=[api.response(429, headers={"Retry-After": "3"}), {"ok": True}])
    api.load("tests/recordings/github.json")          # recorded responses, same shape

Routes match on method, path and — when the route names one — the query string (order and
extra client parameters do not matter as long as the route's parameters are all present). A
route with several responses answers them in turn and then repeats the last. A request no
route matches fails the test with a message listing the routes, rather than a silent 404.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

Handler = Callable[[httpx.Request], httpx.Response]
Answer = httpx.Response | Handler | dict[str, Any] | list[Any]


class UnmatchedRequestError(AssertionError):
    """A request reached the fake API that no route answers."""


@dataclass
class Route:
    """One fake endpoint and what it answers."""

    method: str
    host: str | None
    path: str
    query: dict[str, list[str]]
    answers: list[Answer]
    calls: list[httpx.Request] = field(default_factory=list)

    def matches(self, request: httpx.Request) -> bool:
        if request.method != self.method or request.url.path != self.path:
            return False
        if self.host is not None and request.url.host != self.host:
            return False
        asked = _query(request.url)
        return all(asked.get(name) == values for name, values in self.query.items())

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        answer = self.answers[min(len(self.calls) - 1, len(self.answers) - 1)]
        if callable(answer) and not isinstance(answer, httpx.Response):
            return answer(request)
        if isinstance(answer, httpx.Response):
            # A Response object can be read once; hand out a copy so repeats work.
            return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)
        return httpx.Response(200, json=answer)

    def describe(self) -> str:
        query = "&".join(f"{k}={v}" for k, values in self.query.items() for v in values)
        return f"{self.method} {self.host or ''}{self.path}{'?' + query if query else ''}"


class FakeAPI:
    """Routes → answers, plus the requests it received.

    Args:
        base_url: optional; when given, routes given as paths only match this host.
    """

    def __init__(self, base_url: str | None = None) -> None:
        self.host = httpx.URL(base_url).host if base_url else None
        self.routes: list[Route] = []
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self.handle)

    def add(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        responses: Iterable[Answer] | None = None,
        handler: Handler | None = None,
    ) -> Route:
        """Answer ``method url`` (a path, ``/path?query``, or a full URL).

        Give one of ``json`` (with ``status``/``headers``), ``responses`` (answered in turn,
        the last one repeated) or ``handler`` (a function of the request).
        """
        parsed = httpx.URL(url)
        if handler is not None:
            answers: list[Answer] = [handler]
        elif responses is not None:
            answers = list(responses)
        else:
            answers = [httpx.Response(status, json=json, headers=dict(headers or {}))]
        if not answers:
            raise ValueError(f"the route {method} {url} was given no responses")
        route = Route(method.upper(), parsed.host or self.host, parsed.path, _query(parsed), answers)
        # Newest first: a later, more specific route overrides an earlier catch-all.
        self.routes.insert(0, route)
        return route

    @staticmethod
    def response(
        status: int = 200, *, json: Any = None, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """An answer for ``responses=[...]``: ``FakeAPI.response(429, headers={"Retry-After": "3"})``."""
        return httpx.Response(status, json=json, headers=dict(headers or {}))

    def get(self, url: str, **kwargs: Any) -> Route:
        """``add("GET", url, ...)``."""
        return self.add("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Route:
        """``add("POST", url, ...)``."""
        return self.add("POST", url, **kwargs)

    def load(self, recording: str | Path) -> None:
        """Add routes from a recording: a JSON list of ``{method, url, status, headers, json}``.

        ``method`` defaults to GET and ``status`` to 200; ``body`` (text) may replace ``json``.
        """
        path = Path(recording)
        entries = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(entries, list):
            raise ValueError(f"{path}: a recording is a JSON list of responses, got {type(entries).__name__}")
        for number, entry in enumerate(entries):
            if not isinstance(entry, dict) or "url" not in entry:
                raise ValueError(f"{path}: entry {number} needs at least a 'url' (got {entry!r:.80})")
            status = int(entry.get("status", 200))
            headers = entry.get("headers") or {}
            if "body" in entry:
                response = httpx.Response(status, text=str(entry["body"]), headers=headers)
            else:
                response = httpx.Response(status, json=entry.get("json"), headers=headers)
            self.add(str(entry.get("method", "GET")), entry["url"], responses=[response])

    def handle(self, request: httpx.Request) -> httpx.Response:
        """The ``MockTransport`` handler."""
        self.requests.append(request)
        for route in self.routes:
            if route.matches(request):
                return route.answer(request)
        known = "\n  ".join(route.describe() for route in reversed(self.routes)) or "(none)"
        raise UnmatchedRequestError(
            f"the fake API has no route for {request.method} {request.url}; routes:\n  {known}"
        )

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        """The requests received for ``method path`` (any query)."""
        return [r for r in self.requests if r.method == method.upper() and r.url.path == path]


def _query(url: httpx.URL) -> dict[str, list[str]]:
    query: dict[str, list[str]] = {}
    for name, value in url.params.multi_items():
        query.setdefault(name, []).append(value)
    return query
