"""Local stand-ins for the 3rd-party systems the docs' commands talk to (``doc-check: with NAME``).

Each service is a context manager yielding a ``Service``: environment variables to add (an
``OCEAN__INTEGRATION__CONFIG__*`` base URL the integration documents as configurable) and
literal replacements in the block (a broker address). The block's commands stay as written.
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from doc_blocks import REPO

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Service:
    """What a running stand-in changes for the block: ``env`` added, ``replace`` old → new."""

    env: dict[str, str] = field(default_factory=dict)
    replace: dict[str, str] = field(default_factory=dict)


@contextmanager
def http_server(answer: Callable[[str, str, dict[str, str]], Answer]) -> Iterator[str]:
    """A real HTTP server on a free loopback port, answering GETs with ``answer(path, query, headers)``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            parts = urlsplit(self.path)
            status, headers, body = answer(parts.path, parts.query, dict(self.headers))
            self.send_response(status)
            for name, value in {"content-type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# -- JSONPlaceholder (integrations/http's example config) -----------------------------------------

USERS = [
    {"id": n, "name": f"User {n}", "username": f"user{n}", "email": f"user{n}@example.com",
     "company": {"name": f"Company {n % 3}"}}
    for n in range(1, 11)
]  # fmt: skip
POSTS = [
    {"userId": 1 + n % 10, "id": n, "title": f"Post {n}", "body": f"Body of post {n}"} for n in range(1, 101)
]


def _jsonplaceholder(path: str, query: str, headers: dict[str, str]) -> Answer:
    params = {key: values[-1] for key, values in parse_qs(query).items()}
    if path == "/users":
        return 200, {}, json.dumps(USERS).encode()
    if path == "/posts":
        limit, page = int(params.get("_limit", 100)), int(params.get("_page", 1))
        return 200, {}, json.dumps(POSTS[(page - 1) * limit : page * limit]).encode()
    return 404, {}, b"{}"


@contextmanager
def jsonplaceholder(script: str) -> Iterator[Service]:
    """JSONPlaceholder's ``/users`` and paged ``/posts``, as ``config.example.yaml`` reads them."""
    with http_server(_jsonplaceholder) as url:
        yield Service(env={"OCEAN__INTEGRATION__CONFIG__BASE_URL": url})


# -- GitHub (integrations/github) -------------------------------------------------------------------


@contextmanager
def github(script: str) -> Iterator[Service]:
    """The GitHub integration's own test fake (``tests/fake_github.py``) served over HTTP.

    It accepts only the token the block exports, for the organisation the block names.
    """
    sys.path.insert(0, str(REPO / "integrations" / "github" / "tests"))
    try:
        from fake_github import API, FakeGitHub
    finally:
        sys.path.pop(0)
    token = re.search(r"GITHUB_TOKEN=(\S+)", script)
    organization = re.search(r"GITHUB_ORGANIZATION=(\S+)", script)
    assert token and organization, "the GitHub block exports no token or organisation"
    fake = FakeGitHub(token=token[1], organization=organization[1])
    base: list[str] = []

    def answer(path: str, query: str, headers: dict[str, str]) -> Answer:
        # http.server decodes header bytes as latin-1: hand the fake the bytes that were sent.
        raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
        request = httpx.Request("GET", f"{base[0]}{path}?{query}", headers=raw)
        response = fake.handle(request)
        # GitHub's Link header names the API's own host: point it at this stand-in.
        out = {
            k: v.replace(API, base[0]) for k, v in response.headers.items() if k.lower() != "content-length"
        }
        return response.status_code, out, response.content

    with http_server(answer) as url:
        base.append(url)
        yield Service(env={"OCEAN__INTEGRATION__CONFIG__GITHUB_BASE_URL": url})


# -- Kafka (integrations/kafka) ---------------------------------------------------------------------


@contextmanager
def kafka(script: str) -> Iterator[Service]:
    """A real Kafka-protocol broker (Tansu) on a free port, in place of ``localhost:9092``."""
    from ocean_runtime.testing.kafka import TansuBroker

    with TansuBroker() as broker:
        yield Service(replace={"localhost:9092": broker.bootstrap_servers})


SERVICES: dict[str, Callable[[str], AbstractContextManager[Service]]] = {
    "jsonplaceholder": jsonplaceholder,
    "github": github,
    "kafka": kafka,
}
