"""A ``FakeAPI`` served over real HTTP, so an integration running in another process can reach it.

``ocean sail`` runs in its own process (the corpus venv's Python), so an in-process
``httpx.MockTransport`` cannot answer it. ``ServedFakeAPI`` serves the routes of a
``ocean_runtime.testing.FakeAPI`` on 127.0.0.1 (a free port); a request no route matches gets a
599 answer and is recorded in ``unmatched`` so the test can show it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from ocean_runtime.testing.fake_api import FakeAPI, UnmatchedRequestError


class ServedFakeAPI:
    """The server of one ``FakeAPI``; ``url`` is its origin (``http://127.0.0.1:PORT``)."""

    def __init__(self, api: FakeAPI) -> None:
        self.api = api
        self.unmatched: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        served = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                request = httpx.Request(
                    self.command, f"{served.url}{self.path}", headers=dict(self.headers), content=body
                )
                try:
                    response = served.api.handle(request)
                    response.read()
                except UnmatchedRequestError as exc:
                    served.unmatched.append(f"{self.command} {self.path}")
                    response = httpx.Response(599, text=str(exc))
                self.send_response(response.status_code)
                for name, value in response.headers.items():
                    if name.lower() not in (
                        "content-length",
                        "transfer-encoding",
                        "connection",
                        "content-encoding",
                    ):
                        self.send_header(name, value)
                self.send_header("content-length", str(len(response.content)))
                self.end_headers()
                self.wfile.write(response.content)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

            def log_message(self, format: str, *args: object) -> None:
                return None

        return Handler

    @contextmanager
    def running(self) -> Iterator[ServedFakeAPI]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(timeout=5)
