"""A real REST API on a local port: users (offset pages), posts (cursor pages), one 429.

It is a plain ``http.server`` in a thread — real sockets, real HTTP — whose data a test can
change between resyncs (``api.users``, ``api.posts``) and whose requests it can inspect
(``api.requests``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

INTEGRATION_DIR = Path(__file__).resolve().parents[1]


@dataclass
class RestAPI:
    """The served data and what the server saw."""

    url: str = ""
    users: list[dict[str, Any]] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    throttle_once: set[str] = field(default_factory=set)
    # "path?query" -> (status, body) answered instead of the data, every time; body None: no body.
    broken: dict[str, tuple[int, Any]] = field(default_factory=dict)
    token: str = "s3cret"

    def answer(self, path: str, query: dict[str, str], auth: str | None) -> tuple[int, dict[str, str], Any]:
        if auth != f"Bearer {self.token}":
            return 401, {}, {"message": "bad token"}
        key = f"{path}?{'&'.join(f'{k}={v}' for k, v in sorted(query.items()))}"
        if key in self.throttle_once:
            self.throttle_once.discard(key)
            return 429, {"Retry-After": "2"}, {"message": "slow down"}
        if key in self.broken:
            status, body = self.broken[key]
            return status, {}, body
        if path == "/api/users":
            offset, limit = int(query.get("offset", 0)), min(int(query.get("limit", 100)), 3)
            return 200, {}, {"data": {"users": self.users[offset : offset + limit]}, "total": len(self.users)}
        if path == "/api/posts":
            posts = (
                [p for p in self.posts if p["updatedAt"] > query["since"]] if "since" in query else self.posts
            )
            start = int(query.get("after", 0))
            page = posts[start : start + 4]
            more = start + 4 < len(posts)
            return 200, {}, {"posts": page, "paging": {"next": str(start + 4) if more else None}}
        return 404, {}, {"message": f"no {path}"}


def make_users(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": n,
            "name": f"User {n}",
            "username": f"user{n}",
            "email": f"user{n}@example.com",
            "company": {"name": "Acme"},
        }
        for n in range(1, count + 1)
    ]


def make_posts(count: int, updated: str = "2024-01-01T00:00:00+00:00") -> list[dict[str, Any]]:
    return [
        {"id": 100 + n, "title": f"Post {n}", "body": "…", "userId": 1 + n % 3, "updatedAt": updated}
        for n in range(count)
    ]


@contextmanager
def serving(api: RestAPI) -> Iterator[RestAPI]:
    """Serve ``api`` on a free local port (``api.url``) until the block ends."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            api.requests.append(self.path)
            status, headers, body = api.answer(parts.path, query, self.headers.get("Authorization"))
            payload = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def endpoints_config(api: RestAPI) -> dict[str, Any]:
    """What a user writes in config.yaml for this API."""
    return {
        "baseUrl": api.url + "/api",
        "auth": {"type": "bearer"},
        "token": "{{ from env REST_TOKEN }}",
        "rateLimit": {"requests": 50, "per": 1, "concurrency": 2},
        "endpoints": {
            "user": {
                "path": "/users",
                "itemsPath": "data.users",
                "pagination": {"type": "offset", "limit": 5, "totalPath": "total"},
            },
            "post": {
                "path": "/posts",
                "itemsPath": "posts",
                "updatedSinceParam": "since",
                "pagination": {"type": "cursor", "cursorPath": "paging.next", "cursorParam": "after"},
            },
        },
    }
