"""An in-memory Port for the client's tests, served through ``httpx.MockTransport``.

``PortDouble`` answers the endpoints the client speaks with Port's shapes (tokens, the
integration record, blueprints, bulk/single upserts with per-entity results, searches,
datasource paging, bulk delete), records every request, and can be told to misbehave:
``fail_next`` queues answers or exceptions for matching requests before the normal routes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from ocean_runtime.port import PortClient, RetryPolicy

BASE_URL = "http://port.test"
CLIENT_ID = "client-id"
CLIENT_SECRET = "s3cr3t-value"

Fault = httpx.Response | Exception


@dataclass
class Recorded:
    """One request as the double saw it."""

    method: str
    path: str
    params: list[tuple[str, str]]
    headers: httpx.Headers
    body: Any
    raw_path: str


@dataclass
class PortDouble:
    """A small, honest Port: state, per-entity results, limits and scripted faults."""

    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    expires_in: int = 10800
    max_bulk_entities: int = 20
    max_bulk_bytes: int = 1024 * 1024
    owned_page_size: int = 5000
    requests: list[Recorded] = field(default_factory=list)
    tokens_issued: int = 0
    valid_tokens: set[str] = field(default_factory=set)
    integration: dict[str, Any] | None = None
    blueprints: dict[str, dict[str, Any]] = field(default_factory=dict)
    entities: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    clock: float = 1_000.0
    faults: list[tuple[Callable[[Recorded], bool], list[Fault]]] = field(default_factory=list)

    # -- test controls -------------------------------------------------------------------

    def fail_next(self, method: str, path: str, *answers: Fault) -> None:
        """Answer the next ``len(answers)`` requests ``method path`` (path prefix) with these."""
        self.faults.append((lambda r: r.method == method and r.path.startswith(path), list(answers)))

    def revoke_tokens(self) -> None:
        self.valid_tokens.clear()

    def calls(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (path is None or r.path.startswith(path))
        ]

    def add_entity(self, blueprint: str, identifier: str, datasource: str, updated_at: float) -> None:
        self.entities[(blueprint, identifier)] = {
            "identifier": identifier,
            "blueprint": blueprint,
            "$datasource": datasource,
            "updatedAt": updated_at,
        }

    # -- transport -------------------------------------------------------------------------

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        recorded = Recorded(
            request.method,
            unquote(request.url.path),
            list(request.url.params.multi_items()),
            httpx.Headers(request.headers),  # a copy: the client reuses the request on a resend
            body,
            request.url.raw_path.decode().split("?")[0],
        )
        self.requests.append(recorded)
        for matches, answers in self.faults:
            if answers and matches(recorded):
                answer = answers.pop(0)
                if isinstance(answer, Exception):
                    raise answer
                return answer
        if recorded.path == "/v1/auth/access_token":
            return self._token(body)
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.valid_tokens:
            return _error(401, "unauthorized", "token expired or invalid")
        return self._route(recorded, len(request.content))

    def _token(self, body: Any) -> httpx.Response:
        if body != {"clientId": self.client_id, "clientSecret": self.client_secret}:
            return _error(401, "invalid_credentials", "Invalid client id or secret")
        self.tokens_issued += 1
        token = f"token-{self.tokens_issued}"
        self.valid_tokens.add(token)
        return httpx.Response(
            200, json={"ok": True, "accessToken": token, "expiresIn": self.expires_in, "tokenType": "Bearer"}
        )

    def _route(self, r: Recorded, size: int) -> httpx.Response:
        parts = r.path.strip("/").split("/")[1:]  # drop "v1"
        key = (r.method, *parts)
        match key:
            case ("GET", "organization"):
                return _ok(organization={"id": "org_1", "name": "test", "featureFlags": []})
            case ("POST", "integration"):
                self.integration = {**r.body, "identifier": r.body["installationId"]}
                return _ok(integration=self.integration)
            case ("GET", "integration", _) if self.integration is None:
                return _error(404, "not_found", "Integration not found")
            case ("GET", "integration", _):
                return _ok(integration=self.integration)
            case ("PATCH", "integration", _):
                assert self.integration is not None
                self.integration.update(r.body)
                return _ok(integration=self.integration)
            case ("PATCH", "integration", _, "resync-state"):
                assert self.integration is not None
                self.integration["resyncState"] = {**r.body, "updatedAt": "2024-01-01T00:00:00Z"}
                return _ok(integration=self.integration)
            case ("GET", "blueprints", bp) if bp in self.blueprints:
                return _ok(blueprint=self.blueprints[bp])
            case ("GET", "blueprints", _):
                return _error(404, "not_found", "Blueprint not found")
            case ("POST", "blueprints"):
                self.blueprints[r.body["identifier"]] = {"relations": {}, **r.body}
                return _ok(blueprint=self.blueprints[r.body["identifier"]])
            case ("POST", "blueprints", bp, "entities", "bulk"):
                return self._bulk_upsert(bp, r, size)
            case ("POST", "blueprints", bp, "entities"):
                return self._single_upsert(bp, r)
            case ("POST", "blueprints", "entities", "datasource-entities"):
                return self._owned(r.body)
            case ("POST", "blueprints", bp, "bulk", "entities", "delete"):
                deleted = [i for i in r.body["entities"] if self.entities.pop((bp, i), None)]
                return _ok(deletedEntities=deleted)
            case ("POST", "entities", "search"):
                return _ok(entities=[e for e in self.entities.values() if _matches(e, r.body)])
        return _error(404, "not_found", f"no route for {r.method} {r.path}")

    def _bulk_upsert(self, bp: str, r: Recorded, size: int) -> httpx.Response:
        if len(r.body["entities"]) > self.max_bulk_entities or size > self.max_bulk_bytes:
            return _error(413, "payload_too_large", "Request entity too large")
        written, errors = [], []
        for index, entity in enumerate(r.body["entities"]):
            identifier = self._resolve(bp, entity)
            if identifier is None:
                errors.append(
                    {"identifier": "unknown", "index": index, "statusCode": 404, "error": "not_found"}
                )
            elif entity.get("properties", {}).get("reject"):
                errors.append(
                    {"identifier": identifier, "index": index, "statusCode": 422, "error": "invalid_entity"}
                )
            else:
                self._store(bp, identifier, entity, r)
                written.append({"identifier": identifier, "index": index, "created": True})
        return httpx.Response(
            207 if errors else 200, json={"ok": True, "entities": written, "errors": errors}
        )

    def _single_upsert(self, bp: str, r: Recorded) -> httpx.Response:
        if len(json.dumps(r.body)) > self.max_bulk_bytes:
            return _error(413, "payload_too_large", "Request entity too large")
        identifier = self._resolve(bp, r.body)
        if identifier is None:
            return _error(404, "not_found", "search identifier matched nothing")
        return _ok(entity=self._store(bp, identifier, r.body, r))

    def _resolve(self, bp: str, entity: dict[str, Any]) -> str | None:
        identifier = entity["identifier"]
        if isinstance(identifier, str):
            return identifier
        found = [e for e in self.entities.values() if e["blueprint"] == bp and _matches(e, identifier)]
        return found[0]["identifier"] if found else None

    def _store(self, bp: str, identifier: str, entity: dict[str, Any], r: Recorded) -> dict[str, Any]:
        stored = {**entity, "identifier": identifier, "blueprint": bp}
        stored["$datasource"] = r.headers["User-Agent"]
        stored["updatedAt"] = self.clock
        self.entities[(bp, identifier)] = stored
        return stored

    def _owned(self, body: dict[str, Any]) -> httpx.Response:
        owned = [
            e
            for e in self.entities.values()
            if e["$datasource"].startswith(body["datasource_prefix"])
            and e["$datasource"].endswith(body["datasource_suffix"])
            and ("before" not in body or e["updatedAt"] < datetime.fromisoformat(body["before"]).timestamp())
        ]
        start = int(body.get("from", 0))
        page = owned[start : start + min(body["limit"], self.owned_page_size)]
        following = start + len(page)
        return _ok(entities=page, next=str(following) if following < len(owned) else None)


def _matches(entity: dict[str, Any], query: dict[str, Any]) -> bool:
    results = [
        _matches(entity, rule) if "combinator" in rule else _rule(entity, rule) for rule in query["rules"]
    ]
    return all(results) if query["combinator"] == "and" else any(results)


def _rule(entity: dict[str, Any], rule: dict[str, Any]) -> bool:
    prop = rule["property"]
    value = entity.get(prop[1:]) if prop.startswith("$") else entity.get("properties", {}).get(prop)
    if prop == "$datasource":
        value = entity["$datasource"]
    match rule["operator"]:
        case "=":
            return bool(value == rule["value"])
        case "in":
            return value in rule["value"]
        case "contains":
            return isinstance(value, str) and rule["value"] in value
    raise AssertionError(f"unsupported operator {rule['operator']}")


def _ok(**fields: Any) -> httpx.Response:
    return httpx.Response(200, json={"ok": True, **fields})


def _error(status: int, error: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"ok": False, "error": error, "message": message})


class SleepRecorder:
    """Stands in for ``asyncio.sleep``: records the waits instead of waiting.

    ``clock`` is virtual Unix time that the recorded waits move forward, so a pause that was
    waited out is over for the next request, as with real time.
    """

    START = 1_700_000_000.0

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

    def clock(self) -> float:
        return self.START + sum(self.waits)


@pytest.fixture
def port() -> PortDouble:
    return PortDouble()


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def make_client(port: PortDouble, sleeps: SleepRecorder) -> Callable[..., PortClient]:
    """Build a ``PortClient`` on the double; keyword arguments override the defaults."""

    def build(**overrides: Any) -> PortClient:
        options: dict[str, Any] = {
            "integration_identifier": "my-jira",
            "integration_type": "jira",
            "integration_version": "1.2.3",
            "transport": port.transport(),
            "sleep": sleeps,
            "clock": sleeps.clock,
            "retry_policy": RetryPolicy(jitter_ratio=0.0),
        }
        options.update(overrides)
        client_id = options.pop("client_id", port.client_id)
        return PortClient(BASE_URL, client_id, port.client_secret, **options)

    return build
