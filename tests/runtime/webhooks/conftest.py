"""A real integration with webhook processors, served over HTTP into a real harbor.

``live`` loads an integration folder written here (two processors on ``/repos``: GitHub-signed
and GitLab-token; one on ``/slow``), docks it into the test's harbor, starts an
``IntegrationService`` (listener ``WEBHOOKS_ONLY`` unless a test says otherwise) and talks to
its Starlette app through ``httpx.ASGITransport``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sys
import textwrap
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from ocean_runtime.app import IntegrationRunner, PortTarget, load_integration
from ocean_runtime.app.service import IntegrationService, bind_socket
from ocean_runtime.webhooks import LiveEventsBackend, hmac_sha256_hex

SECRET = "s3cret-github"
GITLAB_TOKEN = "gl-t0ken"

MAIN = """
import asyncio

from ocean_runtime import (
    RetryableError, WebhookEventRawResults, WebhookProcessor, event, ocean,
    verify_github_signature, verify_gitlab_token,
)

ATTEMPTS = {}
SEEN = []


class GithubRepos(WebhookProcessor):
    initial_retry_delay_seconds = 0.01

    async def authenticate(self, payload, headers):
        return verify_github_signature(self.event.body, headers, ocean.integration_config["secret"])

    async def validate_payload(self, payload):
        return isinstance(payload.get("repo") or payload.get("deleted"), dict)

    def group_key(self, payload):
        return (payload.get("repo") or payload.get("deleted"))["name"]

    async def should_process_event(self, event):
        return event.headers.get("x-github-event") == "repository"

    async def get_matching_kinds(self, event):
        return ["repo"]

    async def handle_event(self, payload, resource):
        ATTEMPTS[self.event.id] = ATTEMPTS.get(self.event.id, 0) + 1
        SEEN.append((type(self).__name__, event.resource_config.kind, event.event_type))
        if ATTEMPTS[self.event.id] <= payload.get("transient_failures", 0):
            raise RetryableError("the repos API is busy")
        if payload.get("explode"):
            raise RuntimeError("the handler has a bug")
        if payload.get("sleep"):
            await asyncio.sleep(payload["sleep"])
        if "deleted" in payload:
            return WebhookEventRawResults(deleted_raw_results=[payload["deleted"]])
        return WebhookEventRawResults(updated_raw_results=[payload["repo"]])


class GitlabRepos(GithubRepos):
    async def authenticate(self, payload, headers):
        return verify_gitlab_token(headers, ocean.integration_config["gitlab_token"])

    async def should_process_event(self, event):
        return event.headers.get("x-gitlab-event") == "Push Hook"


class Unclassifiable(GithubRepos):
    async def should_process_event(self, event):
        raise KeyError("action")


ocean.add_webhook_processor("/repos", GithubRepos)
ocean.add_webhook_processor("/repos", GitlabRepos)
ocean.add_webhook_processor("/broken", Unclassifiable)


@ocean.on_resync("repo")
async def repos(kind):
    yield [{"name": "from-resync", "language": "go", "stars": 1}]
"""
SPEC = """
configurations:
  - {name: secret, type: string, required: true}
  - {name: gitlabToken, type: string, required: true}
"""
BLUEPRINTS = [
    {"identifier": "repo", "title": "Repository",
     "schema": {"properties": {"language": {"type": "string"}, "stars": {"type": "number"}}}},
]  # fmt: skip
MAPPING = {
    "deleteDependentEntities": True,
    "resources": [{
        "kind": "repo",
        "selector": {"query": ".archived != true"},
        "port": {"entity": {"mappings": {
            "identifier": ".name", "title": ".name", "blueprint": '"repo"',
            "properties": {"language": ".language", "stars": ".stars"}}}},
    }],
}  # fmt: skip


def write_integration(root: Path) -> Path:
    files = {
        "pyproject.toml": '[project]\nname = "hooks"\nversion = "0.1.0"\n',
        "main.py": MAIN,
        ".port/spec.yaml": SPEC,
        ".port/resources/blueprints.json": json.dumps(BLUEPRINTS),
        ".port/resources/port-app-config.yml": json.dumps(MAPPING),
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def github_headers(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "x-github-event": "repository",
        "x-hub-signature-256": "sha256=" + hmac_sha256_hex(secret, body),
    }


class Live:
    """A started integration service and an HTTP client for it."""

    def __init__(self, service: IntegrationService, client: httpx.AsyncClient, harbor: Any) -> None:
        self.service = service
        self.client = client
        self.harbor = harbor

    @property
    def module(self) -> Any:
        """The integration's imported ``main.py`` (its ``ATTEMPTS`` and ``SEEN``)."""
        return sys.modules[self.service.runner.app.webhook_processors["/repos"][0].__module__]

    async def post_github(
        self, payload: dict[str, Any], *, secret: str = SECRET, path: str = "/repos"
    ) -> httpx.Response:
        body = json.dumps(payload).encode()
        return await self.client.post(
            f"/integration{path}", content=body, headers=github_headers(body, secret)
        )

    async def idle(self) -> None:
        """Wait until every accepted event is processed."""
        assert self.service.backend is not None
        while self.service.backend.depth():
            await asyncio.sleep(0.01)

    def repos(self) -> dict[str, dict[str, Any]]:
        return {entity["identifier"]: entity for entity in self.harbor.entities("repo")}

    async def metric(self, name: str, **labels: str) -> float:
        """A sample of ``/metrics`` (0 when absent)."""
        text = (await self.client.get("/metrics")).text
        for line in text.splitlines():
            match = re.match(rf"{name}\{{(.*)\}} (\S+)$", line) or re.match(rf"{name} (\S+)$", line)
            if not match:
                continue
            found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1))) if match.lastindex == 2 else {}
            if all(found.get(key) == value for key, value in labels.items()):
                return float(match.group(match.lastindex or 1))
        return 0.0


Starter = Callable[..., Any]


@pytest.fixture
async def start_live(tmp_path: Path, harbor: Any) -> AsyncIterator[Starter]:
    """``await start_live(env={...}, backend=..., port_url=..., transport=...)`` → a started
    ``Live`` (stopped after the test); ``port_url`` reaches the harbor another way (e.g. through a
    ``Cable``), ``transport`` is the Port client's innermost transport (e.g. a ``CountingTransport``)."""
    root = write_integration(tmp_path / "hooks")
    started: list[Live] = []

    async def start(
        env: dict[str, str] | None = None,
        backend: LiveEventsBackend | None = None,
        port_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> Live:
        environ = {
            "OCEAN__INTEGRATION__CONFIG__SECRET": SECRET,
            "OCEAN__INTEGRATION__CONFIG__GITLAB_TOKEN": GITLAB_TOKEN,
            "OCEAN__EVENT_LISTENER__TYPE": "WEBHOOKS_ONLY",
            **(env or {}),
        }
        app = load_integration(root, environ=environ)
        target = PortTarget(port_url or harbor.url, harbor.client_id, harbor.client_secret, local=True)
        runner = IntegrationRunner(app, target, transport=transport)
        await runner.prepare()
        service = IntegrationService(runner, backend=backend)
        await service.start()
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=service.asgi), base_url="http://ocean")
        live = Live(service, client, harbor)
        started.append(live)
        return live

    yield start
    for live in started:
        await live.service.stop()
        await live.client.aclose()
        await live.service.runner.port.aclose()


class Cable:
    """A TCP forwarder to the harbor that can be cut: Port going away, as a network sees it.

    While cut, connections are accepted and closed at once and the open ones are dropped.
    """

    def __init__(self, target: str) -> None:
        host, port = target.removeprefix("http://").rsplit(":", 1)
        self._target = (host, int(port))
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self.cut = False

    async def start(self) -> str:
        """Listen on a free port; returns the URL to use instead of the harbor's."""
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def cut_off(self) -> None:
        """Drop every connection and refuse new ones until ``restore``."""
        self.cut = True
        for writer in list(self._open):
            writer.close()

    def restore(self) -> None:
        self.cut = False

    async def close(self) -> None:
        self.cut_off()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(*self._target)
        self._open |= {writer, up_writer}
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self._open -= {writer, up_writer}
            writer.close()
            up_writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


@pytest.fixture
async def cable(harbor: Any) -> AsyncIterator[Cable]:
    """A cuttable connection to the harbor (``await cable.start()`` gives its URL)."""
    found = Cable(harbor.url)
    yield found
    await found.close()


class CountingTransport(httpx.AsyncBaseTransport):
    """The Port client's real network transport, counting the requests per (method, path)."""

    def __init__(self) -> None:
        from ocean_runtime.http.transports.http11 import Http11Transport

        self._inner = Http11Transport()
        self.requests: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append((request.method, request.url.path))
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()

    def count(self, method: str, suffix: str) -> int:
        return sum(1 for m, path in self.requests if m == method and path.endswith(suffix))


@contextlib.asynccontextmanager
async def served(live: Live) -> AsyncIterator[tuple[str, int]]:
    """The live service's app behind a real uvicorn on a free port."""
    sock = bind_socket("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(live.service.asgi, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve([sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield sock.getsockname()[:2]
    finally:
        server.should_exit = True
        await task
